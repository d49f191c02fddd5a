// ts-client.mjs drives a knowledge-mcp endpoint with the official MCP
// TypeScript SDK client (StreamableHTTPClientTransport) and prints, as one
// JSON object on stdout, what it saw. The Go test asserts on that report, so
// this script judges nothing itself beyond "the SDK call did not throw".
//
// Usage: node ts-client.mjs URL basic|full [calls]
//   basic: initialize, tools/list, simpleadd(10, 20)
//   full:  basic, then list_knowledge_bases, search_knowledge_base, a
//          resources/read of the first hit's resource_uri, and `calls`
//          further simpleadd calls (each on a fresh HTTP request, so that a
//          load balancer can spread them over replicas)
// For https with a test certificate, set NODE_EXTRA_CA_CERTS.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, mode = "basic", callsArg = "0", query = "knowledge base search"] = process.argv.slice(2);
if (!url || !["basic", "full"].includes(mode)) {
  console.error("usage: node ts-client.mjs URL basic|full [calls] [query]");
  process.exit(2);
}

const report = { url, mode, steps: [] };
const step = async (name, fn) => {
  const started = performance.now();
  try {
    const result = await fn();
    report.steps.push({ name, ok: true, ms: Math.round(performance.now() - started) });
    return result;
  } catch (err) {
    report.steps.push({ name, ok: false, error: String(err?.stack ?? err) });
    throw err;
  }
};

const client = new Client({ name: "knowledge-mcp-e2e-ts", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(new URL(url));
let exitCode = 0;
try {
  await step("connect", () => client.connect(transport));
  report.serverInfo = client.getServerVersion();
  report.protocolVersion = transport.protocolVersion ?? null;
  report.sessionId = transport.sessionId ?? null;

  const tools = await step("tools/list", () => client.listTools());
  report.tools = tools.tools.map((t) => ({
    name: t.name,
    hasDescription: typeof t.description === "string" && t.description.length > 0,
    readOnly: t.annotations?.readOnlyHint === true,
  }));

  const add = await step("simpleadd", () =>
    client.callTool({ name: "simpleadd", arguments: { a: 10, b: 20 } }));
  report.simpleadd = {
    isError: add.isError === true,
    text: add.content?.find((c) => c.type === "text")?.text ?? null,
    structured: add.structuredContent ?? null,
  };

  if (mode === "full") {
    const list = await step("list_knowledge_bases", () =>
      client.callTool({ name: "list_knowledge_bases", arguments: {} }));
    report.knowledgeBases = { isError: list.isError === true, structured: list.structuredContent ?? null };

    const search = await step("search_knowledge_base", () =>
      client.callTool({ name: "search_knowledge_base", arguments: { query, max_results: 3 } }));
    const results = search.structuredContent?.results ?? [];
    report.search = {
      isError: search.isError === true,
      count: results.length,
      first: results[0] ?? null,
      text: search.content?.find((c) => c.type === "text")?.text?.slice(0, 500) ?? null,
    };

    const uri = results.find((r) => r.resource_uri)?.resource_uri;
    if (uri) {
      const read = await step("resources/read", () => client.readResource({ uri }));
      const c = read.contents?.[0];
      report.resource = { uri, contentUri: c?.uri ?? null, mimeType: c?.mimeType ?? null, textLength: c?.text?.length ?? 0 };
    } else {
      report.resource = null;
    }

    const n = Number(callsArg);
    report.repeated = { calls: n, sums: [] };
    for (let i = 0; i < n; i++) {
      const r = await client.callTool({ name: "simpleadd", arguments: { a: i, b: 1 } });
      report.repeated.sums.push(r.structuredContent?.sum ?? null);
    }
  }
} catch {
  exitCode = 1;
} finally {
  await client.close().catch(() => {});
}
process.stdout.write(JSON.stringify(report) + "\n");
process.exit(exitCode);
