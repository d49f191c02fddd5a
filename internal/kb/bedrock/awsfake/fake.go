// Package awsfake is a local stand-in for the AWS services the Bedrock
// backend calls: bedrock-agent-runtime (Retrieve, RetrieveAndGenerate),
// bedrock-agent (knowledge bases, data sources, tags) and S3 (GetObject).
// It speaks their real wire protocols (REST-JSON, and S3's REST-XML errors)
// to the real AWS SDK, checks every request's SigV4 signature for the right
// service and region, checks paths and bodies as the APIs define them, and
// injects faults on demand.
//
// Each service has its own httptest server, so a client must route each
// through its own endpoint setting ([Fake.Env] gives the variables).
package awsfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Operation names, for [Fake.Fail], [Fake.Calls] and [Fake.Requests].
const (
	OpRetrieve            = "Retrieve"
	OpRetrieveAndGenerate = "RetrieveAndGenerate"
	OpListKnowledgeBases  = "ListKnowledgeBases"
	OpGetKnowledgeBase    = "GetKnowledgeBase"
	OpListDataSources     = "ListDataSources"
	OpGetDataSource       = "GetDataSource"
	OpListTagsForResource = "ListTagsForResource"
	OpGetObject           = "GetObject"
	// OpListKnowledgeBaseDocuments lists a data source's documents.
	OpListKnowledgeBaseDocuments = "ListKnowledgeBaseDocuments"
)

// Signing names of the services, as in the SigV4 credential scope.
const (
	SigningNameBedrock = "bedrock"
	SigningNameS3      = "s3"
)

// Fault is an injected failure: an HTTP status with an AWS error code and
// message, an answer delayed by Delay, or a raw body sent as is (malformed
// JSON).
type Fault struct {
	Status  int
	Code    string
	Message string
	// Delay holds the answer back; with Status 0 the normal answer follows.
	Delay time.Duration
	// RawBody, when set, is sent with status 200 instead of the answer.
	RawBody string
}

// Common faults, with the codes and messages AWS sends.
var (
	Throttling     = Fault{Status: 429, Code: "ThrottlingException", Message: "Rate exceeded"}
	InternalError  = Fault{Status: 500, Code: "InternalServerException", Message: "Internal server error"}
	AccessDenied   = Fault{Status: 403, Code: "AccessDeniedException", Message: "User: arn:aws:sts::123456789012:assumed-role/knowledge-mcp-TaskExecutionRole/abc is not authorized to perform: bedrock:Retrieve on resource: arn:aws:bedrock:us-east-1:123456789012:knowledge-base/KBFAKE0001 because no identity-based policy allows the bedrock:Retrieve action"}
	NotFound       = Fault{Status: 404, Code: "ResourceNotFoundException", Message: "Knowledge base not found"}
	Validation     = Fault{Status: 400, Code: "ValidationException", Message: "1 validation error detected: Value '1000' at 'retrievalConfiguration.vectorSearchConfiguration.numberOfResults' failed to satisfy constraint: Member must have value less than or equal to 100"}
	MalformedJSON  = Fault{RawBody: `{"retrievalResults": [{"content": {"text": "cut`}
	S3AccessDenied = Fault{Status: 403, Code: "AccessDenied", Message: "Access Denied"}
)

// Slow returns a fault that answers normally after d.
func Slow(d time.Duration) Fault { return Fault{Delay: d} }

// Chunk is one retrievable passage of a knowledge base.
type Chunk struct {
	Text string
	// ContentType is TEXT (default), IMAGE or ROW.
	ContentType string
	// Location is the wire form of RetrievalResultLocation, e.g.
	// {"type":"S3","s3Location":{"uri":"s3://b/k"}}.
	Location map[string]any
	Metadata map[string]any
}

// DataSource is one data source of a knowledge base.
type DataSource struct {
	ID, Name, Status string
	// Type is S3, WEB, CONFLUENCE, SALESFORCE, SHAREPOINT or CUSTOM.
	Type string
	// BucketARN is the bucket of an S3 data source.
	BucketARN string
}

// KnowledgeBase is one knowledge base of the fake.
type KnowledgeBase struct {
	ID, Name, Description, Status string
	// Type is VECTOR (default), KENDRA, SQL or MANAGED.
	Type        string
	Tags        map[string]string
	DataSources []DataSource
	Chunks      []Chunk
}

// Object is one S3 object.
type Object struct {
	Body        []byte
	ContentType string
	Metadata    map[string]string
}

// Request is a request the fake received.
type Request struct {
	Op, Method, Path string
	Header           http.Header
	Body             map[string]any
}

// Fake is the set of fake services. Create it with [New]; Close it.
type Fake struct {
	// Region and credentials that requests must be signed with.
	Region, AccessKeyID, SecretAccessKey, Account string
	// PageSize is the page size of list operations (default 2, so that
	// clients must follow nextToken).
	PageSize int

	Runtime, Agent, S3 *httptest.Server

	mu       sync.Mutex
	kbs      map[string]*KnowledgeBase
	kbOrder  []string
	objects  map[string]Object
	queued   map[string][]Fault
	always   map[string]Fault
	calls    map[string]int
	requests []Request
	problems []string
	sessions int
	inFlight int
	maxIn    int
}

// New starts the three services, empty.
func New() *Fake {
	f := &Fake{
		Region: "us-east-1", AccessKeyID: "AKIDFAKEKNOWLEDGEMCP", SecretAccessKey: "fake-secret-access-key", Account: "123456789012",
		PageSize: 2,
		kbs:      map[string]*KnowledgeBase{}, objects: map[string]Object{},
		queued: map[string][]Fault{}, always: map[string]Fault{}, calls: map[string]int{},
	}
	f.Runtime = httptest.NewServer(f.service(SigningNameBedrock, f.routeRuntime))
	f.Agent = httptest.NewServer(f.service(SigningNameBedrock, f.routeAgent))
	f.S3 = httptest.NewServer(f.service(SigningNameS3, f.routeS3))
	return f
}

// Close stops the services.
func (f *Fake) Close() {
	f.Runtime.Close()
	f.Agent.Close()
	f.S3.Close()
}

// Env returns the environment that points the AWS SDK at the fake, with
// static credentials and nothing read from the machine's AWS files or
// credential providers (empty values count as unset for the SDK).
func (f *Fake) Env() map[string]string {
	return map[string]string{
		"AWS_REGION":                             f.Region,
		"AWS_ACCESS_KEY_ID":                      f.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":                  f.SecretAccessKey,
		"AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME": f.Runtime.URL,
		"AWS_ENDPOINT_URL_BEDROCK_AGENT":         f.Agent.URL,
		"AWS_ENDPOINT_URL_S3":                    f.S3.URL,
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_CONFIG_FILE":                        "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE":            "/dev/null",
		// Nothing of the machine's own AWS setup may leak in.
		"AWS_PROFILE":                            "",
		"AWS_SESSION_TOKEN":                      "",
		"AWS_ROLE_ARN":                           "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_ENDPOINT_URL":                       "",
		"AWS_USE_FIPS_ENDPOINT":                  "",
		"AWS_USE_DUALSTACK_ENDPOINT":             "",
		"AWS_DEFAULT_REGION":                     "",
	}
}

// AddKnowledgeBase adds or replaces a knowledge base.
func (f *Fake) AddKnowledgeBase(k KnowledgeBase) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k.Status == "" {
		k.Status = "ACTIVE"
	}
	if k.Type == "" {
		k.Type = "VECTOR"
	}
	if _, ok := f.kbs[k.ID]; !ok {
		f.kbOrder = append(f.kbOrder, k.ID)
	}
	f.kbs[k.ID] = &k
}

// PutObject stores an S3 object.
func (f *Fake) PutObject(bucket, key string, o Object) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[bucket+"/"+key] = o
}

// Fail queues faults for op: the next calls of op meet them in order, then
// op answers normally again.
func (f *Fake) Fail(op string, faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queued[op] = append(f.queued[op], faults...)
}

// FailAlways makes every call of op meet fault until [Fake.Heal].
func (f *Fake) FailAlways(op string, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.always[op] = fault
}

// Heal removes every injected fault.
func (f *Fake) Heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queued = map[string][]Fault{}
	f.always = map[string]Fault{}
}

// Calls returns how many requests of op arrived (faulted ones included).
func (f *Fake) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// Requests returns the requests of op received so far.
func (f *Fake) Requests(op string) []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Request
	for _, r := range f.requests {
		if r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

// Problems returns what the fake refused as malformed: bad signatures,
// unknown routes, bodies that break the API's rules. A correct client
// causes none except through the faults it was asked to meet.
func (f *Fake) Problems() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.problems)
}

// KnowledgeBaseARN returns the ARN of knowledge base id.
func (f *Fake) KnowledgeBaseARN(id string) string {
	return fmt.Sprintf("arn:aws:bedrock:%s:%s:knowledge-base/%s", f.Region, f.Account, id)
}

// apiError is an error answer in the service's wire format.
type apiError struct {
	status        int
	code, message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func validation(format string, args ...any) *apiError {
	return &apiError{400, "ValidationException", fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return &apiError{404, "ResourceNotFoundException", fmt.Sprintf(format, args...)}
}

// rawResponse is an answer written as is (S3 objects).
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// handlerFunc answers one operation: a value to encode as JSON, or an error.
type handlerFunc func(r *http.Request, body map[string]any) (any, error)

// route picks the operation of a request.
type route func(r *http.Request) (op string, h handlerFunc, ok bool)

// service wraps a route with signature checks, request recording and faults.
func (f *Fake) service(signingName string, rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.enter()
		defer f.leave()
		raw, _ := io.ReadAll(r.Body)
		s3 := signingName == SigningNameS3
		if err := f.verifySignature(r, raw, signingName); err != nil {
			f.problem("%s %s: %v", r.Method, r.URL.Path, err)
			code := "InvalidSignatureException"
			if s3 {
				code = "SignatureDoesNotMatch"
			}
			writeError(w, s3, &apiError{403, code, err.Error()})
			return
		}
		op, h, ok := rt(r)
		if !ok {
			f.problem("%s %s: no such operation", r.Method, r.URL.Path)
			writeError(w, s3, &apiError{404, "UnknownOperationException", "no operation at " + r.Method + " " + r.URL.Path})
			return
		}
		var body map[string]any
		if len(bytes.TrimSpace(raw)) > 0 {
			if err := json.Unmarshal(raw, &body); err != nil {
				f.problem("%s: body is not JSON: %v", op, err)
				writeError(w, s3, &apiError{400, "SerializationException", "body is not JSON"})
				return
			}
		}
		fault, faulted := f.record(op, r, body)
		if faulted {
			if fault.Delay > 0 {
				select {
				case <-time.After(fault.Delay):
				case <-r.Context().Done():
					return
				}
			}
			switch {
			case fault.RawBody != "":
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, fault.RawBody)
				return
			case fault.Status != 0:
				writeError(w, s3, &apiError{fault.Status, fault.Code, fault.Message})
				return
			}
		}
		out, err := h(r, body)
		if err != nil {
			if ae, ok := err.(*apiError); ok {
				if ae.status == 400 {
					f.problem("%s: %v", op, ae)
				}
				writeError(w, s3, ae)
				return
			}
			writeError(w, s3, &apiError{500, "InternalServerException", err.Error()})
			return
		}
		if raw, ok := out.(*rawResponse); ok {
			for k, v := range raw.header {
				w.Header()[k] = v
			}
			w.WriteHeader(raw.status)
			w.Write(raw.body)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
}

func (f *Fake) enter() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
}

func (f *Fake) leave() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inFlight--
}

// MaxInFlight returns the most requests the fake has served at once.
func (f *Fake) MaxInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxIn
}

func (f *Fake) problem(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

// record counts and keeps the request and takes its fault, if any.
func (f *Fake) record(op string, r *http.Request, body map[string]any) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	f.requests = append(f.requests, Request{Op: op, Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	if q := f.queued[op]; len(q) > 0 {
		f.queued[op] = q[1:]
		return q[0], true
	}
	if fault, ok := f.always[op]; ok {
		return fault, true
	}
	return Fault{}, false
}

// writeError answers in the protocol's error format: REST-JSON with
// X-Amzn-Errortype for Bedrock, XML for S3.
func writeError(w http.ResponseWriter, s3 bool, e *apiError) {
	if s3 {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(e.status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>fake</RequestId></Error>`, xmlEscape(e.code), xmlEscape(e.message))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", e.code)
	w.Header().Set("X-Amzn-Requestid", "fake-request-id")
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(map[string]string{"message": e.message})
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (f *Fake) knowledgeBase(id string) (*KnowledgeBase, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.kbs[id]
	if !ok {
		return nil, notFound("Knowledge base %s does not exist in %s", id, f.Region)
	}
	return k, nil
}
