package awsfake

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

var retrievePath = regexp.MustCompile(`^/knowledgebases/([^/]+)/retrieve$`)

func (f *Fake) routeRuntime(r *http.Request) (string, handlerFunc, bool) {
	if r.Method != http.MethodPost {
		return "", nil, false
	}
	if m := retrievePath.FindStringSubmatch(r.URL.Path); m != nil {
		id := m[1]
		return OpRetrieve, func(r *http.Request, body map[string]any) (any, error) { return f.retrieve(id, body) }, true
	}
	if r.URL.Path == "/retrieveAndGenerate" {
		return OpRetrieveAndGenerate, func(r *http.Request, body map[string]any) (any, error) { return f.retrieveAndGenerate(body) }, true
	}
	return "", nil, false
}

// searchParams is a validated retrievalConfiguration.
type searchParams struct {
	n      int
	filter map[string]any
}

// checkRetrievalConfiguration validates retrievalConfiguration as the API
// does: exactly vectorSearchConfiguration (managedSearchConfiguration for a
// managed knowledge base), numberOfResults 1-100, the search type enum, the
// filter union, reranking and implicit filtering shapes.
func checkRetrievalConfiguration(k *KnowledgeBase, rc any) (searchParams, error) {
	p := searchParams{n: 5}
	if rc == nil {
		return p, nil
	}
	conf, ok := rc.(map[string]any)
	if !ok {
		return p, validation("retrievalConfiguration must be an object")
	}
	key := "vectorSearchConfiguration"
	if k.Type == "MANAGED" {
		key = "managedSearchConfiguration"
	}
	for name := range conf {
		if name != key {
			return p, validation("Value at 'retrievalConfiguration' failed to satisfy constraint: %s is not supported by knowledge base %s of type %s; use %s", name, k.ID, k.Type, key)
		}
	}
	vsc, ok := conf[key].(map[string]any)
	if !ok {
		return p, validation("retrievalConfiguration.%s must be an object", key)
	}
	for name, v := range vsc {
		switch name {
		case "numberOfResults":
			n, ok := v.(float64)
			if !ok || n != float64(int(n)) || n < 1 || n > 100 {
				return p, validation("1 validation error detected: Value '%v' at 'retrievalConfiguration.%s.numberOfResults' failed to satisfy constraint: Member must have value between 1 and 100", v, key)
			}
			p.n = int(n)
		case "overrideSearchType":
			if v != "HYBRID" && v != "SEMANTIC" {
				return p, validation("1 validation error detected: Value '%v' at 'retrievalConfiguration.%s.overrideSearchType' failed to satisfy constraint: Member must satisfy enum value set: [HYBRID, SEMANTIC]", v, key)
			}
		case "filter":
			if err := checkFilter(v, "retrievalConfiguration."+key+".filter"); err != nil {
				return p, err
			}
			p.filter = v.(map[string]any)
		case "rerankingConfiguration":
			if err := checkReranking(v); err != nil {
				return p, err
			}
		case "implicitFilterConfiguration":
			if k.Type == "MANAGED" {
				return p, validation("implicitFilterConfiguration is not supported by managed knowledge bases")
			}
			if err := checkImplicitFilter(v); err != nil {
				return p, err
			}
		default:
			return p, validation("unknown field retrievalConfiguration.%s.%s", key, name)
		}
	}
	return p, nil
}

func checkReranking(v any) error {
	rc, _ := v.(map[string]any)
	if rc["type"] != "BEDROCK_RERANKING_MODEL" {
		return validation("Value '%v' at 'rerankingConfiguration.type' failed to satisfy constraint: Member must satisfy enum value set: [BEDROCK_RERANKING_MODEL]", rc["type"])
	}
	brc, _ := rc["bedrockRerankingConfiguration"].(map[string]any)
	mc, _ := brc["modelConfiguration"].(map[string]any)
	arn, _ := mc["modelArn"].(string)
	if !strings.HasPrefix(arn, "arn:aws:bedrock:") || !strings.Contains(arn, ":foundation-model/") {
		return validation("Value '%s' at 'rerankingConfiguration.bedrockRerankingConfiguration.modelConfiguration.modelArn' failed to satisfy constraint: Member must be a foundation-model ARN", arn)
	}
	if n, ok := brc["numberOfRerankedResults"]; ok {
		if x, ok := n.(float64); !ok || x < 1 || x > 100 {
			return validation("Value '%v' at 'rerankingConfiguration.bedrockRerankingConfiguration.numberOfRerankedResults' failed to satisfy constraint: Member must have value between 1 and 100", n)
		}
	}
	return nil
}

func checkImplicitFilter(v any) error {
	ifc, _ := v.(map[string]any)
	if arn, _ := ifc["modelArn"].(string); arn == "" {
		return validation("Value at 'implicitFilterConfiguration.modelArn' failed to satisfy constraint: Member must not be null")
	}
	attrs, _ := ifc["metadataAttributes"].([]any)
	if len(attrs) == 0 {
		return validation("Value at 'implicitFilterConfiguration.metadataAttributes' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	for i, a := range attrs {
		m, _ := a.(map[string]any)
		key, _ := m["key"].(string)
		desc, _ := m["description"].(string)
		typ, _ := m["type"].(string)
		if key == "" || desc == "" || !slices.Contains([]string{"STRING", "NUMBER", "BOOLEAN", "STRING_LIST"}, typ) {
			return validation("Value at 'implicitFilterConfiguration.metadataAttributes.%d' failed to satisfy constraint: key, type (STRING|NUMBER|BOOLEAN|STRING_LIST) and description are required", i+1)
		}
	}
	return nil
}

var comparisons = []string{"equals", "notEquals", "greaterThan", "greaterThanOrEquals", "lessThan", "lessThanOrEquals",
	"in", "notIn", "startsWith", "listContains", "stringContains"}

// checkFilter validates a RetrievalFilter union as the API does.
func checkFilter(v any, at string) error {
	obj, ok := v.(map[string]any)
	if !ok || len(obj) != 1 {
		return validation("Value at '%s' failed to satisfy constraint: a RetrievalFilter must set exactly one member, got %v", at, v)
	}
	for op, arg := range obj {
		switch {
		case op == "andAll" || op == "orAll":
			list, ok := arg.([]any)
			if !ok || len(list) < 2 {
				return validation("Value at '%s.%s' failed to satisfy constraint: Member must have length greater than or equal to 2", at, op)
			}
			for i, sub := range list {
				if err := checkFilter(sub, fmt.Sprintf("%s.%s.%d", at, op, i+1)); err != nil {
					return err
				}
			}
		case slices.Contains(comparisons, op):
			attr, ok := arg.(map[string]any)
			if !ok || len(attr) != 2 {
				return validation("Value at '%s.%s' failed to satisfy constraint: FilterAttribute needs exactly key and value", at, op)
			}
			key, ok := attr["key"].(string)
			if !ok || key == "" || len(key) > 100 {
				return validation("Value at '%s.%s.key' failed to satisfy constraint: Member must have length between 1 and 100", at, op)
			}
			if _, ok := attr["value"]; !ok {
				return validation("Value at '%s.%s.value' failed to satisfy constraint: Member must not be null", at, op)
			}
		default:
			return validation("Value at '%s' failed to satisfy constraint: unknown RetrievalFilter member %q", at, op)
		}
	}
	return nil
}

func terms(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// scored is a chunk with its score for a query.
type scored struct {
	Chunk
	score float64
}

// search ranks the chunks of k that share terms with the query and pass the
// filter (evaluated with Bedrock's semantics by kb.Filter.Match): score is
// the share of query terms found in the chunk.
func search(k *KnowledgeBase, query string, wire map[string]any) []scored {
	q := terms(query)
	var filter *kb.Filter
	if wire != nil {
		filter, _ = kb.FilterFromValue(wire) // checkFilter has validated it
	}
	var out []scored
	for _, c := range k.Chunks {
		if filter != nil && !filter.Match(c.Metadata) {
			continue
		}
		words := terms(c.Text)
		hits := 0
		for _, t := range q {
			if slices.Contains(words, t) {
				hits++
			}
		}
		if hits == 0 {
			continue
		}
		out = append(out, scored{c, float64(hits) / float64(len(q))})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	return out
}

func chunkWire(c Chunk) map[string]any {
	ct := c.ContentType
	if ct == "" {
		ct = "TEXT"
	}
	content := map[string]any{"type": ct}
	switch ct {
	case "ROW":
		var row []any
		for _, line := range strings.Split(c.Text, "\n") {
			name, value, _ := strings.Cut(line, "=")
			row = append(row, map[string]any{"columnName": name, "columnValue": value, "type": "STRING"})
		}
		content["row"] = row
	case "IMAGE":
		content["byteContent"] = "data:image/png;base64,iVBORw0KGgo="
	default:
		content["text"] = c.Text
	}
	out := map[string]any{"content": content}
	if c.Location != nil {
		out["location"] = c.Location
	}
	if c.Metadata != nil {
		out["metadata"] = c.Metadata
	}
	return out
}

func (f *Fake) retrieve(id string, body map[string]any) (any, error) {
	k, err := f.knowledgeBase(id)
	if err != nil {
		return nil, err
	}
	for name := range body {
		switch name {
		case "retrievalQuery", "retrievalConfiguration", "guardrailConfiguration", "nextToken":
		default:
			return nil, validation("unknown field %s", name)
		}
	}
	rq, _ := body["retrievalQuery"].(map[string]any)
	text, _ := rq["text"].(string)
	if strings.TrimSpace(text) == "" {
		return nil, validation("1 validation error detected: Value at 'retrievalQuery.text' failed to satisfy constraint: Member must not be null")
	}
	if err := checkGuardrail(body["guardrailConfiguration"]); err != nil {
		return nil, err
	}
	p, err := checkRetrievalConfiguration(k, body["retrievalConfiguration"])
	if err != nil {
		return nil, err
	}
	offset := 0
	if tok, ok := body["nextToken"].(string); ok {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "page-"))
		if !strings.HasPrefix(tok, "page-") || err != nil || n < 0 {
			return nil, validation("1 validation error detected: Value '%s' at 'nextToken' failed to satisfy constraint: invalid pagination token", tok)
		}
		offset = n
	}
	hits := search(k, text, p.filter)
	out := map[string]any{}
	end := min(offset+p.n, len(hits))
	results := []any{}
	for i := min(offset, len(hits)); i < end; i++ {
		r := chunkWire(hits[i].Chunk)
		r["score"] = hits[i].score
		results = append(results, r)
	}
	out["retrievalResults"] = results
	if end < len(hits) {
		out["nextToken"] = fmt.Sprintf("page-%d", end)
	}
	if body["guardrailConfiguration"] != nil {
		out["guardrailAction"] = "NONE"
	}
	return out, nil
}

func checkGuardrail(v any) error {
	if v == nil {
		return nil
	}
	g, _ := v.(map[string]any)
	id, _ := g["guardrailId"].(string)
	version, _ := g["guardrailVersion"].(string)
	if id == "" || version == "" {
		return validation("guardrailConfiguration needs guardrailId and guardrailVersion")
	}
	return nil
}

func (f *Fake) retrieveAndGenerate(body map[string]any) (any, error) {
	in, _ := body["input"].(map[string]any)
	text, _ := in["text"].(string)
	if strings.TrimSpace(text) == "" {
		return nil, validation("1 validation error detected: Value at 'input.text' failed to satisfy constraint: Member must not be null")
	}
	conf, _ := body["retrieveAndGenerateConfiguration"].(map[string]any)
	if conf["type"] != "KNOWLEDGE_BASE" {
		return nil, validation("Value '%v' at 'retrieveAndGenerateConfiguration.type' failed to satisfy constraint: Member must satisfy enum value set: [KNOWLEDGE_BASE, EXTERNAL_SOURCES]", conf["type"])
	}
	kbc, _ := conf["knowledgeBaseConfiguration"].(map[string]any)
	id, _ := kbc["knowledgeBaseId"].(string)
	model, _ := kbc["modelArn"].(string)
	if model == "" {
		return nil, validation("Value at 'retrieveAndGenerateConfiguration.knowledgeBaseConfiguration.modelArn' failed to satisfy constraint: Member must not be null")
	}
	k, err := f.knowledgeBase(id)
	if err != nil {
		return nil, err
	}
	if k.Type == "MANAGED" {
		return nil, validation("RetrieveAndGenerate cannot be used with managed knowledge bases")
	}
	p, err := checkRetrievalConfiguration(k, kbc["retrievalConfiguration"])
	if err != nil {
		return nil, err
	}
	if gc, ok := kbc["generationConfiguration"].(map[string]any); ok {
		if err := checkGuardrail(gc["guardrailConfiguration"]); err != nil {
			return nil, err
		}
	}
	session, _ := body["sessionId"].(string)
	if session == "" {
		f.mu.Lock()
		f.sessions++
		session = fmt.Sprintf("session-%04d", f.sessions)
		f.mu.Unlock()
	}
	hits := search(k, text, p.filter)
	if len(hits) > 2 {
		hits = hits[:2]
	}
	var answer strings.Builder
	var citations []any
	if len(hits) == 0 {
		answer.WriteString("Sorry, I am unable to assist you with this request.")
	}
	for i, h := range hits {
		if i > 0 {
			answer.WriteString(" ")
		}
		sentence := strings.TrimSpace(firstSentence(h.Text))
		start := answer.Len()
		answer.WriteString(sentence)
		citations = append(citations, map[string]any{
			"generatedResponsePart": map[string]any{"textResponsePart": map[string]any{
				"text": sentence, "span": map[string]any{"start": start, "end": answer.Len() - 1},
			}},
			"retrievedReferences": []any{chunkWire(h.Chunk)},
		})
	}
	out := map[string]any{"output": map[string]any{"text": answer.String()}, "sessionId": session, "citations": citations}
	return out, nil
}

func firstSentence(s string) string {
	if i := strings.IndexAny(s, ".!?"); i >= 0 {
		return s[:i+1]
	}
	return s
}
