package httpserver

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// rootStatus is what GET / answers a program: the facts of /readyz and what
// the server is, nothing secret. It is 200 even when the backend is not
// ready: / is where load balancers probe by default, and a probe there must
// not have the task killed for a backend problem (/readyz reports that).
type rootStatus struct {
	Service string `json:"service"`
	Version string `json:"version,omitempty"`
	Backend string `json:"backend,omitempty"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	MCP     string `json:"mcp"`
}

// root serves /: the console to a browser (when there is one), the status
// JSON to anything else, health checkers first.
func (h *handler) root(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Accept")
	if h.opts.Console != nil && prefersHTML(r.Header.Values("Accept")) {
		h.opts.Console.ServeHTTP(w, r)
		return
	}
	st := rootStatus{Service: "knowledge-mcp", Version: h.opts.Version, Backend: h.opts.Backend, Status: "ready", MCP: Path}
	if h.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := h.opts.Ready(ctx); err != nil {
			st.Status, st.Reason = "not ready", err.Error()
		}
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	writeJSON(w, http.StatusOK, st)
}

// prefersHTML reports whether an Accept header asks for a web page: it
// names text/html (or XHTML) explicitly, with a quality at least that of
// JSON. A browser navigating does; curl (*/*), fetch() defaults, health
// checkers (no Accept) and JSON clients do not.
func prefersHTML(accept []string) bool {
	html, json := -1.0, -1.0
	for _, v := range accept {
		for part := range strings.SplitSeq(v, ",") {
			media, params, _ := strings.Cut(part, ";")
			q := quality(params)
			switch strings.ToLower(strings.TrimSpace(media)) {
			case "text/html", "application/xhtml+xml":
				html = max(html, q)
			case "application/json":
				json = max(json, q)
			}
		}
	}
	return html > 0 && html >= json
}

// quality returns the q parameter of a media range (1 when absent or bad).
func quality(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || q < 0 || q > 1 {
				return 1
			}
			return q
		}
	}
	return 1
}
