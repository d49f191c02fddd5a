#!/usr/bin/env bash
# Checks that third_party/go-sdk is go-sdk v1.8.0 exactly, except for the
# patch documented in third_party/go-sdk/PATCH.md.
set -euo pipefail
cd "$(dirname "$0")/.."
version=v1.8.0
upstream=$(go mod download -json "github.com/modelcontextprotocol/go-sdk@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$upstream" ] || { echo "cannot download go-sdk $version" >&2; exit 1; }
expected="Files $upstream/internal/json/json.go and third_party/go-sdk/internal/json/json.go differ
Files $upstream/internal/jsonrpc2/conn.go and third_party/go-sdk/internal/jsonrpc2/conn.go differ
Only in third_party/go-sdk: PATCH.md
Only in third_party/go-sdk/internal/json: testdata
Only in third_party/go-sdk/internal/json: unmarshal_patch_test.go
Only in third_party/go-sdk/internal/jsonrpc2: growstack.go
Only in third_party/go-sdk/internal/jsonrpc2: growstack_patch_test.go
Only in third_party/go-sdk/mcp: growstack_patch_test.go
Files $upstream/mcp/transport.go and third_party/go-sdk/mcp/transport.go differ
Only in third_party/go-sdk/mcp: batch_patch.go
Only in third_party/go-sdk/mcp: batch_patch_test.go
Files $upstream/internal/jsonrpc2/messages.go and third_party/go-sdk/internal/jsonrpc2/messages.go differ
Only in third_party/go-sdk/internal/jsonrpc2: compact_patch.go
Only in third_party/go-sdk/internal/jsonrpc2: compact_patch_test.go
Files $upstream/mcp/streamable.go and third_party/go-sdk/mcp/streamable.go differ
Only in third_party/go-sdk/mcp: lastevent_patch.go
Only in third_party/go-sdk/mcp: lastevent_patch_test.go
Only in third_party/go-sdk/internal/jsonrpc2: encodefail_patch.go
Only in third_party/go-sdk/mcp: encodefail_patch_test.go
Only in third_party/go-sdk/internal/jsonrpc2: id_patch.go
Only in third_party/go-sdk/internal/jsonrpc2: id_patch_test.go"
actual=$(diff -rq "$upstream" third_party/go-sdk | sort || true)
if [ "$actual" != "$(echo "$expected" | sort)" ]; then
  echo "third_party/go-sdk differs from go-sdk $version beyond the documented patch:"
  diff <(echo "$expected" | sort) <(echo "$actual") || true
  exit 1
fi
echo "third_party/go-sdk = go-sdk $version + the patch in PATCH.md"
