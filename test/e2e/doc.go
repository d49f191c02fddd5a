// Package e2e proves knowledge-mcp against real parts on one machine: the
// real binary over real HTTP, driven by the MCP TypeScript SDK client, MCP
// Inspector's CLI, the official MCP conformance suite, `knowledge-mcp
// verify` and headless Chromium, through nginx standing in for CloudFront and
// an ALB (TLS termination, round-robin over replicas, passive health checks,
// the origin-verify header, X-Forwarded-Proto), with replicas drained and
// killed under load.
//
// The tests carry the build tag e2e, so that plain `go test ./...` stays
// fast and needs no external tools. Run them with test/e2e/run.sh, after
// test/e2e/setup.sh has installed nginx, Chromium and the npm packages. A
// missing tool fails the run with a message naming the setup step; nothing
// is skipped silently. See README.md in this folder.
package e2e
