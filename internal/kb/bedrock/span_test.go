package bedrock

import "testing"

func TestSpanBounds(t *testing.T) {
	const answer = "Rollback restores. Kangaroos hop."
	tests := []struct {
		name               string
		cited              string
		start, end         int
		wantStart, wantEnd int
	}{
		{"inclusive end", "Rollback restores.", 0, 17, 0, 18},
		{"exclusive end", "Rollback restores.", 0, 18, 0, 18},
		{"second sentence inclusive", "Kangaroos hop.", 19, 32, 19, 33},
		{"no cited text", "", 19, 33, 19, 33},
		{"past the end", "x", 30, 99, 30, 33},
		{"start past the end", "x", 50, 60, 33, 33},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e := spanBounds(answer, tt.cited, tt.start, tt.end)
			if s != tt.wantStart || e != tt.wantEnd {
				t.Errorf("spanBounds(%d, %d) = %d, %d; want %d, %d", tt.start, tt.end, s, e, tt.wantStart, tt.wantEnd)
			}
		})
	}
}
