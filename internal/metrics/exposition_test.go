package metrics

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/knowledge-mcp/knowledge-mcp/internal/kb"
)

// recorder is what the HTTP edge and the backends call.
type recorder interface {
	ObserveHTTP(route, method, code string, d time.Duration)
	ObserveMCP(method, tool, outcome string, d time.Duration)
	InFlight(delta float64)
	AuthFailure(reason string)
	Limited(limit string)
	OriginRejected(check string)
	ObserveBackendCall(backend, operation string, d time.Duration, err error)
}

// script makes the same observations on any recorder, label values that
// need escaping included.
func script(r recorder) {
	for _, d := range []time.Duration{300 * time.Microsecond, 2 * time.Millisecond, 40 * time.Millisecond, 90 * time.Second, time.Millisecond, 0} {
		r.ObserveHTTP("mcp", "POST", "200", d)
		r.ObserveMCP("tools/call", "simpleadd", "ok", d)
	}
	r.ObserveHTTP("healthz", "GET", "200", time.Millisecond)
	r.ObserveHTTP("mcp", "POST", "401", 5*time.Millisecond)
	r.ObserveMCP("initialize", "", "unauthorized", 5*time.Millisecond)
	r.ObserveMCP("tools/call", `we"ird\name`+"\nx", "tool_error", 2500*time.Microsecond)
	r.InFlight(1)
	r.InFlight(1)
	r.InFlight(-1)
	r.AuthFailure("missing")
	r.AuthFailure("expired")
	r.AuthFailure("missing")
	r.Limited("rate")
	r.ObserveBackendCall("local", "search", 3*time.Millisecond, nil)
	r.ObserveBackendCall("local", "search", 30*time.Millisecond, kb.ErrNotFound)
	r.ObserveBackendCall("bedrock", "ask", 12*time.Second, kb.ErrPermission)
	r.ObserveBackendCall("local", "ready", time.Microsecond, nil) // a sum of 1e-06
}

// reference is the same metrics on client_golang, the library this
// package replaced in the binary.
type reference struct {
	reg        *prometheus.Registry
	counters   map[string]*prometheus.CounterVec
	histograms map[string]*prometheus.HistogramVec
	inFlight   prometheus.Gauge
}

func newReference(families []writer) *reference {
	r := &reference{reg: prometheus.NewRegistry(), counters: map[string]*prometheus.CounterVec{}, histograms: map[string]*prometheus.HistogramVec{}}
	for _, f := range families {
		switch f := f.(type) {
		case *family[counter]:
			r.counters[f.name] = prometheus.NewCounterVec(prometheus.CounterOpts{Name: f.name, Help: f.help}, f.labels)
			r.reg.MustRegister(r.counters[f.name])
		case *family[histogram]:
			r.histograms[f.name] = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: f.name, Help: f.help, Buckets: latencyBuckets}, f.labels)
			r.reg.MustRegister(r.histograms[f.name])
		case *family[gauge]:
			r.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{Name: f.name, Help: f.help})
			r.reg.MustRegister(r.inFlight)
		}
	}
	return r
}

func (r *reference) ObserveHTTP(route, method, code string, d time.Duration) {
	r.counters["knowledge_mcp_http_requests_total"].WithLabelValues(route, method, code).Inc()
	r.histograms["knowledge_mcp_http_request_duration_seconds"].WithLabelValues(route).Observe(d.Seconds())
}
func (r *reference) ObserveMCP(method, tool, outcome string, d time.Duration) {
	r.counters["knowledge_mcp_mcp_requests_total"].WithLabelValues(method, tool, outcome).Inc()
	r.histograms["knowledge_mcp_mcp_request_duration_seconds"].WithLabelValues(method, tool).Observe(d.Seconds())
}
func (r *reference) InFlight(delta float64) { r.inFlight.Add(delta) }
func (r *reference) AuthFailure(reason string) {
	r.counters["knowledge_mcp_auth_failures_total"].WithLabelValues(reason).Inc()
}
func (r *reference) Limited(limit string) {
	r.counters["knowledge_mcp_rate_limited_total"].WithLabelValues(limit).Inc()
}
func (r *reference) OriginRejected(check string) {
	r.counters["knowledge_mcp_origin_rejections_total"].WithLabelValues(check).Inc()
}
func (r *reference) ObserveBackendCall(backend, operation string, d time.Duration, err error) {
	r.counters["knowledge_mcp_backend_calls_total"].WithLabelValues(backend, operation, Outcome(err)).Inc()
	r.histograms["knowledge_mcp_backend_call_duration_seconds"].WithLabelValues(backend, operation).Observe(d.Seconds())
}

// TestExpositionMatchesClientGolang makes the same observations here and
// on client_golang and wants the same bytes for every knowledge_mcp_
// family: scrapers, dashboards and the edge tests see what they saw
// before the client left the binary.
func TestExpositionMatchesClientGolang(t *testing.T) {
	ours := New()
	script(ours)
	var got bytes.Buffer
	if _, err := ours.WriteTo(&got); err != nil {
		t.Fatal(err)
	}
	ref := newReference(ours.families)
	script(ref)
	families, err := ref.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	enc := expfmt.NewEncoder(&want, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range families {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	if g, w := namespaced(got.String()), want.String(); g != w {
		t.Errorf("exposition differs from client_golang's\n--- ours\n%s\n--- client_golang\n%s", g, w)
	}
	if !strings.Contains(want.String(), `tool="we\"ird\\name\nx"`) {
		t.Errorf("the script lost its escaped label value")
	}
}

// namespaced keeps the lines of knowledge_mcp_ families.
func namespaced(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if strings.Contains(line, " "+Namespace+"_") || strings.HasPrefix(line, Namespace+"_") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestRuntimeFamilies: the go_* and process_* families are those of
// client_golang's Go and process collectors, with the same types, help
// texts and series, the whole exposition parses with the reference
// parser, and values the process can check are plausible. The process
// families come from /proc: on other systems only go_* is compared.
func TestRuntimeFamilies(t *testing.T) {
	linux := runtime.GOOS == "linux"
	var got bytes.Buffer
	if _, err := New().WriteTo(&got); err != nil {
		t.Fatal(err)
	}
	ours := parse(t, got.Bytes())
	ref := prometheus.NewRegistry()
	ref.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	theirs, err := ref.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range theirs {
		if !linux && strings.HasPrefix(mf.GetName(), "process_") {
			continue
		}
		o, ok := ours[mf.GetName()]
		if !ok {
			t.Errorf("family %s missing", mf.GetName())
			continue
		}
		if o.GetType() != mf.GetType() || o.GetHelp() != mf.GetHelp() || len(o.Metric) != len(mf.Metric) {
			t.Errorf("family %s: %v %q, %d series; client_golang: %v %q, %d", mf.GetName(), o.GetType(), o.GetHelp(), len(o.Metric), mf.GetType(), mf.GetHelp(), len(mf.Metric))
		}
		delete(ours, mf.GetName())
	}
	for name := range ours {
		if !strings.HasPrefix(name, Namespace+"_") {
			t.Errorf("family %s is not one of client_golang's", name)
		}
	}
	all := parse(t, got.Bytes())
	now := float64(time.Now().Unix())
	for _, tc := range []struct {
		name     string
		min, max float64
	}{
		{"go_goroutines", 1, 1e6},
		{"go_threads", 1, 1e6},
		{"go_memstats_heap_alloc_bytes", 1, 1e12},
		{"go_sched_gomaxprocs_threads", 1, 1e4},
		{"process_resident_memory_bytes", 1 << 20, 1e12},
		{"process_open_fds", 3, 1e6},
		{"process_max_fds", 3, 1e20},
		{"process_cpu_seconds_total", 0.000001, 1e6},
		{"process_start_time_seconds", now - 3600, now + 1},
	} {
		if !linux && strings.HasPrefix(tc.name, "process_") {
			continue
		}
		mf, ok := all[tc.name]
		if !ok || len(mf.Metric) != 1 {
			t.Errorf("%s missing", tc.name)
			continue
		}
		v := mf.Metric[0].GetGauge().GetValue() + mf.Metric[0].GetCounter().GetValue()
		if v < tc.min || v > tc.max {
			t.Errorf("%s = %v, want within [%v, %v]", tc.name, v, tc.min, tc.max)
		}
	}
}

func parse(t *testing.T, b []byte) map[string]*dto.MetricFamily {
	t.Helper()
	parser := expfmt.NewTextParser(model.LegacyValidation)
	m, err := parser.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the exposition does not parse: %v\n%s", err, b)
	}
	return m
}

// TestHandler serves the text format, gzipped when asked for.
func TestHandler(t *testing.T) {
	reg := New()
	reg.AuthFailure("missing")
	for _, tc := range []struct {
		acceptEncoding string
		gzipped        bool
	}{
		{"", false},
		{"gzip", true},
		{"br, gzip;q=0.5", true},
		{"gzip;q=0", false},
		{"identity", false},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/metrics", nil)
		if tc.acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", tc.acceptEncoding)
		}
		reg.Handler().ServeHTTP(rec, req)
		if ct := rec.Header().Get("Content-Type"); ct != contentType {
			t.Errorf("%q: Content-Type %q", tc.acceptEncoding, ct)
		}
		var body io.Reader = rec.Body
		if gz := rec.Header().Get("Content-Encoding") == "gzip"; gz != tc.gzipped {
			t.Fatalf("%q: gzipped = %v, want %v", tc.acceptEncoding, gz, tc.gzipped)
		} else if gz {
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `knowledge_mcp_auth_failures_total{reason="missing"} 1`+"\n") {
			t.Errorf("%q: body lacks the counter:\n%s", tc.acceptEncoding, b)
		}
	}
}

// BenchmarkObserve is what the edge records per MCP request, here and on
// client_golang (b.N requests on GOMAXPROCS goroutines).
func BenchmarkObserve(b *testing.B) {
	ours := New()
	for name, r := range map[string]recorder{"ours": ours, "client_golang": newReference(ours.families)} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r.InFlight(1)
					r.ObserveHTTP("mcp", "POST", "200", time.Millisecond)
					r.ObserveMCP("tools/call", "simpleadd", "ok", time.Millisecond)
					r.InFlight(-1)
				}
			})
		})
	}
}

// TestConcurrentUse records from many goroutines while scraping (run it
// with -race) and loses no observation.
func TestConcurrentUse(t *testing.T) {
	reg := New()
	const workers, each = 8, 500
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			reg.WriteTo(io.Discard)
		}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				reg.InFlight(1)
				reg.ObserveHTTP("mcp", "POST", []string{"200", "400"}[(w+i)%2], time.Millisecond)
				reg.InFlight(-1)
			}
		})
	}
	wg.Wait()
	<-done
	total := counterValue(reg.httpRequests, "mcp", "POST", "200") + counterValue(reg.httpRequests, "mcp", "POST", "400")
	h := reg.httpDuration.get("mcp")
	var observed uint64
	for i := range h.counts {
		observed += h.counts[i].Load()
	}
	if total != workers*each || observed != workers*each || reg.inFlight.value() != 0 {
		t.Errorf("counted %v requests, observed %d durations, in flight %v; want %d, %d, 0", total, observed, reg.inFlight.value(), workers*each, workers*each)
	}
	if got, want := h.sum.value(), float64(workers*each)*0.001; got < want*0.999 || got > want*1.001 {
		t.Errorf("duration sum %v, want %v", got, want)
	}
}

// get returns the series of the label values, or nil.
func (f *family[S]) get(values ...string) *S {
	var lv labelValues
	copy(lv[:], values)
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.series[lv]
}
