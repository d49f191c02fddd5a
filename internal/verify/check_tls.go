package verify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// certWarnBefore is how close to expiry a certificate gets a warning.
const certWarnBefore = 14 * 24 * time.Hour

var diagPlainHTTP = Diagnosis{Pitfall: "P2", Pattern: "plain-http-endpoint",
	Cause: "the endpoint is plain http://: a browser page served over https cannot call it (mixed content is blocked), and Amazon Bedrock AgentCore Gateway accepts only https:// MCP targets",
	Fix:   "put the server behind TLS (CloudFront with viewer protocol policy redirect-to-https, or an HTTPS listener) and use the https:// URL"}

var diagALBDirect = Diagnosis{Pitfall: "P7", Pattern: "alb-direct",
	Cause: "this URL is a load balancer's own DNS name (*.elb.amazonaws.com): it answers without going through CloudFront, so the CDN's TLS, WAF and headers are bypassed",
	Fix:   "restrict the ALB security group to CloudFront's origin-facing managed prefix list and require CloudFront's secret header (X-Origin-Verify) at the listener; publish the CloudFront URL"}

var diagHTTPServed = Diagnosis{Pitfall: "P2", Pattern: "http-not-redirected",
	Cause: "the same host answers plain http:// without redirecting to https://: clients that start from http:// send credentials and MCP traffic in clear text and pages on https get mixed content",
	Fix:   "set the CloudFront viewer protocol policy to redirect-to-https (or https-only)"}

// checkTLS is check 1: the URL's scheme, the certificate when https, and
// whether http:// of the same host redirects to https://.
func (d *doctor) checkTLS(ctx context.Context, c *Check) {
	host := d.endpoint.Hostname()
	if strings.HasSuffix(strings.ToLower(host), ".elb.amazonaws.com") {
		c.Evidencef("host %s is an AWS load balancer name", host)
		c.Add(Warn, "the URL is the load balancer itself, not CloudFront", diagALBDirect)
	}
	if d.endpoint.Scheme == "http" {
		if d.isLoopback() {
			c.Evidencef("scheme http on loopback host %s: fine for a local server", host)
			c.Add(Warn, "plain http:// (local server): browsers on https pages and AgentCore Gateway need https://")
			return
		}
		c.Evidencef("scheme http on %s", host)
		c.Add(Fail, "plain http:// endpoint: mixed content for browser pages, refused by AgentCore Gateway", diagPlainHTTP)
		return
	}
	d.checkCertificate(ctx, c)
	d.checkHTTPRedirect(ctx, c)
}

// checkCertificate makes a verified TLS handshake and reports the
// certificate: issuer, names, expiry, and the TLS version.
func (d *doctor) checkCertificate(ctx context.Context, c *Check) {
	addr := d.endpoint.Host
	if d.endpoint.Port() == "" {
		addr = net.JoinHostPort(d.endpoint.Hostname(), "443")
	}
	cfg := d.tlsConfig()
	cfg.InsecureSkipVerify = true // verify by hand below, to report what is wrong even with --insecure
	cfg.ServerName = d.endpoint.Hostname()
	dctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	// Dial as the run's transport does (tests route names to loopback).
	dial := (&net.Dialer{Timeout: d.opts.Timeout}).DialContext
	if t, ok := d.transport().(*http.Transport); ok && t.DialContext != nil {
		dial = t.DialContext
	}
	raw, err := dial(dctx, "tcp", addr)
	var conn *tls.Conn
	if err == nil {
		conn = tls.Client(raw, cfg)
		if err = conn.HandshakeContext(dctx); err != nil {
			_ = raw.Close()
		}
	}
	if err != nil {
		c.Evidencef("TLS handshake with %s: %v", addr, err)
		c.Add(Fail, "no TLS connection to "+addr, diagnoseError(err)...)
		return
	}
	state := conn.ConnectionState()
	_ = conn.Close()
	if len(state.PeerCertificates) == 0 {
		c.Add(Fail, "the server sent no certificate", diagCertificate)
		return
	}
	leaf := state.PeerCertificates[0]
	c.Evidencef("%s, certificate for %s issued by %q, valid %s to %s",
		tls.VersionName(state.Version), certNames(leaf), issuerName(leaf),
		leaf.NotBefore.UTC().Format(time.DateOnly), leaf.NotAfter.UTC().Format(time.DateOnly))

	inter := x509.NewCertPool()
	for _, cert := range state.PeerCertificates[1:] {
		inter.AddCert(cert)
	}
	_, verr := leaf.Verify(x509.VerifyOptions{DNSName: d.endpoint.Hostname(), Roots: d.opts.RootCAs, Intermediates: inter})
	if verr != nil && d.opts.RootCAs != nil {
		// --ca-file adds to the system roots rather than replacing them.
		if _, sysErr := leaf.Verify(x509.VerifyOptions{DNSName: d.endpoint.Hostname(), Intermediates: inter}); sysErr == nil {
			verr = nil
		}
	}
	now := time.Now()
	switch {
	case verr != nil && d.opts.Insecure:
		c.Evidencef("certificate verification: %v", verr)
		c.Add(Warn, "certificate not trusted (ignored by --insecure): "+shortErr(verr), diagCertificate)
	case verr != nil:
		c.Evidencef("certificate verification: %v", verr)
		c.Add(Fail, "certificate not valid: "+shortErr(verr), diagCertificate)
	case leaf.NotAfter.Before(now.Add(certWarnBefore)):
		c.Add(Warn, fmt.Sprintf("certificate expires in %s (%s)", leaf.NotAfter.Sub(now).Round(time.Hour), leaf.NotAfter.UTC().Format(time.DateOnly)))
	default:
		c.Add(Pass, fmt.Sprintf("https, certificate valid until %s (%s)", leaf.NotAfter.UTC().Format(time.DateOnly), tls.VersionName(state.Version)))
	}
}

// checkHTTPRedirect asks for http:// of the same host: a redirect to https
// passes, a refused connection passes (plain http is not served), a
// plain-http answer warns.
func (d *doctor) checkHTTPRedirect(ctx context.Context, c *Check) {
	target := d.opts.plainHTTPURL
	if target == "" {
		if p := d.endpoint.Port(); p != "" && p != "443" {
			c.Evidencef("http→https redirect not checked: https is on port %s, so the http:// counterpart is unknown", p)
			return
		}
		u := *d.endpoint
		u.Scheme, u.Host = "http", d.endpoint.Hostname()
		target = u.String()
	}
	sctx, cancel := context.WithTimeout(ctx, min(d.opts.Timeout, 5*time.Second))
	defer cancel()
	ex := d.do(sctx, http.MethodGet, target, nil, nil, false)
	switch {
	case ex.Err != nil:
		c.Evidencef("%s (plain http is not served)", ex)
	case ex.Status >= 300 && ex.Status < 400 && strings.HasPrefix(strings.ToLower(ex.Header.Get("Location")), "https://"):
		c.Evidencef("%s: redirects to https", ex)
	case ex.Status >= 300 && ex.Status < 400:
		c.Evidencef("%s", ex)
		c.Add(Warn, "http:// redirects, but not to https://", diagHTTPServed)
	case errors.Is(ctx.Err(), context.Canceled):
	default:
		c.Evidencef("%s", ex)
		c.Add(Warn, "http:// of the same host is served without a redirect to https://", diagHTTPServed)
	}
}

func certNames(cert *x509.Certificate) string {
	if len(cert.DNSNames) > 0 {
		names := cert.DNSNames
		if len(names) > 3 {
			names = append(names[:3:3], fmt.Sprintf("+%d more", len(cert.DNSNames)-3))
		}
		return strings.Join(names, ", ")
	}
	if len(cert.IPAddresses) > 0 {
		return cert.IPAddresses[0].String()
	}
	return cert.Subject.CommonName
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": "); i > 0 && strings.HasPrefix(s, "x509") {
		return s[i+2:]
	}
	return s
}

func issuerName(cert *x509.Certificate) string {
	if cert.Issuer.CommonName != "" {
		return cert.Issuer.CommonName
	}
	if len(cert.Issuer.Organization) > 0 {
		return cert.Issuer.Organization[0]
	}
	return cert.Issuer.String()
}
