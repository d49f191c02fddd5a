package bedrock

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// knowledgeBaseInfo is what GetKnowledgeBase says of one knowledge base.
type knowledgeBaseInfo struct {
	ID, ARN, Name, Description, Status string
	// Type is VECTOR, KENDRA, SQL, or MANAGED (a type newer than the SDK).
	Type    string
	fetched time.Time
}

// sourcesInfo is the data sources of one knowledge base and the S3 buckets
// they read.
type sourcesInfo struct {
	sources []kb.DataSource
	buckets []string
	fetched time.Time
}

// catalog knows which knowledge bases are served and caches their
// descriptions and data sources for DiscoveryTTL.
type catalog struct {
	b *Backend

	// discovering serializes discovery; mu guards the fields below.
	discovering  sync.Mutex
	mu           sync.Mutex
	discovered   []string
	discoveredAt time.Time
	infos        map[string]knowledgeBaseInfo
	sources      map[string]sourcesInfo
	// refused remembers permission errors for refusalTTL, so that a
	// missing bedrock-agent permission costs one refused call, not one per
	// search.
	refused map[string]refusal
}

// refusal is a remembered permission error.
type refusal struct {
	err error
	at  time.Time
}

// refusalTTL is how long a permission error is remembered: short, so that
// a fixed policy takes effect quickly.
const refusalTTL = 30 * time.Second

// remembered returns a fresh remembered refusal of key.
func (c *catalog) remembered(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.refused[key]
	if ok && c.b.now().Sub(r.at) < refusalTTL {
		return r.err
	}
	return nil
}

// remember keeps err for key when it is a permission error.
func (c *catalog) remember(key string, err error) {
	if !errors.Is(err, kb.ErrPermission) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refused[key] = refusal{err: err, at: c.b.now()}
}

func newCatalog(b *Backend) *catalog {
	return &catalog{b: b, infos: map[string]knowledgeBaseInfo{}, sources: map[string]sourcesInfo{}, refused: map[string]refusal{}}
}

func (c *catalog) fresh(t time.Time) bool {
	return !t.IsZero() && c.b.now().Sub(t) < c.b.settings.DiscoveryTTL
}

// allowed returns the ids of the knowledge bases served: the operator's
// list, else those discovered by tag.
func (c *catalog) allowed(ctx context.Context) ([]string, error) {
	if ids := c.b.settings.KnowledgeBaseIDs; len(ids) > 0 {
		return ids, nil
	}
	if err := c.b.usable(); err != nil {
		return nil, err
	}
	c.discovering.Lock()
	defer c.discovering.Unlock()
	c.mu.Lock()
	ids, at := c.discovered, c.discoveredAt
	c.mu.Unlock()
	if c.fresh(at) {
		return ids, nil
	}
	ids, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.discovered, c.discoveredAt = ids, c.b.now()
	c.mu.Unlock()
	return ids, nil
}

// discover lists the knowledge bases of the region and keeps those whose
// discovery tag is "true" (exactly, as the awslabs server does).
func (c *catalog) discover(ctx context.Context) ([]string, error) {
	key := c.b.settings.DiscoveryTagKey
	var ids []string
	var token *string
	var refused error
	for {
		out, err := call(ctx, c.b, action{Action: "bedrock:ListKnowledgeBases", Resource: "*", Hint: "or set KNOWLEDGE_BASE_IDS so that no discovery is needed"},
			func(ctx context.Context) (*bedrockagent.ListKnowledgeBasesOutput, error) {
				return c.b.agent.ListKnowledgeBases(ctx, &bedrockagent.ListKnowledgeBasesInput{NextToken: token, MaxResults: aws.Int32(100)})
			})
		if err != nil {
			return nil, fmt.Errorf("discovering knowledge bases tagged %s=true: %w", key, err)
		}
		for _, s := range out.KnowledgeBaseSummaries {
			id := aws.ToString(s.KnowledgeBaseId)
			info, err := c.fetchInfo(ctx, id)
			if errors.Is(err, kb.ErrPermission) {
				// A policy scoped to some knowledge bases: skip the others.
				c.b.logger.Warn("discovery skips a knowledge base it may not describe", "knowledge_base_id", id, "error", err.Error())
				refused = err
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("discovering knowledge bases tagged %s=true: %w", key, err)
			}
			tags, err := call(ctx, c.b, action{Action: "bedrock:ListTagsForResource", Resource: info.ARN, Hint: "or set KNOWLEDGE_BASE_IDS so that no discovery is needed"},
				func(ctx context.Context) (*bedrockagent.ListTagsForResourceOutput, error) {
					return c.b.agent.ListTagsForResource(ctx, &bedrockagent.ListTagsForResourceInput{ResourceArn: aws.String(info.ARN)})
				})
			if errors.Is(err, kb.ErrPermission) {
				c.b.logger.Warn("discovery skips a knowledge base whose tags it may not read", "knowledge_base_id", id, "error", err.Error())
				refused = err
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("discovering knowledge bases tagged %s=true: %w", key, err)
			}
			if tags.Tags[key] == "true" {
				ids = append(ids, id)
			}
		}
		token = out.NextToken
		if aws.ToString(token) == "" {
			break
		}
	}
	if len(ids) == 0 && refused != nil {
		return nil, fmt.Errorf("discovering knowledge bases tagged %s=true: %w", key, refused)
	}
	slices.Sort(ids)
	c.b.logger.Info("discovered knowledge bases", "tag", key, "ids", strings.Join(ids, ","), "region", c.b.region)
	return ids, nil
}

// cached returns what is known of id without calling AWS.
func (c *catalog) cached(id string) (knowledgeBaseInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	info, ok := c.infos[id]
	return info, ok
}

// describe returns GetKnowledgeBase's answer for id, cached.
func (c *catalog) describe(ctx context.Context, id string) (knowledgeBaseInfo, error) {
	c.mu.Lock()
	info, ok := c.infos[id]
	c.mu.Unlock()
	if ok && c.fresh(info.fetched) {
		return info, nil
	}
	if err := c.remembered("describe/" + id); err != nil {
		return knowledgeBaseInfo{}, err
	}
	info, err := c.fetchInfo(ctx, id)
	c.remember("describe/"+id, err)
	return info, err
}

func (c *catalog) fetchInfo(ctx context.Context, id string) (knowledgeBaseInfo, error) {
	out, err := call(ctx, c.b, action{Action: "bedrock:GetKnowledgeBase", Resource: c.b.knowledgeBaseARN(id), KnowledgeBaseID: id},
		func(ctx context.Context) (*bedrockagent.GetKnowledgeBaseOutput, error) {
			return c.b.agent.GetKnowledgeBase(ctx, &bedrockagent.GetKnowledgeBaseInput{KnowledgeBaseId: aws.String(id)})
		})
	if err != nil {
		return knowledgeBaseInfo{}, err
	}
	k := out.KnowledgeBase
	if k == nil {
		return knowledgeBaseInfo{}, fmt.Errorf("bedrock: %w: GetKnowledgeBase %s answered without a knowledgeBase", kb.ErrUnavailable, id)
	}
	info := knowledgeBaseInfo{
		ID:          id,
		ARN:         aws.ToString(k.KnowledgeBaseArn),
		Name:        aws.ToString(k.Name),
		Description: aws.ToString(k.Description),
		Status:      string(k.Status),
		fetched:     c.b.now(),
	}
	if k.KnowledgeBaseConfiguration != nil {
		info.Type = string(k.KnowledgeBaseConfiguration.Type)
	}
	c.mu.Lock()
	c.infos[id] = info
	c.mu.Unlock()
	return info, nil
}

// dataSources returns the data sources of id with their types and the S3
// buckets they read, cached.
func (c *catalog) dataSources(ctx context.Context, id string) (sourcesInfo, error) {
	c.mu.Lock()
	si, ok := c.sources[id]
	c.mu.Unlock()
	if ok && c.fresh(si.fetched) {
		return si, nil
	}
	if err := c.remembered("sources/" + id); err != nil {
		return sourcesInfo{}, err
	}
	si, err := c.fetchSources(ctx, id)
	c.remember("sources/"+id, err)
	return si, err
}

func (c *catalog) fetchSources(ctx context.Context, id string) (sourcesInfo, error) {
	si := sourcesInfo{fetched: c.b.now()}
	var token *string
	for {
		out, err := call(ctx, c.b, action{Action: "bedrock:ListDataSources", Resource: c.b.knowledgeBaseARN(id), KnowledgeBaseID: id},
			func(ctx context.Context) (*bedrockagent.ListDataSourcesOutput, error) {
				return c.b.agent.ListDataSources(ctx, &bedrockagent.ListDataSourcesInput{KnowledgeBaseId: aws.String(id), NextToken: token, MaxResults: aws.Int32(100)})
			})
		if err != nil {
			return sourcesInfo{}, err
		}
		for _, s := range out.DataSourceSummaries {
			si.sources = append(si.sources, kb.DataSource{
				ID:     aws.ToString(s.DataSourceId),
				Name:   aws.ToString(s.Name),
				Status: string(s.Status),
			})
		}
		token = out.NextToken
		if aws.ToString(token) == "" {
			break
		}
	}
	for i := range si.sources {
		ds := &si.sources[i]
		out, err := call(ctx, c.b, action{Action: "bedrock:GetDataSource", Resource: c.b.knowledgeBaseARN(id), KnowledgeBaseID: id},
			func(ctx context.Context) (*bedrockagent.GetDataSourceOutput, error) {
				return c.b.agent.GetDataSource(ctx, &bedrockagent.GetDataSourceInput{KnowledgeBaseId: aws.String(id), DataSourceId: aws.String(ds.ID)})
			})
		if err != nil {
			return sourcesInfo{}, err
		}
		if out.DataSource == nil || out.DataSource.DataSourceConfiguration == nil {
			continue
		}
		conf := out.DataSource.DataSourceConfiguration
		ds.Type = string(conf.Type)
		if conf.S3Configuration != nil {
			if bucket := bucketFromARN(aws.ToString(conf.S3Configuration.BucketArn)); bucket != "" && !slices.Contains(si.buckets, bucket) {
				si.buckets = append(si.buckets, bucket)
			}
		}
	}
	c.mu.Lock()
	c.sources[id] = si
	c.mu.Unlock()
	return si, nil
}

// bucketFromARN returns the bucket of arn:aws:s3:::bucket.
func bucketFromARN(arn string) string {
	i := strings.LastIndex(arn, ":")
	if !strings.HasPrefix(arn, "arn:") || i < 0 {
		return ""
	}
	return arn[i+1:]
}

// knowledgeBaseARN returns the ARN of knowledge base id: the one AWS gave
// if known, else built from the region with the account left to fill in.
func (b *Backend) knowledgeBaseARN(id string) string {
	if info, ok := b.catalog.cached(id); ok && info.ARN != "" {
		return info.ARN
	}
	return fmt.Sprintf("arn:%s:bedrock:%s:ACCOUNT_ID:knowledge-base/%s", b.partition(), b.region, id)
}

func (b *Backend) partition() string {
	switch {
	case strings.HasPrefix(b.region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(b.region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// ListKnowledgeBases describes every served knowledge base with its data
// sources. A knowledge base whose description is refused (missing
// bedrock:GetKnowledgeBase or bedrock:ListDataSources) is still listed, with
// the reason in its description, since search may still work.
func (b *Backend) ListKnowledgeBases(ctx context.Context) ([]kb.KnowledgeBase, error) {
	ctx, cancel := b.withDeadline(ctx)
	defer cancel()
	ids, err := b.catalog.allowed(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]kb.KnowledgeBase, 0, len(ids))
	for _, id := range ids {
		entry := kb.KnowledgeBase{ID: id, Backend: BackendName}
		info, err := b.catalog.describe(ctx, id)
		switch {
		case err == nil:
			entry.Name, entry.Description, entry.Status = info.Name, info.Description, info.Status
		case errors.Is(err, kb.ErrPermission) || errors.Is(err, kb.ErrNotFound):
			entry.Status = "UNKNOWN"
			entry.Description = "details unavailable: " + err.Error()
			out = append(out, entry)
			continue
		default:
			return nil, err
		}
		si, err := b.catalog.dataSources(ctx, id)
		switch {
		case err == nil:
			entry.DataSources = si.sources
		case errors.Is(err, kb.ErrPermission):
			entry.Description = strings.TrimSpace(entry.Description + " (data sources unavailable: " + err.Error() + ")")
		default:
			return nil, err
		}
		out = append(out, entry)
	}
	return out, nil
}
