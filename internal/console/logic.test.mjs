// Tests of the console page's logic (static/logic.mjs), run with Node's
// built-in test runner: node --test internal/console/logic.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import * as logic from "./static/logic.mjs";

test("credentialHeaders: the configured header, Bearer where the server expects it", () => {
  const cases = [
    [{ kind: "none" }, "k", {}],
    [{ kind: "api-key", header: "X-API-Key" }, "", {}],
    [{ kind: "api-key", header: "X-API-Key" }, "k1", { "X-API-Key": "k1" }],
    [{ kind: "api-key", header: "Authorization" }, "k2", { Authorization: "Bearer k2" }],
    [{ kind: "api-key", header: "authorization" }, "Bearer k3", { authorization: "Bearer k3" }],
    [{ kind: "jwt", header: "Authorization" }, "eyJ.a.b", { Authorization: "Bearer eyJ.a.b" }],
  ];
  for (const [auth, secret, want] of cases) {
    assert.deepEqual(logic.credentialHeaders(auth, secret), want, JSON.stringify([auth, secret]));
  }
});

test("parseRPCResponse: JSON, event streams with notifications first, and a missing answer", () => {
  const json = logic.parseRPCResponse("application/json", '{"jsonrpc":"2.0","id":3,"result":{"ok":true}}', 3);
  assert.deepEqual(json.result, { ok: true });
  const sse = [
    "event: message", 'data: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}', "",
    ": keep-alive", "",
    "event: message", 'data: {"jsonrpc":"2.0","id":4,"result":{"n":1}}', "", "",
  ].join("\n");
  assert.deepEqual(logic.parseRPCResponse("text/event-stream; charset=utf-8", sse, 4).result, { n: 1 });
  assert.throws(() => logic.parseRPCResponse("application/json", '{"jsonrpc":"2.0","id":9,"result":{}}', 4), /no response to request 4/);
});

test("httpErrorMessage: the server's own message for a refused key", () => {
  const body = '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid API key in X-API-Key"}}';
  assert.equal(logic.httpErrorMessage(401, body), "HTTP 401: invalid API key in X-API-Key");
  assert.equal(logic.httpErrorMessage(429, '{"error":"try again in 3 s"}'), "HTTP 429: try again in 3 s");
  assert.equal(logic.httpErrorMessage(502, "<html>Bad Gateway</html>"), "HTTP 502: <html>Bad Gateway</html>");
  assert.equal(logic.httpErrorMessage(500, ""), "HTTP 500");
});

test("isAuthRefusal: 401 always, 403 only for a JWT's scopes", () => {
  assert.equal(logic.isAuthRefusal(401, { kind: "api-key" }), true);
  assert.equal(logic.isAuthRefusal(403, { kind: "jwt" }), true);
  assert.equal(logic.isAuthRefusal(403, { kind: "api-key" }), false);
  assert.equal(logic.isAuthRefusal(403, { kind: "none" }), false);
  assert.equal(logic.isAuthRefusal(429, { kind: "jwt" }), false);
});

test("toolOutput: structured content, or the tool's error text", () => {
  assert.deepEqual(logic.toolOutput({ content: [], structuredContent: { a: 1 } }), { a: 1 });
  assert.throws(() => logic.toolOutput({ isError: true, content: [{ type: "text", text: "unknown knowledge base x" }] }), /unknown knowledge base x/);
});

test("queryTerms and highlight: query words, prefixes, case, no stopwords, regexp characters", () => {
  assert.deepEqual(logic.queryTerms("How to deploy to AWS?"), ["deploy", "aws"]);
  assert.deepEqual(logic.queryTerms("c++ (a.b)"), []);
  const segs = logic.highlight("Deploying to AWS: deploy.", ["deploy", "aws"]);
  assert.deepEqual(segs, [
    { text: "Deploying", match: true }, { text: " to ", match: false }, { text: "AWS", match: true },
    { text: ": ", match: false }, { text: "deploy", match: true }, { text: ".", match: false },
  ]);
  // A term inside a word does not match; regexp characters are literal.
  assert.ok(logic.highlight("redeploy", ["deploy"]).every((s) => !s.match));
  assert.deepEqual(logic.highlight("a.b", ["a.b"]), [{ text: "a.b", match: true }]);
  assert.deepEqual(logic.highlight("Ünïcode", ["ünï"]), [{ text: "Ünïcode", match: true }]);
});

test("excerpt: short text whole; long text cut around the first match with ellipses", () => {
  assert.equal(logic.excerpt("a  b\n c", ["b"]), "a b c");
  const long = "lorem ".repeat(100) + "the needle is here " + "ipsum ".repeat(100);
  const ex = logic.excerpt(long, ["needle"], 120);
  assert.ok(ex.startsWith("… ") && ex.endsWith(" …"), ex);
  assert.ok(ex.includes("needle"), ex);
  assert.ok(ex.length <= 124, `${ex.length}`);
});

test("plainText and inline: Markdown punctuation out of snippets, code spans kept apart", () => {
  assert.equal(logic.plainText("## Deploy\n```sh\ncd deploy\n```\n| a | b |\n|---|---|\n| 1 | 2 |\nsee [the docs](x.md) **now**"),
    "Deploy\n\ncd deploy\n\na · b;\n\n1 · 2;\nsee the docs now");
  assert.deepEqual(logic.inline("run `go test` and `open"), [
    { text: "run ", code: false }, { text: "go test", code: true }, { text: " and ", code: false }, { text: "`open", code: false },
  ]);
});

test("passageView: title, section path, page or slide, score, marked snippet, document link", () => {
  const v = logic.passageView({
    rank: 1, title: "Guide", uri: "guides/a b.pdf", knowledge_base_id: "docs", score: 12.3456,
    heading_path: ["Guide", "Install"], text: "Install the **tool** first.", page: 4,
    metadata: { team: "platform", tags: ["a", "b"], "x-amz-bedrock-kb-source-uri": "s3://x", title: "Guide" },
  }, ["install"]);
  assert.equal(v.title, "Guide");
  assert.equal(v.section, "Install");
  assert.equal(logic.sectionPath(["Guide"], "Guide"), "Guide");
  assert.equal(logic.sectionPath(["Tools", "`search` — find"], "Guide"), "Tools › search — find");
  assert.equal(v.location, "page 4");
  assert.equal(v.score, "12.3");
  assert.deepEqual(v.segments[0], { text: "Install", match: true });
  assert.equal(v.segments.map((s) => s.text).join(""), "Install the tool first.");
  assert.equal(v.href, "#doc?kb=docs&uri=guides%2Fa+b.pdf");
  assert.deepEqual(logic.parseDocumentHash(v.href), { kb: "docs", uri: "guides/a b.pdf" });
  assert.deepEqual(v.metadata, ["team: platform", "tags: a, b"]);
  assert.equal(logic.passageView({ uri: "s3://b/k/deck.pptx", text: "", metadata: { slide: 7 } }, []).location, "slide 7");
  assert.equal(logic.passageView({ uri: "s3://b/k/deck.pptx", text: "" }, []).title, "deck.pptx");
  assert.equal(logic.passageView({ uri: "x", text: "" }, []).location, "");
  assert.equal(logic.parseDocumentHash("#search"), null);
});

test("knowledgeBaseView: documents, passages, formats by count, last update", () => {
  const v = logic.knowledgeBaseView({
    id: "docs", name: "Docs", backend: "local", status: "ready", documents: 1234, chunks: 5678, size_bytes: 2 * 1024 * 1024,
    formats: { pdf: 2, markdown: 10, html: 2 }, updated_at: "2026-12-07T10:11:12Z",
  });
  assert.deepEqual(v.facts, [
    ["Documents", "1,234"], ["Passages", "5,678"], ["Text", "2.0 MiB"],
    ["Formats", "markdown 10, html 2, pdf 2"], ["Updated", "2026-12-07 10:11 UTC"],
  ]);
  assert.deepEqual(logic.knowledgeBaseView({ id: "x" }).facts, []);
});

test("buildFilter and searchArguments: rows to the tool's filter, raw JSON, clear errors", () => {
  assert.equal(logic.buildFilter([]), null);
  assert.equal(logic.buildFilter([{ key: "", op: "equals", value: "" }]), null);
  assert.deepEqual(logic.buildFilter([{ key: "team", op: "equals", value: "platform" }]), { equals: { key: "team", value: "platform" } });
  assert.deepEqual(logic.buildFilter([
    { key: "year", op: "greaterThanOrEquals", value: "2024" },
    { key: "type", op: "in", value: "guide, faq, 3" },
    { key: "draft", op: "equals", value: "false" },
    { key: "id", op: "startsWith", value: "007" },
  ]), { andAll: [
    { greaterThanOrEquals: { key: "year", value: 2024 } },
    { in: { key: "type", value: ["guide", "faq", 3] } },
    { equals: { key: "draft", value: false } },
    { startsWith: { key: "id", value: "007" } },
  ] });
  assert.throws(() => logic.buildFilter([{ key: "", op: "equals", value: "x" }]), /filter 1: name the metadata key/);
  assert.throws(() => logic.buildFilter([{ key: "a", op: "equals", value: "1" }, { key: "year", op: "lessThan", value: "soon" }]), /filter 2: lessThan needs a number, got "soon"/);
  assert.throws(() => logic.buildFilter([{ key: "a", op: "like", value: "x" }]), /unknown operator like/);

  assert.deepEqual(logic.searchArguments({ query: "  rotate key ", kb: "docs", maxResults: "5", rows: [] }),
    { query: "rotate key", knowledge_base_id: "docs", max_results: 5 });
  assert.deepEqual(logic.searchArguments({ query: "q", rows: [{ key: "a", op: "equals", value: "b" }], rawFilter: '{"equals":{"key":"x","value":1}}' }),
    { query: "q", filter: { equals: { key: "x", value: 1 } } });
  assert.throws(() => logic.searchArguments({ query: " " }), /type what to look for/);
  assert.throws(() => logic.searchArguments({ query: "q", maxResults: "500" }), /1 to 100/);
  assert.throws(() => logic.searchArguments({ query: "q", rawFilter: "{oops" }), /filter JSON/);
  assert.throws(() => logic.searchArguments({ query: "q", rawFilter: "[1]" }), /must be an object/);
});

test("documentBlocks: headings, lists, code, tables, paragraphs; text stays text", () => {
  const blocks = logic.documentBlocks("# Title\nintro line one\nline two\n\n- item <b>\n1. step\n\n```go\nfmt.Println(\"<x>\")\n```\n| h1 | h2 |\n|----|----|\n| a | b |\n## Next ##");
  assert.deepEqual(blocks, [
    { type: "h2", text: "Title" },
    { type: "p", text: "intro line one line two" },
    { type: "li", text: "item <b>" },
    { type: "li", text: "step" },
    { type: "pre", text: 'fmt.Println("<x>")' },
    { type: "table", rows: [["h1", "h2"], ["a", "b"]] },
    { type: "h3", text: "Next" },
  ]);
});

test("endpointURL: the public URL when set, else beside the page", () => {
  assert.equal(logic.endpointURL("https://kb.example.com/", "http://10.0.0.1:8080/"), "https://kb.example.com/mcp");
  assert.equal(logic.endpointURL("https://kb.example.com/team", "https://x/"), "https://kb.example.com/team/mcp");
  assert.equal(logic.endpointURL("", "https://kb.test:8443/?q=1#doc"), "https://kb.test:8443/mcp");
  assert.equal(logic.endpointURL("", "https://cdn.example/prefix/"), "https://cdn.example/prefix/mcp");
});

const url = "https://kb.example.com/mcp";
const byID = (configs) => Object.fromEntries(configs.map((c) => [c.id, c]));

test("clientConfigs without auth: every client, valid JSON, the URL in each", () => {
  const configs = logic.clientConfigs(url, { kind: "none" });
  assert.deepEqual(configs.map((c) => c.id), ["claude-desktop", "vscode", "cursor", "inspector", "agentcore", "curl"]);
  for (const c of configs) {
    assert.ok(c.text.includes(url), `${c.id} lacks the URL`);
    assert.ok(c.title && c.help, c.id);
    assert.ok(!/your (API key|token)|KNOWLEDGE_MCP_/.test(c.text), `${c.id} mentions a credential without auth`);
  }
  const c = byID(configs);
  assert.deepEqual(JSON.parse(c["claude-desktop"].text), { mcpServers: { knowledge: { command: "npx", args: ["-y", "mcp-remote", url] } } });
  assert.deepEqual(JSON.parse(c.vscode.text), { servers: { knowledge: { type: "http", url } } });
  assert.deepEqual(JSON.parse(c.cursor.text), { mcpServers: { knowledge: { url } } });
  assert.equal(c.inspector.text, `npx @modelcontextprotocol/inspector --cli '${url}' --transport http --method tools/list`);
  assert.match(c.agentcore.text, /create-gateway-target/);
  const target = c.agentcore.text.match(/--target-configuration '([^']+)'/)[1];
  assert.deepEqual(JSON.parse(target), { mcp: { mcpServer: { endpoint: url } } });
  const body = c.curl.text.match(/-d '([^']+)'/)[1];
  assert.equal(JSON.parse(body).params.name, "search_knowledge_base");
});

test("clientConfigs with an API key header: placeholders, never a key", () => {
  const c = byID(logic.clientConfigs(url, { kind: "api-key", header: "X-API-Key" }));
  const desktop = JSON.parse(c["claude-desktop"].text).mcpServers.knowledge;
  assert.deepEqual(desktop.args, ["-y", "mcp-remote", url, "--header", "X-API-Key:${KNOWLEDGE_MCP_API_KEY}"]);
  assert.deepEqual(desktop.env, { KNOWLEDGE_MCP_API_KEY: "your API key" });
  const vscode = JSON.parse(c.vscode.text);
  assert.deepEqual(vscode.servers.knowledge.headers, { "X-API-Key": "${input:knowledge-mcp-secret}" });
  assert.equal(vscode.inputs[0].password, true);
  assert.deepEqual(JSON.parse(c.cursor.text).mcpServers.knowledge.headers, { "X-API-Key": "${env:KNOWLEDGE_MCP_API_KEY}" });
  assert.match(c.inspector.text, /--header "X-API-Key: \$KNOWLEDGE_MCP_API_KEY"$/);
  assert.match(c.curl.text, /-H "X-API-Key: \$KNOWLEDGE_MCP_API_KEY"/);
  const creds = JSON.parse(c.agentcore.text.match(/--credential-provider-configurations '([^']+)'/)[1]);
  assert.deepEqual(creds, [{ credentialProviderType: "API_KEY", credentialProvider: { apiKeyCredentialProvider: {
    providerArn: "YOUR_API_KEY_PROVIDER_ARN", credentialLocation: "HEADER", credentialParameterName: "X-API-Key" } } }]);
});

test("clientConfigs with a bearer credential: Authorization: Bearer everywhere", () => {
  for (const auth of [{ kind: "jwt", header: "Authorization" }, { kind: "api-key", header: "Authorization" }]) {
    const c = byID(logic.clientConfigs(url, auth));
    const desktop = JSON.parse(c["claude-desktop"].text).mcpServers.knowledge;
    assert.equal(desktop.args.at(-1), "Authorization:${KNOWLEDGE_MCP_AUTH_HEADER}");
    assert.match(desktop.env.KNOWLEDGE_MCP_AUTH_HEADER, /^Bearer your /);
    assert.match(JSON.parse(c.vscode.text).servers.knowledge.headers.Authorization, /^Bearer \$\{input:/);
    assert.match(JSON.parse(c.cursor.text).mcpServers.knowledge.headers.Authorization, /^Bearer \$\{env:/);
    assert.match(c.curl.text, /-H "Authorization: Bearer \$KNOWLEDGE_MCP_/);
    const creds = JSON.parse(c.agentcore.text.match(/--credential-provider-configurations '([^']+)'/)[1]);
    if (auth.kind === "jwt") assert.equal(creds[0].credentialProviderType, "OAUTH");
    else assert.equal(creds[0].credentialProvider.apiKeyCredentialProvider.credentialPrefix, "Bearer ");
  }
});

test("clientConfigs quotes a URL with a quote for the shell", () => {
  const c = byID(logic.clientConfigs("https://kb.example.com/it's/mcp", { kind: "none" }));
  assert.match(c.curl.text, /curl -s 'https:\/\/kb\.example\.com\/it'\\''s\/mcp'/);
});

test("statusView: ready, not ready with the reason", () => {
  assert.deepEqual(logic.statusView({ status: "ready" }), { label: "Ready", tone: "ok", detail: "" });
  assert.deepEqual(logic.statusView({ status: "not ready", reason: "denied" }), { label: "Not ready", tone: "bad", detail: "denied" });
});
