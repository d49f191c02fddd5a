package stack

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Architecture is the CPU architecture of the Fargate task and of the image
// built for it; the two are one setting so that they cannot disagree (P4).
type Architecture string

// The architectures Fargate runs.
const (
	X86_64 Architecture = "x86_64"
	ARM64  Architecture = "arm64"
)

// Networking is where the tasks run and how they reach AWS APIs.
type Networking string

const (
	// Private puts tasks in isolated subnets that reach ECR, CloudWatch Logs,
	// Secrets Manager, S3, STS and Bedrock through VPC endpoints; no NAT, no
	// public address.
	Private Networking = "private"
	// Public puts tasks in public subnets with public IPs (no inbound rule
	// but the ALB's): the cheapest setup, no endpoint charges.
	Public Networking = "public"
)

// Auth is how the server authenticates its callers (the server's --auth).
type Auth string

const (
	// AuthAPIKey checks a generated key kept in Secrets Manager; AgentCore
	// Gateway sends it as "Authorization: Bearer <key>".
	AuthAPIKey Auth = "api-key"
	// AuthJWT checks OAuth 2.1 bearer tokens issued by a Cognito user pool
	// that this stack creates (client-credentials flow).
	AuthJWT Auth = "jwt"
	// AuthNone leaves the endpoint open to anyone who reaches CloudFront.
	AuthNone Auth = "none"
)

// Config is everything a deployment can vary. Every field comes from a CDK
// context value (cdk deploy -c key=value) named in its comment; Parse
// validates them all.
type Config struct {
	StackName string // stackName; default KnowledgeMcp
	Account   string // account; default $CDK_DEFAULT_ACCOUNT (may be empty)
	Region    string // region; default $CDK_DEFAULT_REGION; required

	Backend          string   // backend: local or bedrock; default bedrock when knowledgeBaseIds is set
	KnowledgeBaseIDs []string // knowledgeBaseIds: comma-separated Bedrock knowledge base ids
	GenerationModel  string   // generationModel: model id, inference profile id or ARN for ask_knowledge_base
	RerankModel      string   // rerankModel: reranker model id or ARN (e.g. amazon.rerank-v1:0)
	DataBucket       string   // dataBucket: S3 bucket whose objects get_document may read
	// Docs (docs: DIR or NAME=DIR, comma-separated) are folders served
	// with the local backend from indexes in an S3 bucket of the stack.
	Docs []DocsFolder

	Architecture Architecture // architecture: x86_64 (default) or arm64
	Networking   Networking   // networking: private (default) or public
	CPU          int          // cpu: Fargate CPU units; default 256 (0.25 vCPU)
	MemoryMiB    int          // memory: MiB; default 512
	MinTasks     int          // minTasks; default 2 (one per AZ)
	MaxTasks     int          // maxTasks; default 4
	LogRetention int          // logRetentionDays; default 30
	LogLevel     string       // logLevel: debug, info, warn, error; default info

	Auth        Auth     // auth: api-key (default), jwt or none
	CORSOrigins []string // corsOrigins: comma-separated allowed browser origins; default *

	OriginReadTimeout int    // originReadTimeout: seconds CloudFront waits for the ALB; default 60
	PrefixListID      string // cloudFrontPrefixListId; default from the per-region table
	WAF               bool   // waf: true to attach a WAF web ACL to CloudFront; default false
	WAFRateLimit      int    // wafRateLimit: requests per 5 minutes per IP; default 2000

	Gateway bool // gateway: true to create an AgentCore Gateway targeting this server; default false

	Target      Target      // target: ecs (default) or agentcore-runtime (runtime.go)
	RuntimeAuth RuntimeAuth // runtimeAuth: jwt (default) or iam; the Runtime's inbound auth

	// SecretsGeneration (secretsGeneration; default 1) names the generated
	// secrets; raising it replaces them with new values everywhere at once.
	SecretsGeneration int

	ImageDir string // imageDir: the Docker build context (the repository root); default ..
}

// Defaults for the values a caller leaves out.
const (
	DefaultStackName = "KnowledgeMcp"
)

var (
	kbIDPattern = regexp.MustCompile(`^[0-9A-Za-z]{1,10}$`)
	// Also a valid gateway name and Cognito domain prefix once lower-cased:
	// letters and digits, single hyphens between them.
	stackNamePattern   = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9]|-[A-Za-z0-9]){0,62}$`)
	regionPattern      = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	prefixListPattern  = regexp.MustCompile(`^pl-[0-9a-f]{8,17}$`)
	accountPattern     = regexp.MustCompile(`^\d{12}$`)
	bucketPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	modelPattern       = regexp.MustCompile(`^(arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d{0,12}:(foundation-model|inference-profile|application-inference-profile|provisioned-model)/)?[A-Za-z0-9._:/-]{1,200}$`)
	validRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)

// fargateMemory lists the memory sizes Fargate allows for each CPU size.
func fargateMemory(cpu int) []int {
	var mem []int
	switch cpu {
	case 256:
		return []int{512, 1024, 2048}
	case 512:
		for m := 1024; m <= 4096; m += 1024 {
			mem = append(mem, m)
		}
	case 1024:
		for m := 2048; m <= 8192; m += 1024 {
			mem = append(mem, m)
		}
	case 2048:
		for m := 4096; m <= 16384; m += 1024 {
			mem = append(mem, m)
		}
	case 4096:
		for m := 8192; m <= 30720; m += 1024 {
			mem = append(mem, m)
		}
	}
	return mem
}

// Getter returns a context value and whether it was set. CDK context from
// the command line is a string; from cdk.json it may be a bool or a number.
type Getter func(key string) (any, bool)

// Parse reads and validates the configuration. env supplies the
// CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION fallbacks. All problems are
// reported together, each naming its context key and what to pass instead.
func Parse(get Getter, env func(string) string) (Config, error) {
	p := parser{get: get}
	c := Config{
		StackName:         p.str("stackName", DefaultStackName),
		Account:           p.str("account", env("CDK_DEFAULT_ACCOUNT")),
		Region:            p.str("region", env("CDK_DEFAULT_REGION")),
		KnowledgeBaseIDs:  p.list("knowledgeBaseIds"),
		GenerationModel:   p.str("generationModel", ""),
		RerankModel:       p.str("rerankModel", ""),
		DataBucket:        p.str("dataBucket", ""),
		Architecture:      Architecture(strings.ToLower(p.str("architecture", string(X86_64)))),
		Networking:        Networking(strings.ToLower(p.str("networking", string(Private)))),
		CPU:               p.integer("cpu", 256),
		MemoryMiB:         p.integer("memory", 512),
		MinTasks:          p.integer("minTasks", 2),
		MaxTasks:          p.integer("maxTasks", 4),
		LogRetention:      p.integer("logRetentionDays", 30),
		LogLevel:          strings.ToLower(p.str("logLevel", "info")),
		Auth:              Auth(strings.ToLower(p.str("auth", string(AuthAPIKey)))),
		CORSOrigins:       p.list("corsOrigins"),
		OriginReadTimeout: p.integer("originReadTimeout", 60),
		PrefixListID:      p.str("cloudFrontPrefixListId", ""),
		WAF:               p.boolean("waf", false),
		WAFRateLimit:      p.integer("wafRateLimit", 2000),
		Gateway:           p.boolean("gateway", false),
		SecretsGeneration: p.integer("secretsGeneration", 1),
		ImageDir:          p.str("imageDir", ".."),
	}
	var docsErrs []error
	c.Docs, docsErrs = parseDocs(p.list("docs"))
	p.errs = append(p.errs, docsErrs...)
	defaultBackend := "local"
	if len(c.KnowledgeBaseIDs) > 0 {
		defaultBackend = "bedrock"
	}
	c.Backend = strings.ToLower(p.str("backend", defaultBackend))
	p.runtimeSettings(&c)
	if c.CORSOrigins == nil {
		c.CORSOrigins = []string{"*"}
	}
	if c.Architecture == "amd64" {
		c.Architecture = X86_64
	}
	if c.PrefixListID == "" {
		c.PrefixListID = cloudFrontOriginFacing[c.Region]
	}
	p.errs = append(p.errs, c.validate()...)
	if len(p.errs) > 0 {
		return Config{}, fmt.Errorf("invalid deployment parameters (CDK context):\n  %w", errors.Join(p.errs...))
	}
	return c, nil
}

func (c *Config) validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("-c %s: %s", key, fmt.Sprintf(format, args...)))
	}
	if !stackNamePattern.MatchString(c.StackName) {
		bad("stackName", "%q: use up to 63 letters and digits, single hyphens between them, starting with a letter", c.StackName)
	}
	if c.Auth == AuthJWT || (c.Target == TargetRuntime && c.RuntimeAuth == RuntimeAuthJWT) {
		for _, word := range []string{"aws", "amazon", "cognito"} {
			if strings.Contains(strings.ToLower(c.StackName), word) {
				bad("stackName", "%q contains %q, which a Cognito domain prefix (derived from the stack name for auth=jwt) may not", c.StackName, word)
			}
		}
	}
	if c.Account != "" && !accountPattern.MatchString(c.Account) {
		bad("account", "%q is not a 12-digit AWS account id", c.Account)
	}
	switch {
	case c.Region == "":
		bad("region", "no region: pass -c region=us-east-1 or set CDK_DEFAULT_REGION (the cdk CLI sets it from your AWS profile)")
	case !regionPattern.MatchString(c.Region):
		bad("region", "%q is not an AWS region name such as us-east-1", c.Region)
	case c.PrefixListID == "" && c.Target != TargetRuntime: // no CloudFront in front of a Runtime
		bad("cloudFrontPrefixListId", "no CloudFront origin-facing prefix list is known for %s; find it with `aws ec2 describe-managed-prefix-lists --region %s --filters Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing` and pass -c cloudFrontPrefixListId=pl-…", c.Region, c.Region)
	case c.PrefixListID != "" && !prefixListPattern.MatchString(c.PrefixListID):
		bad("cloudFrontPrefixListId", "%q is not a prefix list id (pl-…)", c.PrefixListID)
	}
	switch c.Backend {
	case "local":
		if len(c.KnowledgeBaseIDs) > 0 {
			bad("backend", "local, but knowledgeBaseIds is set; use -c backend=bedrock or drop knowledgeBaseIds")
		}
		if c.GenerationModel != "" || c.RerankModel != "" {
			bad("backend", "local cannot use generationModel or rerankModel (they are Bedrock features); use -c backend=bedrock")
		}
	case "bedrock":
		if len(c.Docs) > 0 {
			bad("docs", "folders are served by the local backend from S3; drop -c backend=bedrock and knowledgeBaseIds, or drop docs")
		}
		if len(c.KnowledgeBaseIDs) == 0 {
			bad("knowledgeBaseIds", "backend bedrock needs at least one knowledge base id, e.g. -c knowledgeBaseIds=ABCDEFGHIJ")
		}
	default:
		bad("backend", "%q; use local or bedrock", c.Backend)
	}
	for _, id := range c.KnowledgeBaseIDs {
		if !kbIDPattern.MatchString(id) {
			bad("knowledgeBaseIds", "%q is not a knowledge base id (up to 10 letters and digits, as in the Bedrock console)", id)
		}
	}
	for key, m := range map[string]string{"generationModel": c.GenerationModel, "rerankModel": c.RerankModel} {
		if m != "" && !modelPattern.MatchString(m) {
			bad(key, "%q is neither a Bedrock model id (e.g. anthropic.claude-3-5-haiku-20241022-v1:0) nor a Bedrock model or inference-profile ARN", m)
		}
	}
	if c.DataBucket != "" && !bucketPattern.MatchString(c.DataBucket) {
		bad("dataBucket", "%q is not an S3 bucket name", c.DataBucket)
	}
	if c.Architecture != X86_64 && c.Architecture != ARM64 {
		bad("architecture", "%q; use x86_64 or arm64", c.Architecture)
	}
	if c.Networking != Private && c.Networking != Public {
		bad("networking", "%q; use private (VPC endpoints, no public IPs) or public (public IPs, cheapest)", c.Networking)
	}
	if mem := fargateMemory(c.CPU); mem == nil {
		bad("cpu", "%d is not a Fargate CPU size; use 256, 512, 1024, 2048 or 4096", c.CPU)
	} else if !slices.Contains(mem, c.MemoryMiB) {
		bad("memory", "%d MiB is not allowed with cpu %d; Fargate allows %v", c.MemoryMiB, c.CPU, mem)
	}
	if c.MinTasks < 1 {
		bad("minTasks", "%d; at least 1 task must run", c.MinTasks)
	}
	if c.MaxTasks < c.MinTasks || c.MaxTasks > 100 {
		bad("maxTasks", "%d; must be between minTasks (%d) and 100", c.MaxTasks, c.MinTasks)
	}
	if !slices.Contains(validRetentionDays, c.LogRetention) {
		bad("logRetentionDays", "%d is not a CloudWatch Logs retention; use one of %v", c.LogRetention, validRetentionDays)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		bad("logLevel", "%q; use debug, info, warn or error", c.LogLevel)
	}
	if c.Auth != AuthAPIKey && c.Auth != AuthJWT && c.Auth != AuthNone {
		bad("auth", "%q; use api-key, jwt or none", c.Auth)
	}
	for _, o := range c.CORSOrigins {
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("corsOrigins", "%q is not an origin such as https://app.example.com (scheme and host, no path) or *", o)
		}
	}
	if c.OriginReadTimeout < 1 || c.OriginReadTimeout > 180 {
		bad("originReadTimeout", "%d s; CloudFront allows 1-180 (above 60 needs a CloudFront quota increase)", c.OriginReadTimeout)
	}
	if c.WAFRateLimit < 10 || c.WAFRateLimit > 2_000_000_000 {
		bad("wafRateLimit", "%d; WAF rate rules take 10 to 2000000000 requests per 5 minutes", c.WAFRateLimit)
	}
	if c.WAF && c.Region != "us-east-1" && c.Account == "" {
		bad("waf", "a CloudFront web ACL lives in us-east-1, so with region %s the stack needs an explicit account for the cross-region reference: set CDK_DEFAULT_ACCOUNT (the cdk CLI does) or -c account=123456789012", c.Region)
	}
	if c.SecretsGeneration < 1 {
		bad("secretsGeneration", "%d; start at 1 and raise it by one to replace the secrets", c.SecretsGeneration)
	}
	if c.ImageDir == "" {
		bad("imageDir", "empty; pass the directory that holds the Dockerfile")
	}
	return append(errs, c.validateTarget()...)
}

// parser reads typed context values and collects what it cannot read.
type parser struct {
	get  Getter
	errs []error
}

func (p *parser) raw(key string) (string, bool) {
	v, ok := p.get(key)
	if !ok || v == nil {
		return "", false
	}
	return strings.TrimSpace(fmt.Sprint(v)), true
}

func (p *parser) str(key, def string) string {
	if s, ok := p.raw(key); ok && s != "" {
		return s
	}
	return def
}

func (p *parser) list(key string) []string {
	v, ok := p.get(key)
	if !ok || v == nil {
		return nil
	}
	var items []string
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			items = append(items, fmt.Sprint(x))
		}
	default:
		items = strings.Split(fmt.Sprint(v), ",")
	}
	var out []string
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) integer(key string, def int) int {
	s, ok := p.raw(key)
	if !ok || s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f == float64(int(f)) {
			return int(f)
		}
		p.errs = append(p.errs, fmt.Errorf("-c %s: %q is not a whole number", key, s))
		return def
	}
	return n
}

func (p *parser) boolean(key string, def bool) bool {
	s, ok := p.raw(key)
	if !ok || s == "" {
		return def
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		p.errs = append(p.errs, fmt.Errorf("-c %s: %q is not true or false", key, s))
		return def
	}
	return b
}

// UsesGeneration reports whether ask_knowledge_base is configured.
func (c *Config) UsesGeneration() bool { return c.GenerationModel != "" }

// UsesRerank reports whether reranking is configured.
func (c *Config) UsesRerank() bool { return c.RerankModel != "" }
