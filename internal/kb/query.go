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
	if err := normalizeCommon("query", &q.Text, &q.MaxResults, &q.SearchType, &q.DataSourceIDs, &q.KnowledgeBaseID); err != nil {
		return err
	}
	q.NextToken = strings.TrimSpace(q.NextToken)
	return nil
}

// Normalize validates q and fills its defaults in place, as [Query.Normalize]
// does for a search (SearchType and DataSourceIDs included).
func (q *AskQuery) Normalize() error {
	if err := normalizeCommon("question", &q.Question, &q.MaxResults, &q.SearchType, &q.DataSourceIDs, &q.KnowledgeBaseID); err != nil {
		return err
	}
	q.SessionID = strings.TrimSpace(q.SessionID)
	return nil
}

// normalizeCommon checks and normalizes the fields a search and a question
// share; argument names the text in errors ("query" or "question").
func normalizeCommon(argument string, text *string, maxResults *int, searchType *string, dataSourceIDs *[]string, knowledgeBaseID *string) error {
	t, err := normalizeText(argument, *text)
	if err != nil {
		return err
	}
	*text = t
	if *maxResults, err = normalizeMaxResults(*maxResults); err != nil {
		return err
	}
	if *searchType, err = normalizeSearchType(*searchType); err != nil {
		return err
	}
	*dataSourceIDs = normalizeIDs(*dataSourceIDs)
	*knowledgeBaseID = strings.TrimSpace(*knowledgeBaseID)
	return nil
}

// normalizeSearchType upper-cases st and checks it is a SearchType constant.
func normalizeSearchType(st string) (string, error) {
	switch norm := strings.ToUpper(strings.TrimSpace(st)); norm {
	case SearchTypeDefault, SearchTypeHybrid, SearchTypeSemantic:
		return norm, nil
	}
	return "", fmt.Errorf("search_type: %w: %q is not a search type; use %q (keyword and vector) or %q (vector only), or leave it empty for the backend's default",
		ErrInvalidArgument, st, SearchTypeHybrid, SearchTypeSemantic)
}

// normalizeIDs trims ids and drops the empty ones; none left is nil.
func normalizeIDs(ids []string) []string {
	out := ids[:0:0]
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
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
