#!/usr/bin/env bash
# probe.sh BINARY PORT: a few hostile requests against `serve`, one line each.
bin=$1; port=$2
$bin serve --port $port >${TMPDIR:-/tmp}/serve-$port.log 2>&1 &
pid=$!
for i in $(seq 50); do curl -s -o /dev/null localhost:$port/healthz && break; sleep 0.2; done
u=http://127.0.0.1:$port/mcp
add='{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"simpleadd","arguments":{"a":1,"b":2}}}'
p() { curl -s -m 10 -o ${TMPDIR:-/tmp}/body -w '%{http_code} %{content_type}' -H 'Content-Type: application/json' "$@"; echo " $(head -c 220 ${TMPDIR:-/tmp}/body)"; }
for id in 1.5 9007199254740993 99999999999999999999999 '{}'; do echo -n "id $id: "; p $u -d "${add/ID/$id}"; done
echo -n "inf: "; p $u -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"simpleadd","arguments":{"a":1.7e308,"b":1.7e308}}}'
echo -n "/mcp/anything Host evil: "; p -H 'Host: evil.com' http://127.0.0.1:$port/mcp/anything -d "${add/ID/1}"
b=$(python3 -c "print('['+','.join(['{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":\"search_knowledge_base\",\"arguments\":{\"query\":\"server\",\"max_results\":100}}}'%i for i in range(200)])+']')")
echo -n "batch of 200 searches: "; curl -s -m 60 -o ${TMPDIR:-/tmp}/body -w '%{http_code} %{size_download} bytes' -H 'Content-Type: application/json' $u -d "$b"; echo " $(head -c 160 ${TMPDIR:-/tmp}/body)"
echo -n "dup ids: "; p $u -d "[${add/ID/1},${add/ID/1}]"
echo -n "proto x<y>: "; p -H 'MCP-Protocol-Version: x<y>' $u -d "${add/ID/1}"
echo "VmHWM: $(grep VmHWM /proc/$pid/status)"
kill $pid; wait $pid 2>/dev/null
