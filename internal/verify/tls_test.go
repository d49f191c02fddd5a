package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http/httptest"
	"testing"
	"time"
)

// certServer serves knowledge-mcp over TLS with a self-signed certificate
// for 127.0.0.1 valid from notBefore to notAfter, and returns options that
// trust it.
func certServer(t *testing.T, notBefore, notAfter time.Time) Options {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(42),
		Subject:               pkix.Name{CommonName: "verify test"},
		Issuer:                pkix.Name{CommonName: "verify test"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(ownHandler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	opts := Options{URL: srv.URL + "/mcp", Timeout: 5 * time.Second, Calls: 2, plainHTTPURL: "http://127.0.0.1:1/mcp"}
	opts.RootCAs = x509.NewCertPool()
	opts.RootCAs.AddCert(cert)
	return opts
}

func TestCertificateExpiry(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name      string
		from, to  time.Time
		tlsStatus Status
		failed    bool
	}{
		{"valid for a year", now.Add(-time.Hour), now.Add(365 * 24 * time.Hour), Pass, false},
		{"expires in five days", now.Add(-time.Hour), now.Add(5 * 24 * time.Hour), Warn, false},
		{"expired yesterday", now.Add(-48 * time.Hour), now.Add(-24 * time.Hour), Fail, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := certServer(t, tt.from, tt.to)
			want := want{failed: tt.failed, status: map[string]Status{"tls": tt.tlsStatus}}
			if tt.tlsStatus == Fail {
				want.patterns = map[string][]string{"tls": {"tls-certificate"}, "postman": {"tls-certificate"}}
			}
			r := runAndCheck(t, opts, want)
			if tt.tlsStatus == Warn && r.Check("tls").Summary == "" {
				t.Error("no summary for the expiry warning")
			}
		})
	}
}
