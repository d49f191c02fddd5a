package kb

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxQueryBytes bounds [Query.Text] and [AskQuery.Question]. Bedrock
// Retrieve accepts at most 1,000 characters of retrieval text and
// RetrieveAndGenerate a little more; longer input is almost always a pasted
// document rather than a query.
const MaxQueryBytes = 4096

// Normalize validates q and fills its defaults in place: surrounding space is
// trimmed from Text, a zero MaxResults becomes [DefaultMaxResults], SearchType
// is upper-cased ("hybrid" becomes [SearchTypeHybrid]) and empty entries of
// DataSourceIDs are dropped. Errors wrap [ErrInvalidArgument] and say which
// argument to change and how. The MCP tool layer calls it before a backend
// sees the query; backends may call it again, it is idempotent.
func (q *Query) Normalize() error {
	text, err := normalizeText("query", q.Text)
	if err != nil {
		return err
	}
	q.Text = text
	if q.MaxResults, err = normalizeMaxResults(q.MaxResults); err != nil {
		return err
	}
	switch st := strings.ToUpper(strings.TrimSpace(q.SearchType)); st {
	case SearchTypeDefault, SearchTypeHybrid, SearchTypeSemantic:
		q.SearchType = st
	default:
		return fmt.Errorf("search_type: %w: %q is not a search type; use %q (keyword and vector) or %q (vector only), or leave it empty for the backend's default",
			ErrInvalidArgument, q.SearchType, SearchTypeHybrid, SearchTypeSemantic)
	}
	ids := q.DataSourceIDs[:0:0]
	for _, id := range q.DataSourceIDs {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		ids = nil
	}
	q.DataSourceIDs = ids
	q.KnowledgeBaseID = strings.TrimSpace(q.KnowledgeBaseID)
	q.NextToken = strings.TrimSpace(q.NextToken)
	return nil
}

// Normalize validates q and fills its defaults in place, as [Query.Normalize]
// does for a search.
func (q *AskQuery) Normalize() error {
	text, err := normalizeText("question", q.Question)
	if err != nil {
		return err
	}
	q.Question = text
	if q.MaxResults, err = normalizeMaxResults(q.MaxResults); err != nil {
		return err
	}
	q.KnowledgeBaseID = strings.TrimSpace(q.KnowledgeBaseID)
	q.SessionID = strings.TrimSpace(q.SessionID)
	return nil
}

func normalizeText(name, text string) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", fmt.Errorf("%s: %w: must not be empty; say in a few words what to look for", name, ErrInvalidArgument)
	case !utf8.ValidString(text):
		return "", fmt.Errorf("%s: %w: is not valid UTF-8", name, ErrInvalidArgument)
	case len(text) > MaxQueryBytes:
		return "", fmt.Errorf("%s: %w: is %d bytes long, the limit is %d; shorten it to the key terms", name, ErrInvalidArgument, len(text), MaxQueryBytes)
	}
	return text, nil
}

func normalizeMaxResults(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultMaxResults, nil
	case n < 1 || n > MaxMaxResults:
		return 0, fmt.Errorf("max_results: %w: must be between 1 and %d (default %d), got %d", ErrInvalidArgument, MaxMaxResults, DefaultMaxResults, n)
	}
	return n, nil
}
