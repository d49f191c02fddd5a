package stack

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DocsFolder is one folder of documents the stack serves from S3 (the
// docs context value): its index is built at synthesis with the
// repository's own knowledge-mcp and kept at DocsKeyPrefix+Name+".kbi".
type DocsFolder struct {
	Name string // the knowledge base name
	Dir  string // the folder, absolute
}

// Where the indexes live in the docs bucket, and how often tasks look for
// a new version of them.
const (
	DocsKeyPrefix = "indexes/"
	DocsRefresh   = "60s"
	// docsDataDir is the server's cache of the indexes: /tmp is the one
	// writable folder of the scratch image (uid 65532).
	docsDataDir = "/tmp/knowledge-mcp"
)

var kbNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// parseDocs reads -c docs=DIR or -c docs=NAME=DIR,NAME=DIR (comma-separated).
// A folder's name is its base name unless given.
func parseDocs(items []string) ([]DocsFolder, []error) {
	var out []DocsFolder
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("-c docs: %s", fmt.Sprintf(format, args...)))
	}
	for _, item := range items {
		name, dir, named := strings.Cut(item, "=")
		if !named {
			dir, name = item, ""
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			bad("%q: %v", dir, err)
			continue
		}
		if name == "" {
			name = filepath.Base(abs)
		}
		if !kbNamePattern.MatchString(name) {
			bad("%q is not a knowledge base name (1-64 letters, digits, '.', '_' or '-', starting with a letter or digit); name it: -c docs=NAME=%s", name, dir)
			continue
		}
		if info, err := os.Stat(abs); err != nil || !info.IsDir() {
			bad("%s is not a folder (paths are relative to where cdk runs, the deploy folder)", dir)
			continue
		}
		if slices.ContainsFunc(out, func(d DocsFolder) bool { return d.Name == name }) {
			bad("knowledge base %q is given twice; name the folders apart: -c docs=a=./x,b=./y", name)
			continue
		}
		out = append(out, DocsFolder{Name: name, Dir: abs})
	}
	return out, errs
}

// docs is the bucket holding the indexes of the docs folders and the
// deployment that writes them there.
type docs struct {
	folders    []DocsFolder
	bucket     awss3.Bucket
	deployment awss3deployment.BucketDeployment
}

// newDocs builds the index of every docs folder with the repository's own
// knowledge-mcp (go build, no Docker) and deploys them to a private,
// encrypted, versioned bucket at stable keys. It returns nil without docs.
//
// Stable keys, not asset-hash keys: the task's --kb setting names
// s3://BUCKET/indexes/NAME.kbi and never changes, so a redeploy with
// edited documents changes no task definition and replaces no task; the
// BucketDeployment overwrites the objects (one PUT each, atomic for
// readers) and running servers load the new version at their next
// refresh (If-None-Match on the ETag, every DocsRefresh). Asset-hash keys
// would change the task definition on every edit and roll every task.
func newDocs(st awscdk.Stack, cfg Config) *docs {
	if len(cfg.Docs) == 0 {
		return nil
	}
	stage, hash, err := buildDocsIndexes(cfg, filepath.Join(*awscdk.Stage_Of(st).Outdir(), "knowledge-mcp-docs"))
	if err != nil {
		panic(fmt.Errorf("-c docs: %w", err))
	}
	bucket := awss3.NewBucket(st, jsii.String("DocsBucket"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		Versioned:         jsii.Bool(true),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("ExpireOldIndexVersions"),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		// CloudFormation cannot delete a bucket that holds objects (and
		// their versions): it stays when the stack is deleted, costing
		// cents, until removed by hand (docs/deploy.md).
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	deployment := awss3deployment.NewBucketDeployment(st, jsii.String("DocsIndexes"), &awss3deployment.BucketDeploymentProps{
		Sources: &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(stage), &awss3assets.AssetOptions{
			// The hash of the folders' files and of the indexer, not of the
			// index bytes (which record when they were built): a deploy
			// with unchanged documents uploads nothing.
			AssetHash:     jsii.String(hash),
			AssetHashType: awscdk.AssetHashType_CUSTOM,
		})},
		DestinationBucket:    bucket,
		DestinationKeyPrefix: jsii.String(DocsKeyPrefix),
		Prune:                jsii.Bool(true),
		RetainOnDelete:       jsii.Bool(false),
		ContentType:          jsii.String("application/vnd.knowledge-mcp.index"),
		MemoryLimit:          jsii.Number(512),
	})
	return &docs{folders: cfg.Docs, bucket: bucket, deployment: deployment}
}

// kbSetting is the server's --kb (KB) value: NAME=s3://BUCKET/KEY, ...
func (d *docs) kbSetting() *string {
	var parts []*string
	for i, f := range d.folders {
		sep := ","
		if i == 0 {
			sep = ""
		}
		parts = append(parts, jsii.String(sep+f.Name+"=s3://"), d.bucket.BucketName(), jsii.String("/"+DocsKeyPrefix+f.Name+".kbi"))
	}
	return awscdk.Fn_Join(jsii.String(""), &parts)
}

// serve points the service at the indexes: read access to exactly those
// objects on the task role (not the execution role), the --kb setting,
// and a start after the first upload.
func (d *docs) serve(st awscdk.Stack, svc *service) {
	if d == nil {
		return
	}
	var objects []*string
	for _, f := range d.folders {
		objects = append(objects, d.bucket.ArnForObjects(jsii.String(DocsKeyPrefix+f.Name+".kbi")))
	}
	svc.taskRole.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadKnowledgeBaseIndexes"),
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: &objects,
	}))
	c := svc.service.TaskDefinition().DefaultContainer()
	c.AddEnvironment(jsii.String("KB"), d.kbSetting())
	c.AddEnvironment(jsii.String("KB_REFRESH"), jsii.String(DocsRefresh))
	c.AddEnvironment(jsii.String("KNOWLEDGE_MCP_DATA"), jsii.String(docsDataDir))
	svc.service.Node().AddDependency(d.deployment)

	awscdk.NewCfnOutput(st, jsii.String("DocsBucketName"), &awscdk.CfnOutputProps{
		Description: jsii.String("Bucket holding the knowledge base indexes (indexes/NAME.kbi); a CI job can update one with knowledge-mcp index FOLDER --kb NAME --publish s3://BUCKET/indexes/NAME.kbi"),
		Value:       d.bucket.BucketName(),
	})
	d.suppress(st)
}

// suppress records the cdk-nag findings the docs bucket and its
// deployment accept, with reasons.
func (d *docs) suppress(st awscdk.Stack) {
	suppress(d.bucket, suppression{id: "AwsSolutions-S1", reason: "Server access logs need a second bucket; the bucket " +
		"holds only the indexes this stack builds, written by its own deployment and read by the task role, and " +
		"CloudTrail records who changed them."})
	// The BucketDeployment's provider function is a stack-level singleton.
	for _, c := range *st.Node().Children() {
		id := *c.(constructs.IConstruct).Node().Id()
		if !strings.HasPrefix(id, "Custom::CDKBucketDeployment") {
			continue
		}
		suppress(c.(constructs.IConstruct),
			suppression{id: "AwsSolutions-IAM4", reason: "CDK's BucketDeployment function (copies the index asset to " +
				"the docs bucket at deploy time) uses the AWSLambdaBasicExecutionRole managed policy for its own logs."},
			suppression{id: "AwsSolutions-IAM5", reason: "CDK's BucketDeployment function reads the asset objects from " +
				"the CDK staging bucket and writes and prunes objects under the docs bucket's prefix; CDK scopes these " +
				"grants to the two buckets with object wildcards."},
			suppression{id: "AwsSolutions-L1", reason: "CDK's BucketDeployment function picks its own Python runtime; " +
				"it runs only during deployments."},
		)
	}
}

// buildDocsIndexes builds knowledge-mcp from the repository (cfg.ImageDir)
// and indexes every docs folder with it into stage/indexes. It returns
// that folder and a hash of the folders' files and the indexer.
func buildDocsIndexes(cfg Config, stage string) (dir, hash string, err error) {
	if err := os.RemoveAll(stage); err != nil {
		return "", "", err
	}
	dir, data := filepath.Join(stage, "indexes"), filepath.Join(stage, "data")
	for _, d := range []string{dir, data} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", "", err
		}
	}
	bin := filepath.Join(stage, "knowledge-mcp")
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-o", bin, "./cmd/knowledge-mcp")
	build.Dir = cfg.ImageDir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("build knowledge-mcp in %s to index the folders (needs Go): %v\n%s", cfg.ImageDir, err, out)
	}
	h := sha256.New()
	if err := hashFile(h, bin); err != nil {
		return "", "", err
	}
	for _, f := range cfg.Docs {
		index := exec.Command(bin, "index", f.Dir, "--kb", f.Name, "--data-dir", data, "--quiet")
		if out, err := index.CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("index %s as %s: %v\n%s", f.Dir, f.Name, err, out)
		}
		if err := os.Rename(filepath.Join(data, f.Name+".kbi"), filepath.Join(dir, f.Name+".kbi")); err != nil {
			return "", "", fmt.Errorf("index %s: %w", f.Dir, err)
		}
		fmt.Fprintf(h, "\x00folder %s\x00", f.Name)
		if err := hashTree(h, f.Dir); err != nil {
			return "", "", err
		}
	}
	return dir, hex.EncodeToString(h.Sum(nil)), nil
}

// hashTree writes every regular file of root (relative path and contents)
// to h in a fixed order.
func hashTree(h io.Writer, root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "%s\x00", filepath.ToSlash(rel))
		return hashFile(h, p)
	})
}

func hashFile(h io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(h, f)
	return err
}
