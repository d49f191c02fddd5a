package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

// TestKnowledgeRefresh: --kb-refresh / KB_REFRESH defaults to a minute,
// takes 0 to turn refreshing off, and refuses a negative or unreadable
// duration naming the setting.
func TestKnowledgeRefresh(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want time.Duration
		err  string
	}{
		{"default", nil, nil, time.Minute, ""},
		{"env", nil, map[string]string{"KB_REFRESH": "15s"}, 15 * time.Second, ""},
		{"flag over env", []string{"--kb-refresh", "0"}, map[string]string{"KB_REFRESH": "15s"}, 0, ""},
		{"negative", []string{"--kb-refresh", "-1s"}, nil, 0, "kb-refresh (KB_REFRESH): -1s is negative"},
		{"not a duration", nil, map[string]string{"KB_REFRESH": "hourly"}, 0, "KB_REFRESH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Knowledge
			fs := NewFlagSet("serve", "usage", io.Discard)
			fs.Getenv = func(k string) string { return tt.env[k] }
			c.AddFlags(fs)
			err := fs.Parse(tt.args)
			if err == nil {
				err = c.Validate()
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil || c.Refresh != tt.want {
				t.Fatalf("Refresh = %s, %v; want %s", c.Refresh, err, tt.want)
			}
		})
	}
}

// TestIndexPublish: --publish (KB_PUBLISH) is parsed into the object to
// upload to; a bad URL names the setting.
func TestIndexPublish(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		publish string
		bucket  string
		err     string
	}{
		{"", "", ""},
		{"s3://team-docs/indexes/handbook.kbi", "team-docs", ""},
		{"s3://Team_Docs/handbook.kbi", "", "publish (KB_PUBLISH)"},
		{"https://example.com/h.kbi", "", "not an S3 URL"},
	} {
		var c Index
		fs := NewFlagSet("index", "usage", io.Discard)
		fs.Getenv = func(k string) string {
			if k == "KB_PUBLISH" {
				return tt.publish
			}
			return ""
		}
		c.AddFlags(fs)
		err := fs.Parse(nil)
		if err == nil {
			_, err = c.Validate(dir)
		}
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("KB_PUBLISH=%s: error %v, want one saying %q", tt.publish, err, tt.err)
			}
			continue
		}
		if err != nil || c.PublishTo.Bucket != tt.bucket {
			t.Errorf("KB_PUBLISH=%s: PublishTo %+v, %v", tt.publish, c.PublishTo, err)
		}
	}
}
