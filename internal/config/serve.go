package config

import (
	"github.com/knowledge-mcp/knowledge-mcp/internal/httpserver"
)

// Serve holds every setting of "knowledge-mcp serve".
type Serve struct {
	HTTP      HTTP
	Log       Log
	Knowledge Knowledge
	Edge      Edge
	Runtime   Runtime
	Console   Console
}

// AddFlags registers every setting of serve, in the order --help lists
// them.
func (c *Serve) AddFlags(f *FlagSet) {
	c.HTTP.AddFlags(f)
	c.Log.AddFlags(f)
	c.Knowledge.AddFlags(f)
	c.Edge.AddFlags(f)
	c.Runtime.AddFlags(f)
	c.Console.AddFlags(f)
}

// ServeOptions are serve's settings validated and parsed once, in the
// types the packages take as they are.
type ServeOptions struct {
	// Addr is HOST:PORT; Loopback says whether HOST listens on loopback
	// only.
	Addr     string
	Loopback bool
	// HTTP is the options of httpserver.New but for what needs the running
	// process: Logger, Ready, Auth, Metrics and CORS.ExtraHeaders.
	HTTP httpserver.Options
	// Timeouts are the listener's.
	Timeouts httpserver.Timeouts
	// APIKeys are the accepted keys with auth api-key.
	APIKeys []string
	// JWT configures auth jwt (its Logger is left to the caller).
	JWT httpserver.JWTConfig
}

// Validate checks every setting but the log level (checked where the
// logger is made) and returns them parsed. It reads the API key file.
func (c *Serve) Validate() (*ServeOptions, error) {
	if err := c.HTTP.Validate(); err != nil {
		return nil, err
	}
	if err := c.Knowledge.Validate(); err != nil {
		return nil, err
	}
	edge, err := c.Edge.Validate()
	if err != nil {
		return nil, err
	}
	if err := c.Runtime.Validate(); err != nil {
		return nil, err
	}
	h := &c.HTTP
	o := &ServeOptions{
		Addr:     h.Addr(),
		Loopback: h.IsLoopback(),
		HTTP:     edge.HTTP,
		Timeouts: httpserver.Timeouts{
			ReadHeader: h.ReadHeaderTimeout,
			Read:       h.ReadTimeout,
			Write:      h.WriteTimeout,
			Idle:       h.IdleTimeout,
			Drain:      h.DrainTimeout,
		},
		APIKeys: edge.APIKeys,
		JWT:     edge.JWT,
	}
	o.HTTP.MaxBodyBytes = h.MaxBodyBytes
	o.HTTP.MaxBatchMessages = h.MaxBatchMessages
	o.HTTP.MaxResponseBytes = h.MaxResponseBytes
	o.HTTP.KeepAlive = h.KeepAlive
	o.HTTP.AllowedHosts = h.AllowedHosts
	return o, nil
}
