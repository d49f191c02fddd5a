package bedrock

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime/types"
)

// A chunk's page number, which Bedrock gives PDF chunks as metadata, is
// the result's page, as the local index gives its own.
func TestToResultPage(t *testing.T) {
	loc := &types.RetrievalResultLocation{Type: types.RetrievalResultLocationTypeS3, S3Location: &types.RetrievalResultS3Location{Uri: aws.String("s3://b/manual.pdf")}}
	tests := []struct {
		name string
		page any
		want int
	}{
		{"page number", 12, 12},
		{"no page", nil, 0},
		{"not a whole number", 1.5, 0},
		{"zero", 0, 0},
		{"a string", "3", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta := map[string]document.Interface{}
			if tt.page != nil {
				meta[PageNumberKey] = document.NewLazyDocument(tt.page)
			}
			r := toResult("KB1", &types.RetrievalResultContent{Text: aws.String("x")}, loc, meta, aws.Float64(0.5))
			if r.Page != tt.want {
				t.Errorf("page %d, want %d", r.Page, tt.want)
			}
		})
	}
}
