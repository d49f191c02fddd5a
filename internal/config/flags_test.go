package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestPrecedenceFlagThenEnvThenDefault(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantHost string
		wantPort int
		wantList []string
	}{
		{"defaults", nil, nil, "127.0.0.1", 8080, nil},
		{"env", nil, map[string]string{"HOST": "0.0.0.0", "PORT": "9000", "ALLOWED_HOSTS": "a, b,,c"}, "0.0.0.0", 9000, []string{"a", "b", "c"}},
		{"flag beats env", []string{"--port", "7000", "--host=::1"}, map[string]string{"HOST": "0.0.0.0", "PORT": "9000"}, "::1", 7000, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c HTTP
			fs := NewFlagSet("serve", "usage", io.Discard)
			fs.Getenv = func(k string) string { return tt.env[k] }
			c.AddFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if c.Host != tt.wantHost || c.Port != tt.wantPort || strings.Join(c.AllowedHosts, "|") != strings.Join(tt.wantList, "|") {
				t.Errorf("got host %q port %d hosts %q", c.Host, c.Port, c.AllowedHosts)
			}
			if c.DrainTimeout != 25*time.Second || c.MaxBodyBytes != 1<<20 {
				t.Errorf("defaults lost: drain %s body %d", c.DrainTimeout, c.MaxBodyBytes)
			}
		})
	}
}

func TestInvalidValuesNameTheSetting(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"env not a number", nil, map[string]string{"PORT": "eighty"}, "PORT"},
		{"env bad duration", nil, map[string]string{"DRAIN_TIMEOUT": "soon"}, "DRAIN_TIMEOUT"},
		{"flag not a number", []string{"--port", "x"}, nil, "port"},
		{"port range", []string{"--port", "99999"}, nil, "port (PORT): 99999"},
		{"negative timeout", []string{"--idle-timeout", "-1s"}, nil, "idle-timeout (IDLE_TIMEOUT)"},
		{"empty host", nil, map[string]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c HTTP
			fs := NewFlagSet("serve", "usage", io.Discard)
			fs.Getenv = func(k string) string { return tt.env[k] }
			c.AddFlags(fs)
			err := fs.Parse(tt.args)
			if err == nil {
				err = c.Validate()
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one naming %q", err, tt.want)
			}
		})
	}
}

func TestSecretNeverShown(t *testing.T) {
	var secret string
	var out strings.Builder
	fs := NewFlagSet("x", "usage", &out)
	fs.Secret(&secret, "api-key", "API_KEY", "the key")
	var n int
	fs.Int(&n, "n", "N", 1, "a number")
	fs.Getenv = func(k string) string { return map[string]string{"API_KEY": "s3cr3t"}[k] }
	if err := fs.Parse(nil); err != nil || secret != "s3cr3t" {
		t.Fatalf("secret from env: %q %v", secret, err)
	}
	fs.PrintHelp(&out)
	if strings.Contains(out.String(), "s3cr3t") || !strings.Contains(out.String(), "API_KEY") {
		t.Errorf("help shows the secret or lacks its env name:\n%s", out.String())
	}
}

func TestLogLevel(t *testing.T) {
	for _, level := range []string{"debug", "INFO", "warn", "error"} {
		if err := (&Log{Level: level}).Validate(); err != nil {
			t.Errorf("%s: %v", level, err)
		}
	}
	if err := (&Log{Level: "loud"}).Validate(); err == nil || !strings.Contains(err.Error(), "LOG_LEVEL") {
		t.Errorf("unknown level: %v", err)
	}
}

// --help puts a command's own flags first, then groups in the order people
// need them, and never shows a default that contradicts the usage text.
func TestHelpGroupsAndDefaults(t *testing.T) {
	var c Serve
	var own string
	fs := NewFlagSet("serve", "usage", io.Discard)
	fs.String(&own, "own-flag", "", "x", "a flag of the command itself")
	c.AddFlags(fs)
	var b strings.Builder
	fs.PrintHelp(&b)
	help := b.String()
	last := strings.Index(help, "--own-flag")
	if last < 0 || last > strings.Index(help, "Listening:") {
		t.Errorf("the command's own flag is not first:\n%s", help)
	}
	for _, heading := range []string{"Listening:", "Knowledge bases:", "Security:", "Limits:", "Amazon Bedrock:", "Logging and metrics:", "Tuning:"} {
		i := strings.Index(help, "\n"+heading+"\n")
		if i < last {
			t.Errorf("%q missing or out of order:\n%s", heading, help)
		}
		last = i
	}
	for _, want := range []string{"--host string", "--kb list", "--auth string", "--cors-origins list", "--rate-limit string", "--model-arn string", "--drain-timeout duration"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	for _, line := range strings.Split(help, "\n") {
		lower := strings.ToLower(line)
		if strings.Contains(lower, "(none)") || strings.Contains(line, "unset by default") && (strings.Contains(lower, "; default") || strings.Contains(lower, "empty")) {
			t.Errorf("contradictory default: %s", line)
		}
		if strings.Contains(line, "m0s") || strings.Contains(line, "h0m") {
			t.Errorf("duration with zero units: %s", line)
		}
	}
}
