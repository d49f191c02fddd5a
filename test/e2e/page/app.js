// app.js is a minimal browser MCP client: it calls the endpoint named in the
// query string (?endpoint=URL&query=WORDS) with fetch, the way a browser-based
// MCP client does, so that the browser performs the real CORS preflight
// (Content-Type: application/json and MCP-Protocol-Version are not
// CORS-safelisted) and enforces mixed-content blocking. It renders what it
// got; the end-to-end test asserts on the rendered page.
const params = new URLSearchParams(location.search);
const endpoint = params.get("endpoint");
const query = params.get("query") || "knowledge base search";
const $ = (id) => document.getElementById(id);
$("origin").textContent = location.origin;
$("endpoint").textContent = endpoint;
$("query").textContent = query;

let nextId = 1;
let protocolVersion = "2025-06-18";

// rpc sends one JSON-RPC request and returns its result. The server may
// answer with JSON or with an event stream; both are read.
async function rpc(method, params) {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "Accept": "application/json, text/event-stream",
      "MCP-Protocol-Version": protocolVersion,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
  });
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status}`);
  const type = res.headers.get("Content-Type") || "";
  let msg;
  if (type.startsWith("text/event-stream")) {
    const text = await res.text();
    for (const event of text.split(/\r?\n\r?\n/)) {
      const data = event.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      if (!data) continue;
      const m = JSON.parse(data);
      if ("result" in m || "error" in m) msg = m;
    }
  } else {
    msg = await res.json();
  }
  if (!msg) throw new Error(`${method}: no response message`);
  if (msg.error) throw new Error(`${method}: ${msg.error.message}`);
  return msg.result;
}

async function main() {
  const init = await rpc("initialize", {
    protocolVersion,
    capabilities: {},
    clientInfo: { name: "knowledge-mcp-e2e-browser", version: "1.0.0" },
  });
  protocolVersion = init.protocolVersion;
  $("server").textContent = `${init.serverInfo.name} ${init.serverInfo.version}`;
  $("protocol").textContent = init.protocolVersion;

  const add = await rpc("tools/call", { name: "simpleadd", arguments: { a: 10, b: 20 } });
  $("sum").textContent = add.structuredContent?.sum ?? add.content?.[0]?.text ?? "?";

  const search = await rpc("tools/call", { name: "search_knowledge_base", arguments: { query, max_results: 3 } });
  if (search.isError) throw new Error(`search_knowledge_base: ${search.content?.[0]?.text}`);
  for (const r of search.structuredContent?.results ?? []) {
    const li = document.createElement("li");
    const title = document.createElement("strong");
    title.textContent = r.title || r.uri;
    const text = document.createElement("div");
    text.textContent = r.text.slice(0, 200);
    li.append(title, ` (score ${Number(r.score).toFixed(2)}, ${r.uri})`, text);
    $("results").append(li);
  }
  $("status").textContent = "ok";
  $("status").className = "ok";
}

main().catch((err) => {
  $("status").textContent = "error";
  $("status").className = "error";
  $("error").textContent = String(err);
}).finally(() => document.body.dataset.done = "true");
