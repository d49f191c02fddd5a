package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestContextArgs(t *testing.T) {
	tests := []struct {
		args    []string
		want    map[string]any
		wantErr string
	}{
		{nil, map[string]any{}, ""},
		{[]string{"-c", "region=us-east-1", "--context", "gateway=true"}, map[string]any{"region": "us-east-1", "gateway": "true"}, ""},
		{[]string{"-c", "corsOrigins=https://a.example,https://b.example"}, map[string]any{"corsOrigins": "https://a.example,https://b.example"}, ""},
		{[]string{"-c", "x=a=b"}, map[string]any{"x": "a=b"}, ""},
		{[]string{"region=us-east-1"}, nil, "unexpected argument"},
		{[]string{"-c"}, nil, "needs key=value"},
		{[]string{"-c", "novalue"}, nil, "want key=value"},
		{[]string{"-c", "=v"}, nil, "want key=value"},
	}
	for _, tc := range tests {
		got, err := contextArgs(tc.args)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("contextArgs(%q) error %v, want %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("contextArgs(%q) = %v, %v; want %v", tc.args, got, err, tc.want)
		}
	}
}
