package awsfake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// send signs (unless service is empty) and sends a raw request.
func send(t *testing.T, f *Fake, method, url, body, service, region string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if service != "" {
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: f.AccessKeyID, SecretAccessKey: f.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

// TestFakeRefusesWhatAWSRefuses proves the fake's checks can fail: bad
// signatures, unknown routes and bodies that break the API's rules get the
// AWS error a real service would send, in its wire format.
func TestFakeRefusesWhatAWSRefuses(t *testing.T) {
	f := New()
	defer f.Close()
	Seed(f)
	retrieve := f.Runtime.URL + "/knowledgebases/" + SampleKB + "/retrieve"
	tests := []struct {
		name, method, url, body, service, region string
		wantStatus                               int
		wantCode, wantText                       string
	}{
		{"unsigned", "POST", retrieve, `{"retrievalQuery":{"text":"x"}}`, "", "", 403, "InvalidSignatureException", "non-SigV4"},
		{"wrong service", "POST", retrieve, `{"retrievalQuery":{"text":"x"}}`, "s3", "us-east-1", 403, "InvalidSignatureException", "signed for service"},
		{"wrong region", "POST", retrieve, `{"retrievalQuery":{"text":"x"}}`, "bedrock", "eu-west-1", 403, "InvalidSignatureException", "signed for region"},
		{"unknown route", "POST", f.Runtime.URL + "/knowledgebases/" + SampleKB + "/search", `{}`, "bedrock", "us-east-1", 404, "UnknownOperationException", "no operation"},
		{"empty query", "POST", retrieve, `{"retrievalQuery":{"text":" "}}`, "bedrock", "us-east-1", 400, "ValidationException", "retrievalQuery.text"},
		{"too many results", "POST", retrieve, `{"retrievalQuery":{"text":"x"},"retrievalConfiguration":{"vectorSearchConfiguration":{"numberOfResults":101}}}`, "bedrock", "us-east-1", 400, "ValidationException", "numberOfResults"},
		{"andAll of one", "POST", retrieve, `{"retrievalQuery":{"text":"x"},"retrievalConfiguration":{"vectorSearchConfiguration":{"filter":{"andAll":[{"equals":{"key":"a","value":1}}]}}}}`, "bedrock", "us-east-1", 400, "ValidationException", "greater than or equal to 2"},
		{"two filter members", "POST", retrieve, `{"retrievalQuery":{"text":"x"},"retrievalConfiguration":{"vectorSearchConfiguration":{"filter":{"equals":{"key":"a","value":1},"in":{"key":"a","value":[1]}}}}}`, "bedrock", "us-east-1", 400, "ValidationException", "exactly one member"},
		{"bad search type", "POST", retrieve, `{"retrievalQuery":{"text":"x"},"retrievalConfiguration":{"vectorSearchConfiguration":{"overrideSearchType":"KEYWORD"}}}`, "bedrock", "us-east-1", 400, "ValidationException", "overrideSearchType"},
		{"unknown knowledge base", "POST", f.Runtime.URL + "/knowledgebases/KBNOPE0000/retrieve", `{"retrievalQuery":{"text":"x"}}`, "bedrock", "us-east-1", 404, "ResourceNotFoundException", "KBNOPE0000"},
		{"ok", "POST", retrieve, `{"retrievalQuery":{"text":"rollback"}}`, "bedrock", "us-east-1", 200, "", `"retrievalResults"`},
		{"s3 missing key", "GET", f.S3.URL + "/" + SampleBucket + "/nope.md", "", "s3", "us-east-1", 404, "", "<Code>NoSuchKey</Code>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := send(t, f, tt.method, tt.url, tt.body, tt.service, tt.region)
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("X-Amzn-Errortype") != tt.wantCode || !strings.Contains(body, tt.wantText) {
				t.Errorf("%d %s %s; want %d %s with %q", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), body, tt.wantStatus, tt.wantCode, tt.wantText)
			}
		})
	}
	if n := len(f.Problems()); n != 9 {
		t.Errorf("problems recorded = %d, want 9 (every refusal but the unknown knowledge base)", n)
	}
}

// TestFakeFaultQueue serves queued faults in order, then answers normally.
func TestFakeFaultQueue(t *testing.T) {
	f := New()
	defer f.Close()
	Seed(f)
	f.Fail(OpRetrieve, Throttling, InternalError)
	retrieve := f.Runtime.URL + "/knowledgebases/" + SampleKB + "/retrieve"
	var got []int
	for range 3 {
		resp, _ := send(t, f, "POST", retrieve, `{"retrievalQuery":{"text":"rollback"}}`, "bedrock", "us-east-1")
		got = append(got, resp.StatusCode)
	}
	if got[0] != 429 || got[1] != 500 || got[2] != 200 || f.Calls(OpRetrieve) != 3 {
		t.Errorf("statuses = %v, calls = %d; want [429 500 200], 3", got, f.Calls(OpRetrieve))
	}
}
