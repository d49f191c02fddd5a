package config

// Console configures the web console served to browsers at /.
type Console struct {
	// Enabled serves the console; off, / answers every client with the
	// status JSON.
	Enabled bool
}

// AddFlags registers the console settings.
func (c *Console) AddFlags(f *FlagSet) {
	f.Bool(&c.Enabled, "console", "CONSOLE", true, "serve the web console to browsers at / (status, search, client configurations, self-check); false serves only the API, and / still answers programs and health checks with 200 JSON")
}
