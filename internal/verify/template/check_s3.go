package template

import (
	"fmt"
	"path"
	"strings"

	"github.com/knowledge-mcp/knowledge-mcp/internal/verify"
)

const (
	typeBucket       = "AWS::S3::Bucket"
	typeBucketPolicy = "AWS::S3::BucketPolicy"
)

var diagS3IndexRole = verify.Diagnosis{Pitfall: "P5", Pattern: "template-s3-index-read",
	Cause: "the task serves an index from S3 (--kb s3://…) but its task role may not read the object: the server stays not ready with AccessDenied (the execution role only pulls the image and writes logs; the server never uses it)",
	Fix:   "grant s3:GetObject on arn:aws:s3:::BUCKET/KEY to the task role (CDK: bucket.grantRead(taskRole, KEY) or a PolicyStatement on TaskRole), not the execution role"}

var diagS3Public = verify.Diagnosis{Pattern: "template-s3-index-public",
	Cause: "the bucket holding the knowledge base indexes can be read by anyone: the indexes carry the text of every document",
	Fix:   "keep the bucket private: PublicAccessBlockConfiguration with all four settings true (CDK: BlockPublicAccess.BLOCK_ALL), no bucket policy statement allowing Principal \"*\", no public ACL; grant readers through their IAM roles"}

// s3Index is one --kb s3://BUCKET/KEY of a task, with the bucket as the
// template names it: a name, or ${LogicalID} for a bucket of the template.
type s3Index struct {
	task, bucket, key string
}

// render turns a value into a string, intrinsics as ${LogicalID},
// ${LogicalID.Attr} and ${AWS::Partition}, so that settings and ARNs built
// with Fn::Join can be compared.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if r, ok := x["Ref"].(string); ok {
			return "${" + r + "}"
		}
		if g := x["Fn::GetAtt"]; g != nil {
			parts := stringsOf(g, false)
			return "${" + strings.Join(parts, ".") + "}"
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			var parts []string
			for _, p := range list(j[1]) {
				parts = append(parts, render(p))
			}
			return strings.Join(parts, str(j[0]))
		}
		if s, ok := x["Fn::Sub"].(string); ok {
			return s
		}
	}
	return str(v)
}

// s3Indexes finds the s3:// items of each task definition's --kb setting:
// the KB environment variable or a --kb argument of the command.
func (c *checker) s3Indexes() []s3Index {
	var out []s3Index
	for _, td := range c.t.ofType(typeTaskDefinition) {
		for _, cd := range list(td.Properties["ContainerDefinitions"]) {
			var values []string
			for _, e := range list(get(cd, "Environment")) {
				if str(get(e, "Name")) == "KB" {
					values = append(values, render(get(e, "Value")))
				}
			}
			cmd := list(get(cd, "Command"))
			for i, a := range cmd {
				s := render(a)
				if v, ok := strings.CutPrefix(s, "--kb="); ok {
					values = append(values, v)
				} else if s == "--kb" && i+1 < len(cmd) {
					values = append(values, render(cmd[i+1]))
				}
			}
			for _, v := range values {
				for _, item := range strings.Split(v, ",") {
					_, url, found := strings.Cut(item, "s3://")
					if !found {
						continue
					}
					bucket, key, _ := strings.Cut(url, "/")
					out = append(out, s3Index{task: td.ID, bucket: bucket, key: key})
				}
			}
		}
	}
	return out
}

// objectARN is the ARN a policy must match for ix, with a bucket of the
// template written as its ${LogicalID}.
func (ix s3Index) objectARN() string { return "arn:aws:s3:::" + ix.bucket + "/" + ix.key }

// grantsGetObject reports whether a role's Allow statements give
// s3:GetObject on arn.
func (c *checker) grantsGetObject(role, arn string) bool {
	found := false
	c.roleStatements(role, func(st any) {
		if !strings.EqualFold(orDefault(str(get(st, "Effect")), "Allow"), "Allow") {
			return
		}
		actionOK := false
		for _, a := range stringsOf(get(st, "Action"), true) {
			if ok, _ := path.Match(a, "s3:getobject"); ok {
				actionOK = true
			}
		}
		if !actionOK {
			return
		}
		for _, r := range list(get(st, "Resource")) {
			pattern := render(r)
			// CDK writes an object ARN as the bucket's Arn attribute plus the key.
			for _, b := range c.t.ofType(typeBucket) {
				pattern = strings.ReplaceAll(pattern, "${"+b.ID+".Arn}", "arn:aws:s3:::${"+b.ID+"}")
			}
			pattern = strings.ReplaceAll(pattern, "${AWS::Partition}", "aws")
			pattern = strings.ReplaceAll(pattern, "arn:aws-cn:", "arn:aws:")
			pattern = strings.ReplaceAll(pattern, "arn:aws-us-gov:", "arn:aws:")
			if globMatch(pattern, arn) {
				found = true
			}
		}
	})
	return found
}

// globMatch matches IAM's wildcards: * any run of characters, ? one.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && globMatch(pattern[1:], s[1:])
}

// roleStatements calls fn with every policy statement attached to role.
func (c *checker) roleStatements(role string, fn func(st any)) {
	doc := func(d any) {
		for _, st := range list(get(d, "Statement")) {
			fn(st)
		}
	}
	if r := c.t.Resources[role]; r != nil {
		for _, p := range list(r.Properties["Policies"]) {
			doc(get(p, "PolicyDocument"))
		}
	}
	for _, typ := range []string{typePolicy, typeManagedPolicy} {
		for _, p := range c.t.ofType(typ) {
			for _, r := range list(p.Properties["Roles"]) {
				if refTarget(r) == role {
					doc(p.Properties["PolicyDocument"])
				}
			}
		}
	}
}

// s3IndexAccess checks that every task serving an s3:// index can read it
// with its task role, and that the buckets of the template it reads are
// not public.
func (c *checker) s3IndexAccess(ch *verify.Check) {
	indexes := c.s3Indexes()
	if len(indexes) == 0 {
		ch.Add(verify.Skip, "no task serves an index from S3 (--kb s3://…)")
		return
	}
	roles := map[string][2]string{}
	for _, td := range c.t.ofType(typeTaskDefinition) {
		roles[td.ID] = [2]string{refTarget(td.Properties["TaskRoleArn"]), refTarget(td.Properties["ExecutionRoleArn"])}
	}
	buckets := map[string]bool{}
	for _, ix := range indexes {
		task, exec := roles[ix.task][0], roles[ix.task][1]
		arn := ix.objectARN()
		ch.Evidencef("%s serves s3://%s/%s (task role %s)", ix.task, ix.bucket, ix.key, orDefault(task, "(none)"))
		switch {
		case task != "" && c.grantsGetObject(task, arn):
			ch.Evidencef("task role %s may s3:GetObject %s", task, arn)
		case exec != "" && c.grantsGetObject(exec, arn):
			ch.Add(verify.Fail, fmt.Sprintf("%s: s3:GetObject on %s is on the execution role %s, not the task role", ix.task, arn, exec), diagS3IndexRole)
		default:
			ch.Add(verify.Fail, fmt.Sprintf("%s: the task role %s has no s3:GetObject on %s", ix.task, orDefault(task, "(none)"), arn), diagS3IndexRole)
		}
		if id, ok := strings.CutPrefix(ix.bucket, "${"); ok {
			buckets[strings.TrimSuffix(id, "}")] = true
		} else {
			ch.Evidencef("bucket %s is not in this template: its public access is not checked here", ix.bucket)
		}
	}
	for id := range buckets {
		b := c.t.Resources[id]
		if b == nil || b.Type != typeBucket {
			ch.Add(verify.Warn, fmt.Sprintf("the index bucket ${%s} is not an S3 bucket of this template", id))
			continue
		}
		c.bucketPrivate(ch, b)
	}
	ch.Add(verify.Pass, "every task serving an S3 index reads it with its task role, from a private bucket")
}

// bucketPrivate checks a bucket's public access block, ACL and policy.
func (c *checker) bucketPrivate(ch *verify.Check, b *Resource) {
	pab := get(b.Properties, "PublicAccessBlockConfiguration")
	var open []string
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if str(get(pab, k)) != "true" {
			open = append(open, k)
		}
	}
	if pab == nil {
		ch.Add(verify.Warn, fmt.Sprintf("bucket %s has no PublicAccessBlockConfiguration: it relies on the account's defaults", b.ID), diagS3Public)
	} else if len(open) > 0 {
		ch.Add(verify.Warn, fmt.Sprintf("bucket %s does not set %s", b.ID, strings.Join(open, ", ")), diagS3Public)
	}
	if acl := str(b.Properties["AccessControl"]); strings.HasPrefix(acl, "Public") {
		ch.Add(verify.Fail, fmt.Sprintf("bucket %s has the public ACL %s", b.ID, acl), diagS3Public)
	}
	for _, p := range c.t.ofType(typeBucketPolicy) {
		if refTarget(p.Properties["Bucket"]) != b.ID {
			continue
		}
		for _, st := range list(get(p.Properties, "PolicyDocument", "Statement")) {
			if !strings.EqualFold(orDefault(str(get(st, "Effect")), "Allow"), "Allow") || get(st, "Condition") != nil {
				continue
			}
			principal := get(st, "Principal")
			if str(principal) == "*" || str(get(principal, "AWS")) == "*" || strings.Contains(str(get(principal, "AWS")), `"*"`) {
				ch.Add(verify.Fail, fmt.Sprintf("bucket %s: policy %s allows %v to anyone (Principal \"*\")", b.ID, p.ID, stringsOf(get(st, "Action"), false)), diagS3Public)
			}
		}
	}
	if len(open) == 0 && pab != nil {
		ch.Evidencef("bucket %s blocks all public access", b.ID)
	}
}
