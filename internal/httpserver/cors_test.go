package httpserver

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestCORSModes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cors       CORS
		origin     string
		wantOrigin string // Access-Control-Allow-Origin on the preflight
		wantCreds  string
		wantStatus int
	}{
		{"credentials echo the origin", CORS{Origins: []string{"https://a.example"}, AllowCredentials: true}, "https://a.example", "https://a.example", "true", 204},
		{"wildcard without credentials", CORS{Origins: []string{"*"}}, "https://b.example", "*", "", 204},
		{"wildcard never with credentials", CORS{Origins: []string{"*"}, AllowCredentials: true}, "https://b.example", "*", "", 204},
		{"case of the origin", CORS{Origins: []string{"https://a.example"}}, "HTTPS://A.EXAMPLE", "HTTPS://A.EXAMPLE", "", 204},
		{"other origin", CORS{Origins: []string{"https://a.example"}}, "https://a.example.evil", "", "", 403},
		{"null origin", CORS{Origins: []string{"https://a.example"}}, "null", "", "", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(New(mcp.NewServer(&mcp.Implementation{Name: "t", Version: "1"}, nil), Options{CORS: tc.cors}))
			defer ts.Close()
			req, _ := http.NewRequest(http.MethodOptions, ts.URL+"/mcp", nil)
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tc.wantOrigin {
				t.Errorf("Allow-Origin %q, want %q", got, tc.wantOrigin)
			}
			if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != tc.wantCreds {
				t.Errorf("Allow-Credentials %q, want %q", got, tc.wantCreds)
			}
		})
	}
}
