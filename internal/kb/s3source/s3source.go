// Package s3source keeps a local knowledge-base index in Amazon S3: it
// publishes an index file to s3://BUCKET/KEY and keeps a verified copy of
// that object on local disk for a server to serve, refreshed with
// conditional requests.
//
//	client, err := s3source.NewClient(ctx)
//	loc, err := s3source.ParseURL("s3://team-docs/handbook.kbi")
//	v, err := s3source.Publish(ctx, client, "handbook.kbi", loc)
//	m, err := s3source.NewMirror(client, loc, "/var/cache/handbook.kbi", verify, nil)
//	go m.Run(ctx, time.Minute) // first copy with backoff, then If-None-Match each minute
//
// A new version is downloaded beside the copy being served, checked by the
// caller's verify function (the index's own checksums) and renamed over
// it, so a reader of the path sees the old index or the new one, never a
// partial or corrupt one. A version that fails to download or to verify
// is logged and the old copy stays.
//
// This package and internal/kb/bedrock are the two places the AWS SDK is
// used outside the CDK app: S3 is where a team's own index lives in the
// cloud. It is not a kb.Backend; the local backend serves the files it
// keeps, and it knows nothing of the index format beyond the verify
// function it is given.
package s3source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/knowledge-mcp/knowledge-mcp/internal/awslog"
)

// Scheme prefixes an S3 location: s3://BUCKET/KEY.
const Scheme = "s3://"

// Sentinel errors for what callers branch on; the errors returned wrap
// them with the bucket, key and what to do.
var (
	// ErrNotFound: the object (or its bucket) does not exist.
	ErrNotFound = errors.New("no such object")
	// ErrAccessDenied: the AWS identity may not read or write the object.
	ErrAccessDenied = errors.New("access denied")
	// ErrInvalid: a downloaded version failed verification.
	ErrInvalid = errors.New("the object is not a usable index")
)

// API is the part of the S3 client this package uses; *s3.Client
// implements it.
type API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

var _ API = (*s3.Client)(nil)

// Location is one object: s3://Bucket/Key.
type Location struct {
	Bucket string
	Key    string
}

// String returns s3://BUCKET/KEY.
func (l Location) String() string { return Scheme + l.Bucket + "/" + l.Key }

// ARN is the object's ARN in the standard partition, as an IAM policy
// names it.
func (l Location) ARN() string { return "arn:aws:s3:::" + l.Bucket + "/" + l.Key }

// IsURL reports whether s names an S3 object (starts with s3://).
func IsURL(s string) bool { return strings.HasPrefix(s, Scheme) }

// ParseURL parses s3://BUCKET/KEY. The bucket must be a valid S3 bucket
// name and the key non-empty.
func ParseURL(s string) (Location, error) {
	rest, ok := strings.CutPrefix(s, Scheme)
	if !ok {
		return Location{}, fmt.Errorf("%q: not an S3 URL; want s3://BUCKET/KEY", s)
	}
	bucket, key, _ := strings.Cut(rest, "/")
	if err := validBucket(bucket); err != nil {
		return Location{}, fmt.Errorf("%q: %w", s, err)
	}
	if key == "" {
		return Location{}, fmt.Errorf("%q: no object key; want s3://BUCKET/KEY, for example s3://%s/handbook.kbi", s, bucket)
	}
	if len(key) > 1024 {
		return Location{}, fmt.Errorf("%q: the key is %d bytes; S3 keys are at most 1024", s, len(key))
	}
	return Location{Bucket: bucket, Key: key}, nil
}

// validBucket checks the S3 bucket naming rules that matter for a URL:
// 3-63 lowercase letters, digits, '.' and '-', starting and ending with a
// letter or digit.
func validBucket(b string) error {
	ok := len(b) >= 3 && len(b) <= 63
	for i := 0; ok && i < len(b); i++ {
		c := b[i]
		alnum := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		ok = alnum || (c == '.' || c == '-') && i > 0 && i < len(b)-1
	}
	if !ok {
		return fmt.Errorf("bucket name %q: use 3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit", b)
	}
	return nil
}

// NewClient returns an S3 client configured only from the AWS SDK's
// standard environment: AWS_REGION, the default credential chain (the ECS
// task role in the cloud) and AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL)
// for an S3-compatible server, which is then addressed path-style
// (http://host/BUCKET/KEY), as MinIO and local S3 servers need.
//
// optFns adjust the client further, as for s3.NewFromConfig.
func NewClient(ctx context.Context, optFns ...func(*s3.Options)) (*s3.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("AWS configuration: no region; set AWS_REGION (ECS tasks have it set)")
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		// BaseEndpoint is set from AWS_ENDPOINT_URL_S3 before the
		// options functions run.
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
	}, func(o *s3.Options) {
		for _, fn := range optFns {
			fn(o)
		}
	}), nil
}

// Version identifies one version of an object.
type Version struct {
	// ETag is the object's entity tag, quotes included, as S3 sends it.
	ETag string
	// Size is its length in bytes.
	Size int64
	// VersionID is set when the bucket is versioned.
	VersionID string
}

// describe words an S3 error for an operator: the object, the error code
// and what to do next. op is "read" or "write".
func describe(loc Location, op string, err error) error {
	var ae smithy.APIError
	code := ""
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	switch {
	case code == "NoSuchBucket":
		return fmt.Errorf("%s: %w: bucket %q does not exist (NoSuchBucket)", loc, ErrNotFound, loc.Bucket)
	case code == "NoSuchKey" || code == "NotFound" || status == http.StatusNotFound:
		hint := "publish it with: knowledge-mcp index FOLDER --kb NAME --publish " + loc.String()
		if op == "write" {
			hint = "check the bucket name"
		}
		return fmt.Errorf("%s: %w in bucket %q (NoSuchKey); %s", loc, ErrNotFound, loc.Bucket, hint)
	case code == "AccessDenied" || code == "Forbidden" || status == http.StatusForbidden:
		action := "s3:GetObject"
		who := "grant it to the ECS task role (the role the application runs as, not the task execution role)"
		if op == "write" {
			action = "s3:PutObject"
			who = "grant it to the identity running this command"
		}
		missing := ""
		if op == "read" {
			missing = " (S3 also answers AccessDenied for a missing object when the identity may not s3:ListBucket)"
		}
		return fmt.Errorf("%s: %w (AccessDenied): the AWS identity in use may not %s it; %s needs to be allowed on %s: %s%s",
			loc, ErrAccessDenied, op, action, loc.ARN(), who, missing)
	}
	return fmt.Errorf("%s: %s: %w", loc, op, err)
}

// notModified reports whether err is S3's answer to a conditional request
// whose ETag still matches.
func notModified(err error) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotModified
}

// etagOf returns the object's ETag or "".
func etagOf(s *string) string { return aws.ToString(s) }

// WithLogger sends the AWS SDK's own log lines (such as a response it
// could not drain) to logger instead of the SDK's plain-text lines on
// stderr, so that a server's log stays one JSON object per line.
func WithLogger(logger *slog.Logger) func(*s3.Options) {
	return func(o *s3.Options) { o.Logger = awslog.New(logger) }
}
