package awsfake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// verifySignature checks the SigV4 Authorization header: the access key,
// the credential scope (date, region, service), that host and x-amz-date are
// signed, and the signature itself, recomputed over the signed headers.
func (f *Fake) verifySignature(r *http.Request, body []byte, service string) error {
	auth := r.Header.Get("Authorization")
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algo) {
		return fmt.Errorf("missing or non-SigV4 Authorization header %q", auth)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(auth, algo), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return fmt.Errorf("malformed credential scope %q", fields["Credential"])
	}
	akid, date, region, svc := scope[0], scope[1], scope[2], scope[3]
	if akid != f.AccessKeyID {
		return fmt.Errorf("signed with access key %q, want %q", akid, f.AccessKeyID)
	}
	if region != f.Region {
		return fmt.Errorf("signed for region %q, want %q", region, f.Region)
	}
	if svc != service {
		return fmt.Errorf("signed for service %q, want %q", svc, service)
	}
	amzDate := r.Header.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil {
		return fmt.Errorf("bad X-Amz-Date %q", amzDate)
	}
	if !strings.HasPrefix(amzDate, date) {
		return fmt.Errorf("credential date %s does not match X-Amz-Date %s", date, amzDate)
	}
	if d := time.Since(t); d > 15*time.Minute || d < -15*time.Minute {
		return fmt.Errorf("X-Amz-Date %s is more than 15 minutes from now", amzDate)
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	for _, must := range []string{"host", "x-amz-date"} {
		if !slices.Contains(signed, must) {
			return fmt.Errorf("header %s is not signed (SignedHeaders=%s)", must, fields["SignedHeaders"])
		}
	}

	clone, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	if err != nil {
		return err
	}
	clone.Host = r.Host
	for _, h := range signed {
		switch h {
		case "host":
		case "content-length":
			clone.ContentLength = r.ContentLength
		default:
			clone.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	if payloadHash == "" {
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	} else if payloadHash != "UNSIGNED-PAYLOAD" {
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:]) != payloadHash {
			return fmt.Errorf("X-Amz-Content-Sha256 does not match the body")
		}
	}
	creds := aws.Credentials{AccessKeyID: f.AccessKeyID, SecretAccessKey: f.SecretAccessKey, SessionToken: r.Header.Get("X-Amz-Security-Token")}
	signer := v4.NewSigner(func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = service == SigningNameS3
	})
	if err := signer.SignHTTP(context.Background(), creds, clone, payloadHash, service, region, t); err != nil {
		return fmt.Errorf("recomputing the signature: %v", err)
	}
	want := clone.Header.Get("Authorization")
	if want != auth {
		return fmt.Errorf("signature does not match: got %q, computed %q", auth, want)
	}
	return nil
}
