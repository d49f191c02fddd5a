package kb_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

func TestQueryNormalize(t *testing.T) {
	tests := []struct {
		name    string
		in      kb.Query
		want    kb.Query
		wantErr string // substring; "" means success
	}{
		{name: "defaults", in: kb.Query{Text: "  deploy  "}, want: kb.Query{Text: "deploy", MaxResults: 5}},
		{name: "search type case", in: kb.Query{Text: "x", SearchType: " hybrid", MaxResults: 100}, want: kb.Query{Text: "x", SearchType: "HYBRID", MaxResults: 100}},
		{name: "semantic", in: kb.Query{Text: "x", SearchType: "SEMANTIC", MaxResults: 1}, want: kb.Query{Text: "x", SearchType: "SEMANTIC", MaxResults: 1}},
		{name: "data sources trimmed", in: kb.Query{Text: "x", DataSourceIDs: []string{" a ", "", "b"}}, want: kb.Query{Text: "x", MaxResults: 5, DataSourceIDs: []string{"a", "b"}}},
		{name: "only empty data sources", in: kb.Query{Text: "x", DataSourceIDs: []string{""}}, want: kb.Query{Text: "x", MaxResults: 5}},
		{name: "empty query", in: kb.Query{Text: " \t\n"}, wantErr: "query: invalid argument: must not be empty"},
		{name: "too long", in: kb.Query{Text: strings.Repeat("a", kb.MaxQueryBytes+1)}, wantErr: "query: invalid argument: is 4097 bytes long"},
		{name: "bad utf8", in: kb.Query{Text: "a\xffb"}, wantErr: "not valid UTF-8"},
		{name: "max results high", in: kb.Query{Text: "x", MaxResults: 101}, wantErr: "max_results: invalid argument: must be between 1 and 100 (default 5), got 101"},
		{name: "max results negative", in: kb.Query{Text: "x", MaxResults: -3}, wantErr: "got -3"},
		{name: "search type", in: kb.Query{Text: "x", SearchType: "fuzzy"}, wantErr: `search_type: invalid argument: "fuzzy" is not a search type`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.in
			err := q.Normalize()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, kb.ErrInvalidArgument) {
					t.Fatalf("error %v; want ErrInvalidArgument containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.Text != tc.want.Text || q.MaxResults != tc.want.MaxResults || q.SearchType != tc.want.SearchType ||
				strings.Join(q.DataSourceIDs, ",") != strings.Join(tc.want.DataSourceIDs, ",") || (q.DataSourceIDs == nil) != (tc.want.DataSourceIDs == nil) {
				t.Errorf("got %+v; want %+v", q, tc.want)
			}
			again := q
			if err := again.Normalize(); err != nil || again.Text != q.Text || again.MaxResults != q.MaxResults {
				t.Errorf("Normalize is not idempotent: %+v, %v", again, err)
			}
		})
	}
}

func TestAskQueryNormalize(t *testing.T) {
	q := kb.AskQuery{Question: " why? ", SessionID: " s1 ", SearchType: " semantic ", DataSourceIDs: []string{" ds1 ", "", " "}}
	if err := q.Normalize(); err != nil {
		t.Fatal(err)
	}
	if q.Question != "why?" || q.MaxResults != kb.DefaultMaxResults || q.SessionID != "s1" || q.SearchType != kb.SearchTypeSemantic || !slices.Equal(q.DataSourceIDs, []string{"ds1"}) {
		t.Errorf("got %+v", q)
	}
	empty := kb.AskQuery{Question: "x", DataSourceIDs: []string{" "}}
	if err := empty.Normalize(); err != nil || empty.DataSourceIDs != nil {
		t.Errorf("blank data source ids: %v, %q; want nil", err, empty.DataSourceIDs)
	}
	for _, bad := range []kb.AskQuery{{Question: ""}, {Question: "x", MaxResults: 101}, {Question: "x", SearchType: "FUZZY"}} {
		if err := bad.Normalize(); !errors.Is(err, kb.ErrInvalidArgument) {
			t.Errorf("Normalize(%+v) = %v; want ErrInvalidArgument", bad, err)
		}
	}
}
