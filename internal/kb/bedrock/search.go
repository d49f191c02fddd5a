package bedrock

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime/types"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// Reserved metadata keys of Bedrock knowledge bases.
const (
	// DataSourceKey holds a chunk's data source id in vector knowledge bases.
	DataSourceKey = "x-amz-bedrock-kb-data-source-id"
	// ManagedDataSourceKey holds it in managed knowledge bases.
	ManagedDataSourceKey = "_data_source_id"
	// SourceURIKey holds a chunk's source document URI.
	SourceURIKey = "x-amz-bedrock-kb-source-uri"
	// TitleKey is the metadata key read as a result's title, when present.
	TitleKey = "title"
	// PageNumberKey holds the page of a PDF a chunk comes from.
	PageNumberKey = "x-amz-bedrock-kb-document-page-number"
)

// maxRetrievalText is the longest query Retrieve accepts (1,000 characters).
const maxRetrievalText = 1000

// Search runs Retrieve on one allowed knowledge base with every option of
// q: numberOfResults, overrideSearchType, the filter (combined with the data
// source filter through andAll), reranking, the guardrail, and pagination.
func (b *Backend) Search(ctx context.Context, q kb.Query) (*kb.SearchResult, error) {
	text, n, searchType, err := checkQuery("query", q.Text, q.MaxResults, q.SearchType)
	if err != nil {
		return nil, err
	}
	ctx, cancel := b.withDeadline(ctx)
	defer cancel()
	id, err := b.resolveKnowledgeBase(ctx, q.KnowledgeBaseID)
	if err != nil {
		return nil, err
	}
	rerank := b.settings.RerankByDefault
	if q.Rerank != nil {
		rerank = *q.Rerank
	}
	if rerank && !b.CanRerank() {
		return nil, fmt.Errorf("rerank: %w: reranking is not configured on this server; the operator enables it with reranker-model-arn (BEDROCK_RERANKER_MODEL_ARN)", kb.ErrInvalidArgument)
	}
	managed := b.isManaged(ctx, id)
	var opts []func(*bedrockagentruntime.Options)
	if managed {
		if err := checkManaged(id, searchType, false); err != nil {
			return nil, err
		}
		opts = append(opts, managedSearch)
	}
	conf, err := b.retrievalConfiguration(ctx, id, n, searchType, q.Filter, q.DataSourceIDs, rerank, managed)
	if err != nil {
		return nil, err
	}
	input := &bedrockagentruntime.RetrieveInput{
		KnowledgeBaseId:        aws.String(id),
		RetrievalQuery:         &types.KnowledgeBaseQuery{Text: aws.String(text)},
		RetrievalConfiguration: conf,
		GuardrailConfiguration: b.guardrail(),
	}
	if t := strings.TrimSpace(q.NextToken); t != "" {
		input.NextToken = aws.String(t)
	}
	out, err := call(ctx, b, action{Action: "bedrock:Retrieve", Resource: b.knowledgeBaseARN(id), KnowledgeBaseID: id, Also: b.rerankPermissions(rerank)},
		func(ctx context.Context) (*bedrockagentruntime.RetrieveOutput, error) {
			return b.runtime.Retrieve(ctx, input, opts...)
		})
	if err != nil {
		return nil, fmt.Errorf("search knowledge base %s: %w", id, err)
	}
	res := &kb.SearchResult{
		Results:         make([]kb.Result, 0, len(out.RetrievalResults)),
		NextToken:       aws.ToString(out.NextToken),
		GuardrailAction: string(out.GuardrailAction),
	}
	for _, r := range out.RetrievalResults {
		res.Results = append(res.Results, toResult(id, r.Content, r.Location, r.Metadata, r.Score))
	}
	return res, nil
}

func (b *Backend) rerankPermissions(rerank bool) string {
	if !rerank {
		return ""
	}
	return fmt.Sprintf("bedrock:Rerank on \"*\" and bedrock:InvokeModel on %q, for the task role and the knowledge base's service role", b.rerankerARN())
}

// checkQuery validates the parts of a query Bedrock would refuse, with the
// argument names of the MCP tools.
func checkQuery(name, text string, n int, searchType string) (string, int, string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", 0, "", fmt.Errorf("%s: %w: must not be empty; say in a few words what to look for", name, kb.ErrInvalidArgument)
	case len([]rune(text)) > maxRetrievalText:
		return "", 0, "", fmt.Errorf("%s: %w: is %d characters long; Bedrock takes at most %d, so shorten it to the key terms", name, kb.ErrInvalidArgument, len([]rune(text)), maxRetrievalText)
	}
	switch {
	case n == 0:
		n = kb.DefaultMaxResults
	case n < 1 || n > kb.MaxMaxResults:
		return "", 0, "", fmt.Errorf("max_results: %w: must be between 1 and %d, got %d", kb.ErrInvalidArgument, kb.MaxMaxResults, n)
	}
	st := strings.ToUpper(strings.TrimSpace(searchType))
	switch st {
	case kb.SearchTypeDefault, kb.SearchTypeHybrid, kb.SearchTypeSemantic:
	default:
		return "", 0, "", fmt.Errorf("search_type: %w: %q is not a search type; use HYBRID, SEMANTIC, or leave it empty", kb.ErrInvalidArgument, searchType)
	}
	return text, n, st, nil
}

// retrievalConfiguration builds Retrieve's vectorSearchConfiguration (sent
// as managedSearchConfiguration to a managed knowledge base, which has no
// implicit filtering).
func (b *Backend) retrievalConfiguration(ctx context.Context, id string, n int, searchType string, filter *kb.Filter, dataSourceIDs []string, rerank, managed bool) (*types.KnowledgeBaseRetrievalConfiguration, error) {
	f, err := b.combinedFilter(ctx, id, filter, dataSourceIDs)
	if err != nil {
		return nil, err
	}
	vsc := &types.KnowledgeBaseVectorSearchConfiguration{
		NumberOfResults: aws.Int32(int32(n)),
		Filter:          f,
	}
	if searchType != "" {
		vsc.OverrideSearchType = types.SearchType(searchType)
	}
	if attrs := b.settings.ImplicitFilter; len(attrs) > 0 && !managed {
		conf := &types.ImplicitFilterConfiguration{ModelArn: aws.String(b.settings.ImplicitFilterModelARN)}
		for _, a := range attrs {
			conf.MetadataAttributes = append(conf.MetadataAttributes, types.MetadataAttributeSchema{
				Key: aws.String(a.Key), Type: types.AttributeType(a.Type), Description: aws.String(a.Description),
			})
		}
		vsc.ImplicitFilterConfiguration = conf
	}
	if rerank {
		reranked := int32(n)
		if b.settings.RerankedResults > 0 {
			reranked = int32(b.settings.RerankedResults)
		}
		vsc.RerankingConfiguration = &types.VectorSearchRerankingConfiguration{
			Type: types.VectorSearchRerankingConfigurationTypeBedrockRerankingModel,
			BedrockRerankingConfiguration: &types.VectorSearchBedrockRerankingConfiguration{
				ModelConfiguration:      &types.VectorSearchBedrockRerankingModelConfiguration{ModelArn: aws.String(b.rerankerARN())},
				NumberOfRerankedResults: aws.Int32(reranked),
			},
		}
	}
	return &types.KnowledgeBaseRetrievalConfiguration{VectorSearchConfiguration: vsc}, nil
}

// rerankerARN returns the configured reranker as an ARN: as given, or a
// model id placed in the reranker region (else the backend's region).
func (b *Backend) rerankerARN() string {
	m := b.settings.RerankerModelARN
	if m == "" || strings.HasPrefix(m, "arn:") {
		return m
	}
	region := b.settings.RerankerRegion
	if region == "" {
		region = b.region
	}
	return fmt.Sprintf("arn:%s:bedrock:%s::foundation-model/%s", b.partition(), region, m)
}

func (b *Backend) guardrail() *types.GuardrailConfiguration {
	if b.settings.GuardrailID == "" {
		return nil
	}
	return &types.GuardrailConfiguration{GuardrailId: aws.String(b.settings.GuardrailID), GuardrailVersion: aws.String(b.settings.GuardrailVersion)}
}

// combinedFilter converts the caller's filter and adds the data-source
// filter with the metadata key of the knowledge base's type, both joined by
// andAll. Data source ids that the knowledge base does not have are refused
// (Bedrock would silently match nothing), when its data sources can be
// listed.
func (b *Backend) combinedFilter(ctx context.Context, id string, filter *kb.Filter, dataSourceIDs []string) (types.RetrievalFilter, error) {
	var ids []string
	for _, ds := range dataSourceIDs {
		if ds = strings.TrimSpace(ds); ds != "" && !slices.Contains(ids, ds) {
			ids = append(ids, ds)
		}
	}
	var parts []types.RetrievalFilter
	if filter != nil {
		f, err := toRetrievalFilter(filter, "filter")
		if err != nil {
			return nil, err
		}
		parts = append(parts, f)
	}
	if len(ids) > 0 {
		if err := b.checkDataSources(ctx, id, ids); err != nil {
			return nil, err
		}
		key := DataSourceKey
		if b.isManaged(ctx, id) {
			key = ManagedDataSourceKey
		}
		values := make([]any, len(ids))
		for i, ds := range ids {
			values[i] = ds
		}
		var ds types.RetrievalFilter
		if len(ids) == 1 {
			ds = &types.RetrievalFilterMemberEquals{Value: types.FilterAttribute{Key: aws.String(key), Value: document.NewLazyDocument(ids[0])}}
		} else {
			ds = &types.RetrievalFilterMemberIn{Value: types.FilterAttribute{Key: aws.String(key), Value: document.NewLazyDocument(values)}}
		}
		parts = append(parts, ds)
	}
	switch len(parts) {
	case 0:
		return nil, nil
	case 1:
		return parts[0], nil
	}
	return &types.RetrievalFilterMemberAndAll{Value: parts}, nil
}

// checkDataSources refuses data source ids the knowledge base lacks. When
// the data sources cannot be listed (no bedrock:ListDataSources), the ids
// are passed on unchecked.
func (b *Backend) checkDataSources(ctx context.Context, id string, ids []string) error {
	si, err := b.catalog.dataSources(ctx, id)
	if err != nil {
		b.logger.Debug("data source ids not checked", "knowledge_base_id", id, "error", err.Error())
		return nil
	}
	known := make([]string, len(si.sources))
	for i, s := range si.sources {
		known[i] = s.ID
	}
	for _, ds := range ids {
		if !slices.Contains(known, ds) {
			return fmt.Errorf("data_source_ids: %w: knowledge base %s has no data source %q; its data sources are: %s",
				kb.ErrInvalidArgument, id, ds, strings.Join(known, ", "))
		}
	}
	return nil
}

// toRetrievalFilter converts a kb.Filter to the SDK's RetrievalFilter union.
func toRetrievalFilter(f *kb.Filter, at string) (types.RetrievalFilter, error) {
	if f.Op == kb.OpAndAll || f.Op == kb.OpOrAll {
		subs := make([]types.RetrievalFilter, 0, len(f.Filters))
		for i, sub := range f.Filters {
			s, err := toRetrievalFilter(sub, fmt.Sprintf("%s.%s[%d]", at, f.Op, i))
			if err != nil {
				return nil, err
			}
			subs = append(subs, s)
		}
		if f.Op == kb.OpAndAll {
			return &types.RetrievalFilterMemberAndAll{Value: subs}, nil
		}
		return &types.RetrievalFilterMemberOrAll{Value: subs}, nil
	}
	leaf, ok := comparisons[f.Op]
	if !ok {
		return nil, fmt.Errorf("%s: %w: unknown operator %q", at, kb.ErrInvalidArgument, f.Op)
	}
	return leaf(types.FilterAttribute{Key: aws.String(f.Key), Value: document.NewLazyDocument(f.Value)}), nil
}

// comparisons builds the RetrievalFilter member of each comparison operator.
var comparisons = map[string]func(types.FilterAttribute) types.RetrievalFilter{
	kb.OpEquals: func(a types.FilterAttribute) types.RetrievalFilter {
		return &types.RetrievalFilterMemberEquals{Value: a}
	},
	kb.OpNotEquals: func(a types.FilterAttribute) types.RetrievalFilter {
		return &types.RetrievalFilterMemberNotEquals{Value: a}
	},
	kb.OpGreaterThan: func(a types.FilterAttribute) types.RetrievalFilter {
		return &types.RetrievalFilterMemberGreaterThan{Value: a}
	},
	kb.OpGreaterThanOrEquals: func(a types.FilterAttribute) types.RetrievalFilter {
		return &types.RetrievalFilterMemberGreaterThanOrEquals{Value: a}
	},
	kb.OpLessThan: func(a types.FilterAttribute) types.RetrievalFilter {
		return &types.RetrievalFilterMemberLessThan{Value: a}
	},
	kb.OpLessThanOrEquals: func(a types.FilterAttribute) types.RetrievalFilter {
		return &types.RetrievalFilterMemberLessThanOrEquals{Value: a}
	},
	kb.OpIn: func(a types.FilterAttribute) types.RetrievalFilter { return &types.RetrievalFilterMemberIn{Value: a} },
	kb.OpNotIn: func(a types.FilterAttribute) types.RetrievalFilter {
		return &types.RetrievalFilterMemberNotIn{Value: a}
	},
	kb.OpStartsWith: func(a types.FilterAttribute) types.RetrievalFilter {
		return &types.RetrievalFilterMemberStartsWith{Value: a}
	},
	kb.OpListContains: func(a types.FilterAttribute) types.RetrievalFilter {
		return &types.RetrievalFilterMemberListContains{Value: a}
	},
	kb.OpStringContains: func(a types.FilterAttribute) types.RetrievalFilter {
		return &types.RetrievalFilterMemberStringContains{Value: a}
	},
}

// toResult maps one retrieved chunk, whatever its location type.
func toResult(kbID string, content *types.RetrievalResultContent, loc *types.RetrievalResultLocation, meta map[string]document.Interface, score *float64) kb.Result {
	r := kb.Result{KnowledgeBaseID: kbID, Score: aws.ToFloat64(score), Metadata: decodeMetadata(meta)}
	if content != nil {
		r.Text = aws.ToString(content.Text)
		if content.Type != "" && content.Type != types.RetrievalResultContentTypeText {
			r.ContentType = string(content.Type)
		}
		switch {
		case len(content.Row) > 0 && r.Text == "":
			lines := make([]string, 0, len(content.Row))
			for _, c := range content.Row {
				lines = append(lines, aws.ToString(c.ColumnName)+": "+aws.ToString(c.ColumnValue))
			}
			r.Text = strings.Join(lines, "\n")
		case content.ByteContent != nil && r.Text == "":
			r.Text = fmt.Sprintf("[%s content of %d bytes, not shown]", strings.ToLower(string(content.Type)), len(aws.ToString(content.ByteContent)))
		}
	}
	r.URI, r.LocationType = locationURI(loc)
	if r.URI == "" {
		if s, ok := r.Metadata[SourceURIKey].(string); ok {
			r.URI = s
		}
	}
	r.Title = title(r.Metadata, r.URI, r.LocationType)
	if p, ok := r.Metadata[PageNumberKey].(float64); ok && p >= 1 && p == float64(int(p)) {
		r.Page = int(p)
	}
	return r
}

// locationURI maps each location type to one URI: S3 and Kendra URIs and
// web, Confluence, Salesforce and SharePoint URLs as given, custom documents
// as custom:ID, SQL results as sql:QUERY.
func locationURI(loc *types.RetrievalResultLocation) (uri, typ string) {
	if loc == nil {
		return "", ""
	}
	typ = string(loc.Type)
	switch {
	case loc.S3Location != nil:
		uri = aws.ToString(loc.S3Location.Uri)
	case loc.WebLocation != nil:
		uri = aws.ToString(loc.WebLocation.Url)
	case loc.ConfluenceLocation != nil:
		uri = aws.ToString(loc.ConfluenceLocation.Url)
	case loc.SalesforceLocation != nil:
		uri = aws.ToString(loc.SalesforceLocation.Url)
	case loc.SharePointLocation != nil:
		uri = aws.ToString(loc.SharePointLocation.Url)
	case loc.KendraDocumentLocation != nil:
		uri = aws.ToString(loc.KendraDocumentLocation.Uri)
	case loc.CustomDocumentLocation != nil:
		uri = "custom:" + aws.ToString(loc.CustomDocumentLocation.Id)
	case loc.SqlLocation != nil:
		uri = "sql:" + aws.ToString(loc.SqlLocation.Query)
	}
	return uri, typ
}

// title is the metadata title, else the last path element of the URI.
func title(meta map[string]any, uri, typ string) string {
	for _, k := range []string{TitleKey, "x-amz-bedrock-kb-title", "Title"} {
		if s, ok := meta[k].(string); ok && s != "" {
			return s
		}
	}
	if typ == "SQL" || typ == "CUSTOM" || uri == "" {
		return ""
	}
	u := strings.TrimRight(uri, "/")
	if i := strings.Index(u, "?"); i >= 0 {
		u = u[:i]
	}
	return path.Base(u)
}

// decodeMetadata turns the SDK's documents into plain JSON values.
func decodeMetadata(meta map[string]document.Interface) map[string]any {
	if len(meta) == 0 {
		return nil
	}
	out := make(map[string]any, len(meta))
	for k, d := range meta {
		if d == nil {
			out[k] = nil
			continue
		}
		raw, err := d.MarshalSmithyDocument()
		if err != nil {
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			continue
		}
		out[k] = v
	}
	return out
}

// Ask runs RetrieveAndGenerate on one allowed knowledge base with the
// operator's model and guardrail, and returns the answer with its
// citations.
func (b *Backend) Ask(ctx context.Context, q kb.AskQuery) (*kb.Answer, error) {
	if !b.CanGenerate() {
		return nil, fmt.Errorf("ask: %w: no model is configured for generation; the operator sets model-arn (BEDROCK_MODEL_ARN)", kb.ErrInvalidArgument)
	}
	text, n, searchType, err := checkQuery("question", q.Question, q.MaxResults, q.SearchType)
	if err != nil {
		return nil, err
	}
	ctx, cancel := b.withDeadline(ctx)
	defer cancel()
	id, err := b.resolveKnowledgeBase(ctx, q.KnowledgeBaseID)
	if err != nil {
		return nil, err
	}
	if b.isManaged(ctx, id) {
		if err := checkManaged(id, searchType, true); err != nil {
			return nil, err
		}
	}
	conf, err := b.retrievalConfiguration(ctx, id, n, searchType, q.Filter, q.DataSourceIDs, false, false)
	if err != nil {
		return nil, err
	}
	kbConf := &types.KnowledgeBaseRetrieveAndGenerateConfiguration{
		KnowledgeBaseId:        aws.String(id),
		ModelArn:               aws.String(b.settings.ModelARN),
		RetrievalConfiguration: conf,
	}
	if g := b.guardrail(); g != nil {
		kbConf.GenerationConfiguration = &types.GenerationConfiguration{GuardrailConfiguration: g}
	}
	input := &bedrockagentruntime.RetrieveAndGenerateInput{
		Input: &types.RetrieveAndGenerateInput{Text: aws.String(text)},
		RetrieveAndGenerateConfiguration: &types.RetrieveAndGenerateConfiguration{
			Type:                       types.RetrieveAndGenerateTypeKnowledgeBase,
			KnowledgeBaseConfiguration: kbConf,
		},
	}
	if s := strings.TrimSpace(q.SessionID); s != "" {
		input.SessionId = aws.String(s)
	}
	out, err := call(ctx, b, action{
		Action: "bedrock:RetrieveAndGenerate", Resource: b.knowledgeBaseARN(id), KnowledgeBaseID: id,
		Also: fmt.Sprintf("bedrock:Retrieve on the knowledge base and bedrock:InvokeModel on %q", b.settings.ModelARN),
	}, func(ctx context.Context) (*bedrockagentruntime.RetrieveAndGenerateOutput, error) {
		return b.runtime.RetrieveAndGenerate(ctx, input)
	})
	if err != nil {
		return nil, fmt.Errorf("ask knowledge base %s: %w", id, err)
	}
	ans := &kb.Answer{SessionID: aws.ToString(out.SessionId), GuardrailAction: string(out.GuardrailAction)}
	if out.Output != nil {
		ans.Text = aws.ToString(out.Output.Text)
	}
	for _, c := range out.Citations {
		cit := kb.Citation{References: make([]kb.Result, 0, len(c.RetrievedReferences))}
		if p := c.GeneratedResponsePart; p != nil && p.TextResponsePart != nil {
			cit.Text = aws.ToString(p.TextResponsePart.Text)
			if s := p.TextResponsePart.Span; s != nil {
				cit.Start, cit.End = spanBounds(ans.Text, cit.Text, int(aws.ToInt32(s.Start)), int(aws.ToInt32(s.End)))
			}
		}
		for _, ref := range c.RetrievedReferences {
			cit.References = append(cit.References, toResult(id, ref.Content, ref.Location, ref.Metadata, nil))
		}
		ans.Citations = append(ans.Citations, cit)
	}
	return ans, nil
}

// spanBounds returns a citation span as [start, end) offsets into answer.
// Bedrock does not document whether a span's end is inclusive: when the
// cited text shows it is (answer[start:end+1] is the cited text), the end
// is made exclusive; otherwise it is taken as exclusive. Both are clamped
// to the answer.
func spanBounds(answer, cited string, start, end int) (int, int) {
	if cited != "" && start >= 0 && end+1 <= len(answer) && answer[start:end+1] == cited {
		end++
	}
	start = max(0, min(start, len(answer)))
	end = max(start, min(end, len(answer)))
	return start, end
}
