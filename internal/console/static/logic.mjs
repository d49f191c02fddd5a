// logic.mjs: the console's logic without the DOM, so that node --test can
// check it: JSON-RPC over the MCP endpoint, turning search results and
// documents into what the page shows, metadata filters, and the client
// configurations offered for copying.

/** The MCP protocol version the page speaks. */
export const protocolVersion = "2025-06-18";

/** rpcRequest returns the JSON-RPC request body of one MCP call. */
export function rpcRequest(id, method, params) {
  const msg = { jsonrpc: "2.0", id, method };
  if (params !== undefined) msg.params = params;
  return JSON.stringify(msg);
}

/**
 * credentialHeaders returns the header carrying the person's key or token:
 * "Authorization: Bearer ..." when the header is Authorization (or for
 * JWT), the key as is in any other header.
 */
export function credentialHeaders(auth, secret) {
  if (!auth || auth.kind === "none" || !secret) return {};
  const header = auth.header || "Authorization";
  if (auth.kind === "jwt" || header.toLowerCase() === "authorization") {
    return { [header]: "Bearer " + secret.replace(/^bearer\s+/i, "") };
  }
  return { [header]: secret };
}

/**
 * parseRPCResponse extracts the JSON-RPC response with the given id from
 * an MCP answer body, which is either JSON or an event stream.
 */
export function parseRPCResponse(contentType, body, id) {
  const type = (contentType || "").split(";")[0].trim().toLowerCase();
  const messages = [];
  if (type === "text/event-stream") {
    for (const event of body.split(/\r?\n\r?\n/)) {
      const data = event.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, "")).join("\n");
      if (data) messages.push(JSON.parse(data));
    }
  } else {
    const parsed = JSON.parse(body);
    messages.push(...(Array.isArray(parsed) ? parsed : [parsed]));
  }
  const msg = messages.find((m) => m && m.id === id && ("result" in m || "error" in m));
  if (!msg) throw new Error("the server's answer holds no response to request " + id);
  return msg;
}

/**
 * httpErrorMessage is what the page shows for an HTTP error answer: the
 * server's own message (a JSON-RPC error or a JSON "error"), else the status.
 */
export function httpErrorMessage(status, body) {
  let detail = "";
  try {
    const j = JSON.parse(body);
    detail = (j && j.error && (j.error.message || (typeof j.error === "string" && j.error))) || "";
  } catch {
    detail = (body || "").trim().slice(0, 300);
  }
  return `HTTP ${status}` + (detail ? `: ${detail}` : "");
}

/**
 * isAuthRefusal says whether an HTTP status refuses the person's
 * credential: 401, or with JWT a 403 (a token without the needed scope).
 * Any other 403 is the Origin check, which a new key does not fix.
 */
export function isAuthRefusal(status, auth) {
  return status === 401 || (status === 403 && auth?.kind === "jwt");
}

/** toolOutput returns a tool result's structured content, or throws its error text. */
export function toolOutput(result) {
  if (!result) throw new Error("empty tool result");
  const text = (result.content || []).filter((c) => c.type === "text").map((c) => c.text).join("\n");
  if (result.isError) throw new Error(text || "the tool failed");
  return result.structuredContent ?? { text };
}

// Words too common to be worth highlighting.
const stopwords = new Set(("a an and are as at be by can do does for from how i in is it of on or " +
  "that the this to was what when where which who why will with you your").split(" "));

/** queryTerms returns the distinct words of a query worth highlighting. */
export function queryTerms(query) {
  const words = (query || "").toLowerCase().match(/[\p{L}\p{N}]+/gu) || [];
  return [...new Set(words.filter((w) => w.length >= 2 && !stopwords.has(w)))];
}

/**
 * plainText drops Markdown punctuation from a passage for a snippet:
 * heading marks, code fences, emphasis, table rules, link targets.
 */
export function plainText(md) {
  return (md || "").split(/\r?\n/).map((line) => {
    if (/^\s*(```|~~~)/.test(line) || /^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*$/.test(line)) return "";
    if (/^\s*\|/.test(line)) {
      line = line.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim()).filter(Boolean).join(" · ") + ";";
    }
    return inline(line.replace(/^\s*#{1,6}\s+/, "")).map((p) => p.text).join("");
  }).join("\n");
}

/**
 * inline splits a line of Markdown into text and `code` spans, with
 * emphasis marks and link targets dropped.
 */
export function inline(text) {
  const parts = (text || "").split("`");
  // With an odd number of backticks the last one opens nothing.
  const closed = parts.length % 2 === 1 ? parts.length : parts.length - 1;
  const out = [];
  parts.forEach((part, i) => {
    const code = i % 2 === 1 && i < closed;
    let t = code ? part : part.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/\*\*|__/g, "");
    if (!code && i % 2 === 1) t = "`" + t;
    if (t) out.push({ text: t, code });
  });
  return out;
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * highlight splits text into segments, marking the words that start with a
 * query term (the index stems, so "deploy" also finds "deploying").
 */
export function highlight(text, terms) {
  if (!text) return [];
  if (!terms || terms.length === 0) return [{ text, match: false }];
  const sorted = [...terms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${sorted.join("|")})[\\p{L}\\p{N}]*`, "giu");
  const out = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index), match: false });
    out.push({ text: m[0], match: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), match: false });
  return out;
}

/**
 * excerpt returns at most max characters of text, whitespace collapsed,
 * around the first word that matches a term, with "…" where it was cut.
 */
export function excerpt(text, terms, max = 320) {
  const flat = (text || "").replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  let at = 0;
  const first = highlight(flat, terms).findIndex((s) => s.match);
  if (first > 0) {
    at = highlight(flat, terms).slice(0, first).reduce((n, s) => n + s.text.length, 0);
  }
  let start = Math.max(0, Math.min(at - Math.floor(max / 4), flat.length - max));
  if (start > 0) {
    const space = flat.indexOf(" ", start);
    if (space >= 0 && space - start < 30) start = space + 1;
  }
  let end = Math.min(flat.length, start + max);
  if (end < flat.length) {
    const space = flat.lastIndexOf(" ", end);
    if (space > start + max / 2) end = space;
  }
  return (start > 0 ? "… " : "") + flat.slice(start, end) + (end < flat.length ? " …" : "");
}

/** locationLabel says where in its document a passage is: page or slide, when known. */
export function locationLabel(p) {
  const md = p.metadata || {};
  const page = p.page ?? md.page ?? md["x-amz-bedrock-kb-document-page-number"];
  const slide = p.slide ?? md.slide;
  if (slide !== undefined && slide !== null && slide !== "") return `slide ${slide}`;
  if (page !== undefined && page !== null && page !== "") return `page ${page}`;
  return "";
}

/** documentHash is the page-local link that opens a passage's whole document. */
export function documentHash(kbID, uri) {
  const q = new URLSearchParams();
  if (kbID) q.set("kb", kbID);
  q.set("uri", uri);
  return "#doc?" + q.toString();
}

/** parseDocumentHash reads a documentHash back; null for any other hash. */
export function parseDocumentHash(hash) {
  if (!hash || !hash.startsWith("#doc?")) return null;
  const q = new URLSearchParams(hash.slice(5));
  const uri = q.get("uri");
  if (!uri) return null;
  return { kb: q.get("kb") || "", uri };
}

/** formatScore shows a relevance score with three significant digits. */
export function formatScore(score) {
  if (typeof score !== "number" || !isFinite(score)) return "";
  return score >= 100 ? score.toFixed(0) : Number(score.toPrecision(3)).toString();
}

/**
 * sectionPath joins a passage's headings for display, without Markdown
 * marks and without the first heading when it only repeats the title.
 */
export function sectionPath(headings, title) {
  const hs = (headings || []).map((h) => inline(h).map((p) => p.text).join(""));
  if (hs.length > 1 && hs[0] === title) hs.shift();
  return hs.join(" › ");
}

/** passageView is what the page renders for one search result. */
export function passageView(p, terms) {
  const title = p.title || (p.uri || "").split("/").pop() || p.uri || "untitled";
  return {
    rank: p.rank,
    title,
    section: sectionPath(p.heading_path, title),
    location: locationLabel(p),
    score: formatScore(p.score),
    segments: highlight(excerpt(plainText(p.text), terms), terms),
    href: documentHash(p.knowledge_base_id, p.uri),
    uri: p.uri,
    kb: p.knowledge_base_id || "",
    metadata: Object.entries(p.metadata || {})
      .filter(([k, v]) => !k.startsWith("x-amz-") && !(k === "title" && v === p.title))
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : v}`),
  };
}

/** formatBytes shows a size for people (1.2 MiB). */
export function formatBytes(n) {
  if (!n) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? n.toString() : n.toFixed(1)) + " " + units[i];
}

/** knowledgeBaseView is what the page renders for one knowledge base. */
export function knowledgeBaseView(k) {
  const facts = [];
  if (k.documents) facts.push(["Documents", k.documents.toLocaleString("en-US")]);
  if (k.chunks) facts.push(["Passages", k.chunks.toLocaleString("en-US")]);
  if (k.size_bytes) facts.push(["Text", formatBytes(k.size_bytes)]);
  const formats = Object.entries(k.formats || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (formats.length) facts.push(["Formats", formats.map(([f, n]) => `${f} ${n}`).join(", ")]);
  if (k.updated_at) facts.push(["Updated", k.updated_at.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC")]);
  return { id: k.id, name: k.name || k.id, description: k.description || "", backend: k.backend || "", status: k.status || "", facts };
}

const numericOps = new Set(["greaterThan", "greaterThanOrEquals", "lessThan", "lessThanOrEquals"]);
const listOps = new Set(["in", "notIn"]);

/** The filter operators offered, with labels. */
export const filterOperators = [
  ["equals", "="],
  ["notEquals", "≠"],
  ["stringContains", "contains"],
  ["startsWith", "starts with"],
  ["listContains", "list contains"],
  ["in", "one of (a, b)"],
  ["notIn", "none of (a, b)"],
  ["greaterThan", ">"],
  ["greaterThanOrEquals", "≥"],
  ["lessThan", "<"],
  ["lessThanOrEquals", "≤"],
];

function scalar(raw) {
  const v = raw.trim();
  if (v === "true") return true;
  if (v === "false") return false;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v;
}

/**
 * buildFilter turns filter rows ({key, op, value}) into a metadata filter
 * in the search tool's shape: null for no rows, one condition, or andAll.
 * Incomplete rows are errors that say what to fill in.
 */
export function buildFilter(rows) {
  const conditions = [];
  for (const [i, row] of (rows || []).entries()) {
    const key = (row.key || "").trim();
    const raw = (row.value ?? "").toString();
    if (!key && !raw.trim()) continue;
    const n = i + 1;
    if (!key) throw new Error(`filter ${n}: name the metadata key`);
    if (!filterOperators.some(([op]) => op === row.op)) throw new Error(`filter ${n}: unknown operator ${row.op}`);
    if (!raw.trim()) throw new Error(`filter ${n}: give a value for ${key}`);
    let value;
    if (listOps.has(row.op)) {
      value = raw.split(",").map((s) => s.trim()).filter(Boolean).map(scalar);
    } else if (numericOps.has(row.op)) {
      value = Number(raw.trim());
      if (!isFinite(value)) throw new Error(`filter ${n}: ${row.op} needs a number, got "${raw.trim()}"`);
    } else if (row.op === "startsWith" || row.op === "stringContains") {
      value = raw.trim();
    } else {
      value = scalar(raw);
    }
    conditions.push({ [row.op]: { key, value } });
  }
  if (conditions.length === 0) return null;
  if (conditions.length === 1) return conditions[0];
  return { andAll: conditions };
}

/**
 * searchArguments builds the search tool's arguments from the form: the
 * query, a knowledge base, a result count, and a filter (rows, or raw JSON
 * that takes precedence).
 */
export function searchArguments({ query, kb, maxResults, rows, rawFilter }) {
  const q = (query || "").trim();
  if (!q) throw new Error("type what to look for");
  const args = { query: q };
  if (kb) args.knowledge_base_id = kb;
  const n = Number(maxResults);
  if (maxResults && (!Number.isInteger(n) || n < 1 || n > 100)) throw new Error("results: a whole number from 1 to 100");
  if (maxResults) args.max_results = n;
  let filter = null;
  if (rawFilter && rawFilter.trim()) {
    try {
      filter = JSON.parse(rawFilter);
    } catch (err) {
      throw new Error("filter JSON: " + err.message);
    }
    if (typeof filter !== "object" || filter === null || Array.isArray(filter)) throw new Error("filter JSON: must be an object such as {\"equals\":{\"key\":\"team\",\"value\":\"platform\"}}");
  } else {
    filter = buildFilter(rows);
  }
  if (filter) args.filter = filter;
  return args;
}

/**
 * documentBlocks splits a document's text into blocks for a readable view:
 * Markdown-style headings, list items, fenced code, tables (rows of
 * cells, the first the header), and paragraphs. Text
 * stays text: nothing is interpreted as HTML.
 */
export function documentBlocks(text) {
  const blocks = [];
  const lines = (text || "").replace(/\r\n?/g, "\n").split("\n");
  let para = [];
  const flush = () => {
    if (para.length) blocks.push({ type: "p", text: para.join(" ") });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = line.match(/^\s*(```|~~~)/);
    if (fence) {
      flush();
      const code = [];
      for (i++; i < lines.length && !lines[i].trim().startsWith(fence[1]); i++) code.push(lines[i]);
      blocks.push({ type: "pre", text: code.join("\n") });
      continue;
    }
    if (/^\s*\|/.test(line)) {
      flush();
      const rows = [];
      for (; i < lines.length && /^\s*\|/.test(lines[i]); i++) {
        if (/^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*$/.test(lines[i])) continue; // the header rule
        rows.push(lines[i].trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim()));
      }
      i--;
      blocks.push({ type: "table", rows });
      continue;
    }
    const h = line.match(/^(#{1,6})\s+(.*?)\s*#*\s*$/);
    if (h) {
      flush();
      blocks.push({ type: "h" + Math.min(h[1].length + 1, 4), text: h[2] });
      continue;
    }
    const li = line.match(/^\s*(?:[-*+]|\d+[.)])\s+(.*)$/);
    if (li) {
      flush();
      blocks.push({ type: "li", text: li[1] });
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    para.push(line.trim());
  }
  flush();
  return blocks;
}

/**
 * endpointURL is the MCP endpoint's absolute URL: under the public URL when
 * the server has one, else under the page's own location.
 */
export function endpointURL(publicURL, location, endpoint = "mcp") {
  const base = publicURL ? publicURL.replace(/\/+$/, "") + "/" : new URL(".", location).href;
  return new URL(endpoint, base).href;
}

const json = (v) => JSON.stringify(v, null, 2);
const shellQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * clientConfigs returns copy-ready configurations for connecting clients
 * to url. Credentials are placeholders or environment references, never
 * the key typed into the page.
 */
export function clientConfigs(url, auth) {
  const kind = (auth && auth.kind) || "none";
  const header = (auth && auth.header) || "Authorization";
  const bearer = kind === "jwt" || header.toLowerCase() === "authorization";
  const secretWord = kind === "jwt" ? "token" : "API key";
  const envName = kind === "jwt" ? "KNOWLEDGE_MCP_TOKEN" : "KNOWLEDGE_MCP_API_KEY";
  const headerValue = (secret) => (bearer ? `Bearer ${secret}` : secret);
  const authed = kind !== "none";
  const authHeaderName = bearer ? "Authorization" : header;
  const out = [];

  // Claude Desktop speaks stdio to local programs: mcp-remote bridges.
  const desktopArgs = ["-y", "mcp-remote", url];
  const desktop = { command: "npx", args: desktopArgs };
  if (authed) {
    // mcp-remote's own advice: no space in the argument, "Bearer " in env.
    const envVar = bearer ? "KNOWLEDGE_MCP_AUTH_HEADER" : envName;
    desktopArgs.push("--header", `${authHeaderName}:\${${envVar}}`);
    desktop.env = { [envVar]: bearer ? `Bearer your ${secretWord}` : `your ${secretWord}` };
  }
  out.push({
    id: "claude-desktop",
    title: "Claude Desktop and other stdio clients",
    file: "claude_desktop_config.json",
    text: json({ mcpServers: { knowledge: desktop } }),
    help: "Add to claude_desktop_config.json (Settings → Developer → Edit Config) and restart. mcp-remote (Node.js) bridges stdio to this server." +
      (authed ? ` Put your ${secretWord} in env.` : ""),
  });

  const vscode = { type: "http", url };
  const vscodeDoc = { servers: { knowledge: vscode } };
  if (authed) {
    vscode.headers = { [authHeaderName]: headerValue("${input:knowledge-mcp-secret}") };
    vscodeDoc.inputs = [{ type: "promptString", id: "knowledge-mcp-secret", description: `knowledge-mcp ${secretWord}`, password: true }];
  }
  out.push({
    id: "vscode",
    title: "VS Code",
    file: ".vscode/mcp.json",
    text: json(vscodeDoc),
    help: "Save as .vscode/mcp.json in your workspace (or run “MCP: Add Server”)." + (authed ? ` VS Code asks for the ${secretWord} once and stores it securely.` : ""),
  });

  const cursor = { url };
  if (authed) cursor.headers = { [authHeaderName]: headerValue("${env:" + envName + "}") };
  out.push({
    id: "cursor",
    title: "Cursor",
    file: "~/.cursor/mcp.json",
    text: json({ mcpServers: { knowledge: cursor } }),
    help: "Save as ~/.cursor/mcp.json (all projects) or .cursor/mcp.json (one project)." + (authed ? ` Set ${envName} in the environment Cursor starts from.` : ""),
  });

  const inspector = ["npx @modelcontextprotocol/inspector --cli", shellQuote(url), "--transport http --method tools/list"];
  if (authed) inspector.push("--header", shellQuote(`${authHeaderName}: ${headerValue("$" + envName)}`).replace(/^'(.*)'$/, '"$1"'));
  out.push({
    id: "inspector",
    title: "MCP Inspector",
    file: "shell",
    text: inspector.join(" "),
    help: "Lists the tools from the command line. For the web UI run npx @modelcontextprotocol/inspector, choose transport “Streamable HTTP” and enter the URL" + (authed ? " and the header." : "."),
  });

  const target = { mcp: { mcpServer: { endpoint: url } } };
  const gw = [
    "aws bedrock-agentcore-control create-gateway-target \\",
    "  --gateway-identifier YOUR_GATEWAY_ID \\",
    "  --name knowledge \\",
    `  --target-configuration ${shellQuote(JSON.stringify(target))}`,
  ];
  if (authed) {
    const provider = {
      credentialProviderType: kind === "jwt" ? "OAUTH" : "API_KEY",
      credentialProvider: kind === "jwt"
        ? { oauthCredentialProvider: { providerArn: "YOUR_OAUTH_PROVIDER_ARN", scopes: ["YOUR_SCOPE"] } }
        : { apiKeyCredentialProvider: { providerArn: "YOUR_API_KEY_PROVIDER_ARN", credentialLocation: "HEADER", credentialParameterName: authHeaderName, ...(bearer ? { credentialPrefix: "Bearer " } : {}) } },
    };
    gw[gw.length - 1] += " \\";
    gw.push(`  --credential-provider-configurations ${shellQuote(JSON.stringify([provider]))}`);
  }
  out.push({
    id: "agentcore",
    title: "Amazon Bedrock AgentCore Gateway (MCP server target)",
    file: "shell",
    text: gw.join("\n"),
    help: "Registers this server as an MCP server target; its tools appear as knowledge___search_knowledge_base and so on. The gateway needs an https:// URL it can reach." +
      (authed ? ` Create the ${kind === "jwt" ? "OAuth" : "API key"} credential provider first.` : ""),
  });

  const curl = [`curl -s ${shellQuote(url)} \\`, "  -H 'Content-Type: application/json' \\"];
  if (authed) curl.push(`  -H "${authHeaderName}: ${headerValue("$" + envName)}" \\`);
  curl.push(`  -d '${rpcRequest(1, "tools/call", { name: "search_knowledge_base", arguments: { query: "getting started" } })}'`);
  out.push({
    id: "curl",
    title: "curl and Postman",
    file: "shell",
    text: curl.join("\n"),
    help: "One JSON-RPC message per POST; no session or initialize is needed. In Postman: POST, the same URL, header and raw JSON body.",
  });
  return out;
}

/** statusView summarizes the server status document for the header. */
export function statusView(status) {
  if (!status) return { label: "unknown", tone: "warn", detail: "" };
  if (status.status === "ready") return { label: "Ready", tone: "ok", detail: "" };
  return { label: "Not ready", tone: "bad", detail: status.reason || "" };
}
