package kbtest

import "testing"

func TestSameValue(t *testing.T) {
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"int and float", 3, 3.0, true},
		{"string vs number", "2", 2, false},
		{"strings differ by case", "Bird", "bird", false},
		{"bool", true, true, true},
		{"string list vs any list", []string{"a", "b"}, []any{"a", "b"}, true},
		{"list order matters", []any{"a", "b"}, []any{"b", "a"}, false},
		{"nil vs missing value", nil, "x", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameValue(tc.a, tc.b); got != tc.want {
				t.Errorf("sameValue(%#v, %#v) = %v; want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}
