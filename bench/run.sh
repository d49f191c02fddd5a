#!/usr/bin/env bash
# Reruns the MCP server benchmark and rewrites its section of BENCHMARKS.md.
#
#   bash bench/run.sh [benchrun flags]     e.g. -rounds 5, -only raw,knowledge-mcp
#
# Installs wrk (Debian) when missing, builds every contender (stripped, CGO
# off), installs the TypeScript SDK server from its lockfile, then runs
# bench/cmd/benchrun: cold starts, idle RSS, a warm-up, and alternating rounds
# of wrk at 32 and 4 connections, everything on 127.0.0.1.
# Results: BENCHMARKS.md (generated section), bench/results/mcp-server.{json,md},
# raw wrk output in bench/results/tmp/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if ! command -v wrk >/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk
fi
command -v node >/dev/null || { echo "bench/run.sh: node is required for the TypeScript SDK contender" >&2; exit 1; }

bin=bench/results/tmp/bin
mkdir -p "$bin"
export CGO_ENABLED=0
flags=(-trimpath -ldflags="-s -w")
echo "building contenders into $bin"
go build "${flags[@]}" -o "$bin/knowledge-mcp" ./cmd/knowledge-mcp
go build "${flags[@]}" -o "$bin/rawserver" ./bench/cmd/rawserver
go build -o "$bin/benchrun" ./bench/cmd/benchrun
(cd bench/gosdk && go build "${flags[@]}" -o "$root/$bin/gosdk" . \
  && go build "${flags[@]}" -modfile=go.patched.mod -o "$root/$bin/gosdk-patched" .)
(cd bench/ts && npm ci --no-audit --no-fund --loglevel=error)

"$bin/benchrun" -bin "$bin" "$@"
