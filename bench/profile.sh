#!/usr/bin/env bash
# Profiles knowledge-mcp serve under wrk load: CPU and allocations while it
# answers the simpleadd tools/call, then prints the top of each profile.
#
#   bash bench/profile.sh [accept]   accept defaults to application/json
#   BODY='{"jsonrpc":…}' KB=/tmp/li/data/default.kbi bash bench/profile.sh
#                                    another request; the server's own env (KB, …) passes through
#
# Profiles land in bench/results/tmp/profile/ (cpu.pprof, allocs.pprof and the
# binary); explore them with `go tool pprof -http=127.0.0.1:0 BIN PROFILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "bench/profile.sh: wrk is missing; bash bench/run.sh installs it" >&2; exit 1; }
accept=${1:-application/json}
body=${BODY:-}
[ -n "$body" ] || body='{"jsonrpc":"2.0","id":"test-1","method":"tools/call","params":{"name":"simpleadd","arguments":{"a":10,"b":20}}}'
out=bench/results/tmp/profile
mkdir -p "$out"
CGO_ENABLED=0 go build -tags pprof -o "$out/knowledge-mcp" ./cmd/knowledge-mcp
port=18931 pport=18932
HOST=127.0.0.1 PORT=$port PPROF_ADDR=127.0.0.1:$pport "$out/knowledge-mcp" serve 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
cat > "$out/request.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "$accept"
LUA
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
url=http://127.0.0.1:$port/mcp
wrk -t2 -c32 -d3s -s "$out/request.lua" "$url" >/dev/null
wrk -t2 -c32 -d16s --latency -s "$out/request.lua" "$url" > "$out/wrk.txt" &
wrkpid=$!
sleep 2
curl -fs -o "$out/cpu.pprof" "http://127.0.0.1:$pport/debug/pprof/profile?seconds=10"
curl -fs -o "$out/allocs.pprof" "http://127.0.0.1:$pport/debug/pprof/allocs?seconds=3"
wait $wrkpid
grep -E "Requests/sec|50%|99%" "$out/wrk.txt"
if grep -q "Non-2xx" "$out/wrk.txt"; then
  echo "bench/profile.sh: the server answered errors: $(curl -s -X POST "$url" -H 'Content-Type: application/json' -H "Accept: $accept" -d "$body" | head -c 300)" >&2
  exit 1
fi
go tool pprof -top -cum "$out/knowledge-mcp" "$out/cpu.pprof" 2>/dev/null | head -45
go tool pprof -sample_index=alloc_space -top "$out/knowledge-mcp" "$out/allocs.pprof" 2>/dev/null | head -25
