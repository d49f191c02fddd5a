package template

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/knowledge-mcp/knowledge-mcp/internal/verify"
)

// Resource types the checks look at.
const (
	typeDistribution   = "AWS::CloudFront::Distribution"
	typeCachePolicy    = "AWS::CloudFront::CachePolicy"
	typeHeadersPolicy  = "AWS::CloudFront::ResponseHeadersPolicy"
	typeLoadBalancer   = "AWS::ElasticLoadBalancingV2::LoadBalancer"
	typeListener       = "AWS::ElasticLoadBalancingV2::Listener"
	typeListenerRule   = "AWS::ElasticLoadBalancingV2::ListenerRule"
	typeTargetGroup    = "AWS::ElasticLoadBalancingV2::TargetGroup"
	typeTaskDefinition = "AWS::ECS::TaskDefinition"
	typeService        = "AWS::ECS::Service"
	typeRole           = "AWS::IAM::Role"
	typePolicy         = "AWS::IAM::Policy"
	typeManagedPolicy  = "AWS::IAM::ManagedPolicy"
	typeSecurityGroup  = "AWS::EC2::SecurityGroup"
	typeIngress        = "AWS::EC2::SecurityGroupIngress"
)

// Managed CloudFront policy IDs.
const (
	cachingDisabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	allViewer                 = "216adef6-5c7f-47e4-b989-5492eafa07d3"
	allViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
)

// managedCORSPolicies are CloudFront's managed response headers policies
// with CORS; none of them sends Access-Control-Allow-Headers.
var managedCORSPolicies = map[string]string{
	"60669652-455b-4ae9-85a4-c4c02393f86c": "Managed-SimpleCORS",
	"5cc3b908-e619-4b99-88e5-2cf7f45965bd": "Managed-CORS-With-Preflight",
	"e61eb60c-9c35-4d20-a928-2b84e02af89c": "Managed-CORS-with-preflight-and-SecurityHeadersPolicy",
	"eaab4381-ed33-4a86-88ca-d9558dc6cd63": "Managed-CORS-and-SecurityHeadersPolicy",
}

// mcpHeaders are the request headers a browser MCP client needs allowed.
var mcpHeaders = []string{"content-type", "authorization", "mcp-session-id", "mcp-protocol-version"}

// CheckFile parses the template at path and checks it.
func CheckFile(path string) (*verify.Report, error) {
	t, err := ParseFile(path)
	if err != nil {
		return nil, err
	}
	return Check(t, path), nil
}

// Check runs every static check on t; name labels the report.
func Check(t *Template, name string) *verify.Report {
	start := time.Now()
	r := &verify.Report{Target: name, Kind: "template", Started: start.UTC()}
	c := &checker{t: t, name: name}
	r.RunSteps([]verify.Step{
		{ID: "origin-protocol", Title: "CloudFront origin protocol policy against the load balancer's listeners (P1)", Run: c.originProtocol},
		{ID: "viewer-protocol", Title: "CloudFront viewer protocol policy (P2)", Run: c.viewerProtocol},
		{ID: "allowed-methods", Title: "CloudFront allowed methods include POST and OPTIONS (P6)", Run: c.allowedMethods},
		{ID: "cache-policy", Title: "CloudFront cache and origin request policies", Run: c.cachePolicy},
		{ID: "cors-policy", Title: "CloudFront CORS response headers policy and its Allow-Headers (P6)", Run: c.corsPolicy},
		{ID: "health-check", Title: "target group health check path and matcher (P3)", Run: c.healthCheck},
		{ID: "task-roles", Title: "task role versus execution role permissions (P5)", Run: c.taskRoles},
		{ID: "ingress", Title: "security groups open to 0.0.0.0/0 and the CloudFront-only origin (P7)", Run: c.ingress},
		{ID: "cpu-architecture", Title: "ECS task CPU architecture declared (P4)", Run: c.cpuArchitecture},
		{ID: "stickiness", Title: "target group stickiness and stateful sessions (P8)", Run: c.stickiness},
		{ID: "s3-indexes", Title: "tasks serving s3:// indexes read them with the task role, from a private bucket", Run: c.s3IndexAccess},
		{ID: "agentcore-runtime", Title: "AgentCore Runtime protocol, port and image architecture", Run: c.agentCoreRuntime},
	})
	r.Duration = time.Since(start)
	r.Finish()
	return r
}

type checker struct {
	t    *Template
	name string // the template's path, for files beside it
}

// need returns the resources of typ, or nil after marking the check
// skipped because the template has none (what names them).
func (c *checker) need(ch *verify.Check, typ, what string) []*Resource {
	rs := c.t.ofType(typ)
	if len(rs) == 0 {
		ch.Add(verify.Skip, what+" in this template")
	}
	return rs
}

// behavior is a CloudFront cache behavior with where it sits.
type behavior struct {
	dist  *Resource
	label string // "DefaultCacheBehavior" or "CacheBehaviors[path]"
	props map[string]any
}

func (c *checker) behaviors() []behavior {
	var out []behavior
	for _, d := range c.t.ofType(typeDistribution) {
		cfg := get(d.Properties, "DistributionConfig")
		if def, ok := get(cfg, "DefaultCacheBehavior").(map[string]any); ok {
			out = append(out, behavior{d, "DefaultCacheBehavior", def})
		}
		for _, b := range list(get(cfg, "CacheBehaviors")) {
			if m, ok := b.(map[string]any); ok {
				out = append(out, behavior{d, fmt.Sprintf("CacheBehaviors[%s]", str(m["PathPattern"])), m})
			}
		}
	}
	return out
}

// noDistribution marks a CloudFront check as not applicable.
func (c *checker) noDistribution(ch *verify.Check) bool {
	if len(c.t.ofType(typeDistribution)) == 0 {
		ch.Add(verify.Skip, "no CloudFront distribution in this template")
		return true
	}
	return false
}

var diagOriginPolicy = verify.Diagnosis{Pitfall: "P1", Pattern: "template-origin-protocol",
	Cause: "CloudFront will speak HTTPS to a load balancer that only listens on HTTP (the CDK default protocol policy for an ALB origin is HTTPS): every request ends in a 504 from CloudFront",
	Fix:   "set CustomOriginConfig.OriginProtocolPolicy to http-only with HTTPPort equal to the HTTP listener's port (CDK: LoadBalancerV2Origin with ProtocolPolicy OriginProtocolPolicy_HTTP_ONLY), or add an HTTPS listener with a certificate"}

// listeners returns the protocol → ports of the listeners of a load balancer.
func (c *checker) listeners(lb string) map[string][]int {
	out := map[string][]int{}
	for _, l := range c.t.ofType(typeListener) {
		if refTarget(l.Properties["LoadBalancerArn"]) != lb {
			continue
		}
		proto := strings.ToUpper(str(l.Properties["Protocol"]))
		port := toInt(l.Properties["Port"])
		out[proto] = append(out[proto], port)
	}
	return out
}

// originLoadBalancers returns the logical IDs of load balancers used as
// CloudFront origins.
func (c *checker) originLoadBalancers() map[string]bool {
	out := map[string]bool{}
	for _, d := range c.t.ofType(typeDistribution) {
		for _, o := range list(get(d.Properties, "DistributionConfig", "Origins")) {
			if id := refTarget(get(o, "DomainName")); id != "" && c.t.Resources[id] != nil && c.t.Resources[id].Type == typeLoadBalancer {
				out[id] = true
			}
		}
	}
	return out
}

func (c *checker) originProtocol(ch *verify.Check) {
	if c.noDistribution(ch) {
		return
	}
	judged := 0
	for _, d := range c.t.ofType(typeDistribution) {
		for _, o := range list(get(d.Properties, "DistributionConfig", "Origins")) {
			oid := str(get(o, "Id"))
			custom, ok := get(o, "CustomOriginConfig").(map[string]any)
			if !ok {
				ch.Evidencef("%s origin %s: not a custom origin (S3 or VPC origin), not judged", d.ID, oid)
				continue
			}
			policy := strings.ToLower(str(custom["OriginProtocolPolicy"]))
			lb := refTarget(get(o, "DomainName"))
			if lb == "" || c.t.Resources[lb] == nil || c.t.Resources[lb].Type != typeLoadBalancer {
				ch.Evidencef("%s origin %s: protocol policy %s; the origin is not a load balancer of this template, so its listeners are unknown", d.ID, oid, policy)
				continue
			}
			judged++
			ls := c.listeners(lb)
			ch.Evidencef("%s origin %s → load balancer %s: protocol policy %q, listeners %s, read timeout %ss", d.ID, oid, lb, policy, formatListeners(ls), orDefault(str(custom["OriginReadTimeout"]), "30"))
			httpPort := toIntDefault(custom["HTTPPort"], 80)
			httpsPort := toIntDefault(custom["HTTPSPort"], 443)
			switch policy {
			case "https-only", "match-viewer":
				if len(ls["HTTPS"]) == 0 {
					ch.Add(verify.Fail, fmt.Sprintf("origin %s: protocol policy %s but load balancer %s has no HTTPS listener", oid, policy, lb), diagOriginPolicy)
				} else if !slices.Contains(ls["HTTPS"], httpsPort) {
					ch.Add(verify.Fail, fmt.Sprintf("origin %s: HTTPSPort %d but the HTTPS listener is on %v", oid, httpsPort, ls["HTTPS"]), diagOriginPolicy)
				}
			case "http-only":
				if len(ls["HTTP"]) == 0 {
					ch.Add(verify.Fail, fmt.Sprintf("origin %s: protocol policy http-only but load balancer %s has no HTTP listener", oid, lb), diagOriginPolicy)
				} else if !slices.Contains(ls["HTTP"], httpPort) {
					ch.Add(verify.Fail, fmt.Sprintf("origin %s: HTTPPort %d but the HTTP listener is on %v", oid, httpPort, ls["HTTP"]), diagOriginPolicy)
				}
			case "":
				ch.Add(verify.Fail, fmt.Sprintf("origin %s: no OriginProtocolPolicy", oid), diagOriginPolicy)
			default:
				ch.Add(verify.Fail, fmt.Sprintf("origin %s: unknown OriginProtocolPolicy %q", oid, policy))
			}
		}
	}
	if judged == 0 {
		ch.Add(verify.Skip, "no CloudFront origin is a load balancer of this template")
		return
	}
	ch.Add(verify.Pass, "every load-balancer origin's protocol policy matches its listeners")
}

func (c *checker) viewerProtocol(ch *verify.Check) {
	if c.noDistribution(ch) {
		return
	}
	for _, b := range c.behaviors() {
		p := strings.ToLower(str(b.props["ViewerProtocolPolicy"]))
		ch.Evidencef("%s %s: ViewerProtocolPolicy %q", b.dist.ID, b.label, p)
		if p != "redirect-to-https" && p != "https-only" {
			ch.Add(verify.Fail, fmt.Sprintf("%s %s allows plain http (%q)", b.dist.ID, b.label, p), verify.Diagnosis{Pitfall: "P2", Pattern: "template-viewer-protocol",
				Cause: "viewers may use http://: credentials travel in clear text and pages on https that follow http:// links are blocked as mixed content",
				Fix:   "set ViewerProtocolPolicy to redirect-to-https (or https-only)"})
		}
	}
	forwarded := false
	for _, d := range c.t.ofType(typeDistribution) {
		for _, o := range list(get(d.Properties, "DistributionConfig", "Origins")) {
			for _, h := range list(get(o, "OriginCustomHeaders")) {
				if strings.EqualFold(str(get(h, "HeaderName")), "X-Forwarded-Proto") && strings.EqualFold(str(get(h, "HeaderValue")), "https") {
					forwarded = true
				}
			}
		}
	}
	if forwarded {
		ch.Evidencef("origins receive X-Forwarded-Proto: https, so servers that build absolute URLs build https:// ones")
	} else {
		ch.Evidencef("no origin custom header X-Forwarded-Proto: https: servers that build absolute URLs from the request scheme will emit http:// (knowledge-mcp emits none)")
	}
	ch.Add(verify.Pass, "every behavior redirects or restricts viewers to https")
}

func (c *checker) allowedMethods(ch *verify.Check) {
	if c.noDistribution(ch) {
		return
	}
	for _, b := range c.behaviors() {
		methods := stringsOf(b.props["AllowedMethods"], false)
		if len(methods) == 0 {
			methods = []string{"GET", "HEAD"} // the CloudFormation default
		}
		ch.Evidencef("%s %s: AllowedMethods %v", b.dist.ID, b.label, methods)
		var missing []string
		for _, m := range []string{"POST", "OPTIONS"} {
			if !slices.ContainsFunc(methods, func(s string) bool { return strings.EqualFold(s, m) }) {
				missing = append(missing, m)
			}
		}
		if len(missing) > 0 {
			ch.Add(verify.Fail, fmt.Sprintf("%s %s does not allow %s", b.dist.ID, b.label, strings.Join(missing, ", ")), verify.Diagnosis{Pitfall: "P6", Pattern: "template-allowed-methods",
				Cause: "CloudFront answers 403 to methods a behavior does not allow: without POST no MCP request reaches the server, without OPTIONS no browser preflight does",
				Fix:   "set AllowedMethods to GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE (CDK: AllowedMethods_ALLOW_ALL())"})
		} else if !slices.ContainsFunc(methods, func(s string) bool { return strings.EqualFold(s, "DELETE") }) {
			ch.Evidencef("%s %s: no DELETE (only stateful servers need it, to end sessions)", b.dist.ID, b.label)
		}
	}
	ch.Add(verify.Pass, "POST and OPTIONS reach the origin")
}

func (c *checker) cachePolicy(ch *verify.Check) {
	if c.noDistribution(ch) {
		return
	}
	diagCache := verify.Diagnosis{Pattern: "template-cache-policy",
		Cause: "the behavior caches, or forwards only the headers in its cache key: MCP answers are per request, and Authorization, Mcp-Session-Id and MCP-Protocol-Version must reach the server",
		Fix:   "use the managed CachingDisabled cache policy (4135ea2d-6df8-44a3-9df3-4b5a84be39ad) with the AllViewerExceptHostHeader origin request policy (b689b0a8-53d0-40ab-baf2-68738e2966ac)"}
	for _, b := range c.behaviors() {
		cp := b.props["CachePolicyId"]
		switch id := str(cp); {
		case id == cachingDisabled:
			ch.Evidencef("%s %s: cache policy CachingDisabled", b.dist.ID, b.label)
		case refTarget(cp) != "" && c.t.Resources[refTarget(cp)] != nil && c.t.Resources[refTarget(cp)].Type == typeCachePolicy:
			pol := c.t.Resources[refTarget(cp)]
			cfg := get(pol.Properties, "CachePolicyConfig")
			ttls := []int{toInt(get(cfg, "DefaultTTL")), toInt(get(cfg, "MaxTTL")), toInt(get(cfg, "MinTTL"))}
			ch.Evidencef("%s %s: custom cache policy %s with TTLs default/max/min %v", b.dist.ID, b.label, pol.ID, ttls)
			if ttls[0] != 0 || ttls[1] != 0 {
				ch.Add(verify.Warn, fmt.Sprintf("%s %s: cache policy %s caches (TTL %ds)", b.dist.ID, b.label, pol.ID, ttls[1]), diagCache)
			}
		case cp == nil && b.props["ForwardedValues"] != nil:
			headers := stringsOf(get(b.props["ForwardedValues"], "Headers"), true)
			ch.Evidencef("%s %s: legacy ForwardedValues, headers %v", b.dist.ID, b.label, headers)
			if !slices.Contains(headers, "*") {
				ch.Add(verify.Warn, fmt.Sprintf("%s %s: legacy ForwardedValues does not forward all headers", b.dist.ID, b.label), diagCache)
			}
			continue
		default:
			ch.Evidencef("%s %s: cache policy %s", b.dist.ID, b.label, str(cp))
			ch.Add(verify.Warn, fmt.Sprintf("%s %s: cache policy %s is not CachingDisabled", b.dist.ID, b.label, str(cp)), diagCache)
		}
		orp := b.props["OriginRequestPolicyId"]
		switch id := str(orp); {
		case id == allViewerExceptHostHeader:
			ch.Evidencef("%s %s: origin request policy AllViewerExceptHostHeader", b.dist.ID, b.label)
		case id == allViewer:
			ch.Evidencef("%s %s: origin request policy AllViewer (the viewer's Host reaches the origin; fine for an ALB)", b.dist.ID, b.label)
		case orp == nil:
			ch.Add(verify.Warn, fmt.Sprintf("%s %s: no origin request policy: viewer headers (MCP-Protocol-Version, Mcp-Session-Id, Origin, the API key) do not reach the server", b.dist.ID, b.label), diagCache)
		default:
			ch.Evidencef("%s %s: origin request policy %s (custom; check it forwards the MCP headers)", b.dist.ID, b.label, id)
		}
	}
	ch.Add(verify.Pass, "no caching, viewer headers forwarded")
}

func (c *checker) corsPolicy(ch *verify.Check) {
	if c.noDistribution(ch) {
		return
	}
	diagMissing := verify.Diagnosis{Pitfall: "P6", Pattern: "template-cors-allow-headers",
		Cause: "the CORS response headers policy does not allow the headers MCP clients send: browser preflights fail and the clients report 'Network Error' ('*' never covers Authorization)",
		Fix:   "list content-type, authorization, mcp-session-id, mcp-protocol-version (and last-event-id) in CorsConfig.AccessControlAllowHeaders, POST and OPTIONS in AccessControlAllowMethods, mcp-session-id in AccessControlExposeHeaders"}
	for _, b := range c.behaviors() {
		p := b.props["ResponseHeadersPolicyId"]
		id := str(p)
		switch {
		case p == nil:
			ch.Evidencef("%s %s: no response headers policy", b.dist.ID, b.label)
			ch.Add(verify.Warn, fmt.Sprintf("%s %s: no CORS response headers policy: browser clients depend on the server answering CORS itself", b.dist.ID, b.label))
		case managedCORSPolicies[id] != "":
			ch.Evidencef("%s %s: managed policy %s", b.dist.ID, b.label, managedCORSPolicies[id])
			ch.Add(verify.Warn, fmt.Sprintf("%s %s: %s sends no Access-Control-Allow-Headers; preflights pass only if the server answers them", b.dist.ID, b.label, managedCORSPolicies[id]), diagMissing)
		case refTarget(p) != "" && c.t.Resources[refTarget(p)] != nil && c.t.Resources[refTarget(p)].Type == typeHeadersPolicy:
			pol := c.t.Resources[refTarget(p)]
			cors, ok := get(pol.Properties, "ResponseHeadersPolicyConfig", "CorsConfig").(map[string]any)
			if !ok {
				ch.Add(verify.Warn, fmt.Sprintf("%s %s: response headers policy %s has no CorsConfig", b.dist.ID, b.label, pol.ID))
				continue
			}
			allowHeaders := stringsOf(get(cors, "AccessControlAllowHeaders", "Items"), true)
			allowMethods := stringsOf(get(cors, "AccessControlAllowMethods", "Items"), false)
			expose := stringsOf(get(cors, "AccessControlExposeHeaders", "Items"), true)
			ch.Evidencef("%s %s: policy %s allows headers %v, methods %v, exposes %v", b.dist.ID, b.label, pol.ID, allowHeaders, allowMethods, expose)
			var missing []string
			for _, h := range mcpHeaders {
				if !slices.Contains(allowHeaders, h) && !(slices.Contains(allowHeaders, "*") && h != "authorization") {
					missing = append(missing, h)
				}
			}
			if len(missing) > 0 {
				ch.Add(verify.Fail, fmt.Sprintf("policy %s: Access-Control-Allow-Headers lacks %s", pol.ID, strings.Join(missing, ", ")), diagMissing)
			}
			var missingM []string
			for _, m := range []string{"POST", "OPTIONS"} {
				if !slices.Contains(allowMethods, m) && !slices.Contains(allowMethods, "ALL") {
					missingM = append(missingM, m)
				}
			}
			if len(missingM) > 0 {
				ch.Add(verify.Fail, fmt.Sprintf("policy %s: Access-Control-Allow-Methods lacks %s", pol.ID, strings.Join(missingM, ", ")), diagMissing)
			}
			if !slices.Contains(expose, "mcp-session-id") && !slices.Contains(expose, "*") {
				ch.Add(verify.Warn, fmt.Sprintf("policy %s: Access-Control-Expose-Headers lacks mcp-session-id", pol.ID), diagMissing)
			}
		default:
			ch.Evidencef("%s %s: response headers policy %s (not in this template; not judged)", b.dist.ID, b.label, id)
		}
	}
	ch.Add(verify.Pass, "the CORS policy allows every MCP header")
}

func (c *checker) healthCheck(ch *verify.Check) {
	tgs := c.need(ch, typeTargetGroup, "no target group")
	if tgs == nil {
		return
	}
	diag := verify.Diagnosis{Pitfall: "P3", Pattern: "template-health-check",
		Cause: "the health check asks a path that does not answer with the matcher's code (/ answers 404 on an MCP server; GET /mcp answers 405 on stateless SDK servers): every target is unhealthy, the ALB answers 503 and ECS replaces the tasks forever",
		Fix:   "set HealthCheckPath to /healthz and Matcher.HttpCode to 200 (or keep the MCP path with the code it answers, e.g. 200,405)"}
	for _, tg := range tgs {
		p := tg.Properties
		if strings.EqualFold(str(p["TargetType"]), "lambda") {
			ch.Evidencef("%s: Lambda target group, not judged", tg.ID)
			continue
		}
		if v, ok := p["HealthCheckEnabled"].(bool); ok && !v {
			ch.Add(verify.Warn, fmt.Sprintf("%s: health checks disabled: a crashed task keeps receiving traffic", tg.ID))
			continue
		}
		path := str(p["HealthCheckPath"])
		matcher := orDefault(str(get(p, "Matcher", "HttpCode")), "200")
		ch.Evidencef("%s: HealthCheckPath %q, matcher %s, interval %ss, healthy/unhealthy thresholds %s/%s",
			tg.ID, orDefault(path, "/ (default)"), matcher, orDefault(str(p["HealthCheckIntervalSeconds"]), "30"),
			orDefault(str(p["HealthyThresholdCount"]), "5"), orDefault(str(p["UnhealthyThresholdCount"]), "2"))
		codes := strings.Split(matcher, ",")
		switch {
		case path == "" || path == "/":
			if !slices.Contains(codes, "404") {
				ch.Add(verify.Fail, fmt.Sprintf("%s: health check on / (404 on an MCP server)", tg.ID), diag)
			}
		case strings.HasSuffix(path, "/mcp") || strings.HasSuffix(path, "/mcp/"):
			if !slices.Contains(codes, "405") {
				ch.Add(verify.Warn, fmt.Sprintf("%s: health check on %s with matcher %s: stateless SDK servers answer GET %s with 405 (knowledge-mcp answers 200)", tg.ID, path, matcher, path), diag)
			}
		case !slices.ContainsFunc(codes, func(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), "2") }):
			ch.Add(verify.Warn, fmt.Sprintf("%s: matcher %s has no 2xx code", tg.ID, matcher), diag)
		}
	}
	ch.Add(verify.Pass, "health checks ask a path that answers 200")
}

// roleActions gathers, for a role's logical ID, the IAM actions granted
// to it and the managed policy ARNs attached.
func (c *checker) roleActions(role string) (actions []string, managed []string) {
	addDoc := func(doc any) {
		for _, st := range list(get(doc, "Statement")) {
			if !strings.EqualFold(orDefault(str(get(st, "Effect")), "Allow"), "Allow") {
				continue
			}
			actions = append(actions, stringsOf(get(st, "Action"), true)...)
		}
	}
	if r := c.t.Resources[role]; r != nil {
		for _, p := range list(r.Properties["Policies"]) {
			addDoc(get(p, "PolicyDocument"))
		}
		for _, m := range list(r.Properties["ManagedPolicyArns"]) {
			if id := refTarget(m); id != "" && c.t.Resources[id] != nil && c.t.Resources[id].Type == typeManagedPolicy {
				addDoc(c.t.Resources[id].Properties["PolicyDocument"])
				continue
			}
			managed = append(managed, str(m))
		}
	}
	for _, typ := range []string{typePolicy, typeManagedPolicy} {
		for _, p := range c.t.ofType(typ) {
			for _, r := range list(p.Properties["Roles"]) {
				if refTarget(r) == role {
					addDoc(p.Properties["PolicyDocument"])
				}
			}
		}
	}
	return actions, managed
}

// appActions are the actions the application needs (the task role's job).
func appActions(actions []string) []string {
	var out []string
	for _, a := range actions {
		if strings.HasPrefix(a, "bedrock:") || strings.HasPrefix(a, "s3:getobject") || a == "bedrock-agent-runtime:*" {
			out = append(out, a)
		}
	}
	return out
}

func (c *checker) taskRoles(ch *verify.Check) {
	tds := c.need(ch, typeTaskDefinition, "no ECS task definition")
	if tds == nil {
		return
	}
	diag := verify.Diagnosis{Pitfall: "P5", Pattern: "template-task-role",
		Cause: "the application's AWS permissions are not on the task role: the execution role is only used by ECS to pull the image and write logs, so the server gets AccessDenied (or no credentials) at its first Bedrock call",
		Fix:   "give the task definition a TaskRoleArn of its own and put bedrock:Retrieve (and what generation, reranking and documents need) on it, scoped to the knowledge base ARNs; keep the execution role to ECR pull and logs"}
	for _, td := range tds {
		task := refTarget(td.Properties["TaskRoleArn"])
		exec := refTarget(td.Properties["ExecutionRoleArn"])
		taskLit, execLit := str(td.Properties["TaskRoleArn"]), str(td.Properties["ExecutionRoleArn"])
		ch.Evidencef("%s: task role %s, execution role %s", td.ID, orDefault(orDefault(task, taskLit), "(none)"), orDefault(orDefault(exec, execLit), "(none)"))
		execActions, _ := c.roleActions(exec)
		taskActions, taskManaged := c.roleActions(task)
		switch {
		case task == "" && taskLit == "":
			if len(appActions(execActions)) > 0 {
				ch.Add(verify.Fail, fmt.Sprintf("%s: no task role, and the execution role %s holds %v", td.ID, exec, appActions(execActions)), diag)
			} else {
				ch.Add(verify.Warn, fmt.Sprintf("%s: no task role: the application has no AWS credentials (fine only without the Bedrock backend)", td.ID), diag)
			}
			continue
		case task != "" && task == exec:
			ch.Add(verify.Fail, fmt.Sprintf("%s: the task role and the execution role are the same role %s", td.ID, task), diag)
			continue
		}
		if got := appActions(execActions); len(got) > 0 {
			ch.Add(verify.Fail, fmt.Sprintf("%s: the execution role %s holds %v, which the application needs on the task role", td.ID, exec, got), diag)
		}
		for _, m := range taskManaged {
			if strings.Contains(m, "AmazonECSTaskExecutionRolePolicy") {
				ch.Add(verify.Warn, fmt.Sprintf("%s: the task role %s has AmazonECSTaskExecutionRolePolicy: roles swapped?", td.ID, task), diag)
			}
		}
		if task != "" {
			if got := appActions(taskActions); len(got) > 0 {
				ch.Evidencef("%s: task role %s grants %v", td.ID, task, got)
			} else {
				ch.Evidencef("%s: task role %s grants no Bedrock action (fine with the local backend only)", td.ID, task)
			}
		}
	}
	ch.Add(verify.Pass, "Bedrock permissions sit on the task role, apart from the execution role")
}

// isWorld reports whether an ingress rule admits the whole internet.
func isWorld(rule any) bool {
	return str(get(rule, "CidrIp")) == "0.0.0.0/0" || str(get(rule, "CidrIpv6")) == "::/0"
}

func (c *checker) ingress(ch *verify.Check) {
	type open struct{ sg, port string }
	var opens []open
	for _, sg := range c.t.ofType(typeSecurityGroup) {
		for _, rule := range list(sg.Properties["SecurityGroupIngress"]) {
			if isWorld(rule) {
				opens = append(opens, open{sg.ID, portRange(rule)})
			} else if pl := get(rule, "SourcePrefixListId"); pl != nil {
				ch.Evidencef("%s admits prefix list %s on %s", sg.ID, str(pl), portRange(rule))
			}
		}
	}
	for _, in := range c.t.ofType(typeIngress) {
		if isWorld(in.Properties) {
			opens = append(opens, open{orDefault(refTarget(in.Properties["GroupId"]), str(in.Properties["GroupId"])), portRange(in.Properties)})
		} else if pl := in.Properties["SourcePrefixListId"]; pl != nil {
			ch.Evidencef("%s admits prefix list %s on %s", orDefault(refTarget(in.Properties["GroupId"]), "?"), str(pl), portRange(in.Properties))
		}
	}
	origins := c.originLoadBalancers()
	lbOfSG := map[string]string{}
	for _, lb := range c.t.ofType(typeLoadBalancer) {
		for _, sg := range list(lb.Properties["SecurityGroups"]) {
			lbOfSG[refTarget(sg)] = lb.ID
		}
	}
	headerRule := map[string]bool{} // load balancers whose listener rules check a header
	for _, rule := range c.t.ofType(typeListenerRule) {
		listener := c.t.Resources[refTarget(rule.Properties["ListenerArn"])]
		if listener == nil {
			continue
		}
		for _, cond := range list(rule.Properties["Conditions"]) {
			if strings.EqualFold(str(get(cond, "Field")), "http-header") || get(cond, "HttpHeaderConfig") != nil {
				headerRule[refTarget(listener.Properties["LoadBalancerArn"])] = true
			}
		}
	}
	for lb := range origins {
		if headerRule[lb] {
			ch.Evidencef("load balancer %s forwards only requests carrying a header rule's secret (origin verify)", lb)
		} else {
			ch.Evidencef("load balancer %s has no listener rule on a secret header: nothing proves a request came through CloudFront", lb)
		}
	}
	diag := verify.Diagnosis{Pitfall: "P7", Pattern: "template-open-ingress",
		Cause: "a security group admits the whole internet: the load balancer or the containers are reachable around CloudFront (and its TLS, WAF and headers)",
		Fix:   "admit only CloudFront's origin-facing managed prefix list (com.amazonaws.global.cloudfront.origin-facing) on the ALB, only the ALB's security group on the tasks, and require CloudFront's secret header (X-Origin-Verify) at the listener"}
	for _, o := range opens {
		lb := lbOfSG[o.sg]
		switch {
		case lb != "" && origins[lb] && headerRule[lb]:
			ch.Add(verify.Warn, fmt.Sprintf("%s (load balancer %s) is open to 0.0.0.0/0 on %s; only the secret-header rule keeps callers from bypassing CloudFront", o.sg, lb, o.port), diag)
		case lb != "" && len(origins) == 0:
			ch.Add(verify.Warn, fmt.Sprintf("%s (load balancer %s, no CloudFront in this template) is open to 0.0.0.0/0 on %s", o.sg, lb, o.port))
		default:
			where := "not a CloudFront origin's load balancer"
			if lb != "" {
				where = "load balancer " + lb
			}
			ch.Add(verify.Fail, fmt.Sprintf("%s (%s) is open to 0.0.0.0/0 on %s", o.sg, where, o.port), diag)
		}
	}
	if len(origins) > 0 {
		for lb := range origins {
			if !headerRule[lb] {
				ch.Add(verify.Warn, fmt.Sprintf("load balancer %s does not check CloudFront's secret header", lb), diag)
			}
		}
	}
	ch.Add(verify.Pass, "no security group is open to the world")
}

func portRange(rule any) string {
	from, to := str(get(rule, "FromPort")), str(get(rule, "ToPort"))
	proto := str(get(rule, "IpProtocol"))
	switch {
	case proto == "-1":
		return "all ports"
	case from == to:
		return proto + "/" + from
	}
	return fmt.Sprintf("%s/%s-%s", proto, from, to)
}

func (c *checker) cpuArchitecture(ch *verify.Check) {
	tds := c.need(ch, typeTaskDefinition, "no ECS task definition")
	if tds == nil {
		return
	}
	for _, td := range tds {
		arch := str(get(td.Properties, "RuntimePlatform", "CpuArchitecture"))
		if arch == "" {
			ch.Add(verify.Warn, fmt.Sprintf("%s declares no CPU architecture (Fargate assumes X86_64)", td.ID), verify.Diagnosis{Pitfall: "P4", Pattern: "template-cpu-architecture",
				Cause: "the task's CPU architecture is implicit (X86_64): an image built on Apple Silicon (arm64) dies at start with 'exec format error' and the service never becomes healthy",
				Fix:   "declare RuntimePlatform.CpuArchitecture (X86_64 or ARM64) and build the image for it (docker buildx --platform linux/amd64,linux/arm64; CDK: DockerImageAsset with an explicit Platform)"})
			continue
		}
		ch.Evidencef("%s: RuntimePlatform %s/%s", td.ID, orDefault(str(get(td.Properties, "RuntimePlatform", "OperatingSystemFamily")), "LINUX"), arch)
	}
	ch.Add(verify.Pass, "every task definition declares its CPU architecture")
}

func (c *checker) stickiness(ch *verify.Check) {
	tgs := c.need(ch, typeTargetGroup, "no target group")
	if tgs == nil {
		return
	}
	replicas := 0
	for _, s := range c.t.ofType(typeService) {
		replicas = max(replicas, toIntDefault(s.Properties["DesiredCount"], 1))
	}
	for _, tg := range tgs {
		attrs := map[string]string{}
		for _, a := range list(tg.Properties["TargetGroupAttributes"]) {
			attrs[str(get(a, "Key"))] = str(get(a, "Value"))
		}
		if attrs["stickiness.enabled"] == "true" {
			ch.Add(verify.Warn, fmt.Sprintf("%s: stickiness on (%s): it hides a stateful MCP server until a deploy or scale-in moves its sessions", tg.ID, orDefault(attrs["stickiness.type"], "lb_cookie")), verify.Diagnosis{Pitfall: "P8", Pattern: "template-stickiness",
				Cause: "stickiness is a sign of a stateful MCP server: sessions still break whenever a task is replaced, and clients that drop cookies (most server-side MCP clients) get a different task on every request",
				Fix:   "run the MCP server stateless (knowledge-mcp always is) and turn stickiness off"})
			continue
		}
		ch.Evidencef("%s: no stickiness; up to %d tasks: needs a stateless MCP server (knowledge-mcp is stateless)", tg.ID, max(replicas, 1))
	}
	ch.Add(verify.Pass, "no stickiness: any task answers any request")
}

func toInt(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case int:
		return x
	case string:
		var n int
		if _, err := fmt.Sscan(x, &n); err == nil {
			return n
		}
	}
	return 0
}

func toIntDefault(v any, def int) int {
	if v == nil {
		return def
	}
	return toInt(v)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// formatListeners renders protocol → ports as "HTTP:80, HTTPS:443".
func formatListeners(ls map[string][]int) string {
	var parts []string
	for proto, ports := range ls {
		for _, p := range ports {
			parts = append(parts, fmt.Sprintf("%s:%d", proto, p))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
