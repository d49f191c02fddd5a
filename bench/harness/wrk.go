package harness

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// WrkResult is what one wrk run reports.
type WrkResult struct {
	// RPS is the throughput ("Requests/sec").
	RPS float64 `json:"rps"`
	// Requests is the number of completed requests.
	Requests int64 `json:"requests"`
	// P50 and P99 are latency percentiles from --latency.
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	// Non2xx counts responses with a status outside 2xx and 3xx.
	Non2xx int64 `json:"non_2xx"`
	// SocketErrors sums connect, read, write and timeout errors.
	SocketErrors int64 `json:"socket_errors"`
}

// ParseWrk reads the text wrk prints when run with --latency.
func ParseWrk(out string) (WrkResult, error) {
	var r WrkResult
	var haveRPS, haveP50, haveP99, haveRequests bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		fields := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "Requests/sec:") && len(fields) == 2:
			v, err := strconv.ParseFloat(fields[1], 64)
			if err != nil {
				return r, fmt.Errorf("wrk output: Requests/sec %q: %w", fields[1], err)
			}
			r.RPS, haveRPS = v, true
		case (strings.HasPrefix(line, "50%") || strings.HasPrefix(line, "99%")) && len(fields) == 2:
			d, err := ParseWrkDuration(fields[1])
			if err != nil {
				return r, fmt.Errorf("wrk output: latency %s: %w", fields[0], err)
			}
			if fields[0] == "50%" {
				r.P50, haveP50 = d, true
			} else {
				r.P99, haveP99 = d, true
			}
		case len(fields) >= 4 && fields[1] == "requests" && fields[2] == "in":
			n, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil {
				return r, fmt.Errorf("wrk output: request count %q: %w", fields[0], err)
			}
			r.Requests, haveRequests = n, true
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:") && len(fields) == 5:
			n, err := strconv.ParseInt(fields[4], 10, 64)
			if err != nil {
				return r, fmt.Errorf("wrk output: non-2xx count %q: %w", fields[4], err)
			}
			r.Non2xx = n
		case strings.HasPrefix(line, "Socket errors:"):
			n, err := parseSocketErrors(strings.TrimPrefix(line, "Socket errors:"))
			if err != nil {
				return r, fmt.Errorf("wrk output: %q: %w", line, err)
			}
			r.SocketErrors = n
		}
	}
	var missing []string
	for name, ok := range map[string]bool{"Requests/sec": haveRPS, "50% latency (run wrk with --latency)": haveP50,
		"99% latency (run wrk with --latency)": haveP99, "request count": haveRequests} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return r, fmt.Errorf("wrk output lacks %s", strings.Join(missing, ", "))
	}
	return r, nil
}

// parseSocketErrors sums "connect 0, read 1, write 0, timeout 2".
func parseSocketErrors(s string) (int64, error) {
	var total int64
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		if len(f) != 2 {
			return 0, fmt.Errorf("unexpected socket error entry %q", part)
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("socket error count %q: %w", f[1], err)
		}
		total += n
	}
	return total, nil
}

// ParseWrkDuration parses wrk's durations: a number with the unit us, ms, s,
// m or h ("361.00us", "6.28ms", "1.02s", "2.00m").
func ParseWrkDuration(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}}
	for _, u := range units {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		return time.Duration(v * float64(u.unit)), nil
	}
	return 0, fmt.Errorf("bad duration %q: no unit us, ms, s, m or h", s)
}

// WrkScript returns the Lua script that makes wrk POST body as JSON with
// the given Accept header (none when empty).
func WrkScript(body, accept string) string {
	s := "wrk.method = \"POST\"\n" +
		"wrk.body = " + luaString(body) + "\n" +
		"wrk.headers[\"Content-Type\"] = \"application/json\"\n"
	if accept != "" {
		s += "wrk.headers[\"Accept\"] = " + luaString(accept) + "\n"
	}
	return s
}

// WrkScriptRotating returns a wrk script that POSTs the bodies in turn, one
// per request (each wrk thread cycles through all of them from its own
// starting point), with the given Accept header (none when empty).
func WrkScriptRotating(bodies []string, accept string) string {
	if len(bodies) == 1 {
		return WrkScript(bodies[0], accept)
	}
	var b strings.Builder
	b.WriteString(WrkScript("", accept))
	b.WriteString("local bodies = {\n")
	for _, body := range bodies {
		b.WriteString("  " + luaString(body) + ",\n")
	}
	b.WriteString("}\nlocal i = 0\n")
	b.WriteString("function init(args) i = math.random(#bodies) end\n")
	b.WriteString("function request()\n  i = i % #bodies + 1\n  return wrk.format(nil, nil, nil, bodies[i])\nend\n")
	return b.String()
}

// luaString quotes s as a Lua string literal.
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
