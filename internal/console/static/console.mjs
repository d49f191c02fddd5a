// console.mjs: the console page's behaviour. Every knowledge-base fact it
// shows comes from the server's own MCP endpoint (same origin), with the
// person's key when the server needs one. Text from the server is always
// set as text, never parsed as HTML.
import * as logic from "./logic.mjs";

const $ = (id) => document.getElementById(id);
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content || "";

const auth = { kind: meta("kmcp-auth") || "none", header: meta("kmcp-auth-header") };
const endpointPath = meta("kmcp-endpoint") || "mcp";
const endpoint = logic.endpointURL(meta("kmcp-public-url"), location.href, endpointPath);
const secretKey = "knowledge-mcp-secret";
let rpcID = 0;
let lastSearch = null;

/** el builds an element with text and attributes; children are appended. */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

function secret() {
  return sessionStorage.getItem(secretKey) || "";
}

/** AuthRequired is thrown when the server refuses the credential (or its absence). */
class AuthRequired extends Error {}

/**
 * refusal turns a 401 (and, with JWT, a 403 for missing scopes) into
 * AuthRequired; any other 403 (the Origin check) is an ordinary error.
 */
function refusal(status, body) {
  const msg = logic.httpErrorMessage(status, body);
  return logic.isAuthRefusal(status, auth) ? new AuthRequired(msg) : new Error(msg);
}

/** call invokes an MCP method on the endpoint and returns its result. */
async function call(method, params) {
  const id = ++rpcID;
  const res = await fetch(endpointPath, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "MCP-Protocol-Version": logic.protocolVersion,
      ...logic.credentialHeaders(auth, secret()),
    },
    body: logic.rpcRequest(id, method, params),
    credentials: "same-origin",
    cache: "no-store",
  });
  const body = await res.text();
  if (!res.ok) throw refusal(res.status, body);
  const msg = logic.parseRPCResponse(res.headers.get("Content-Type"), body, id);
  if (msg.error) throw new Error(msg.error.message || "MCP error " + msg.error.code);
  return msg.result;
}

async function callTool(name, args) {
  return logic.toolOutput(await call("tools/call", { name, arguments: args }));
}

function needsSecret() {
  return auth.kind !== "none" && !secret();
}

/** showAuth shows the sign-in card, with the server's refusal if any. */
function showAuth(message) {
  $("auth").hidden = false;
  $("auth-form").hidden = false;
  $("auth-help").hidden = false;
  $("auth-signed").hidden = true;
  $("auth-secret").placeholder = auth.kind === "jwt" ? "Bearer token" : `API key (${auth.header})`;
  $("auth-help").textContent = auth.kind === "jwt"
    ? "This server needs an OAuth access token. It is kept in this tab only and sent as Authorization: Bearer."
    : `This server needs an API key. It is kept in this tab only and sent in the ${auth.header} header.`;
  const err = $("auth-error");
  err.hidden = !message;
  err.textContent = message || "";
}

function handleError(err, statusEl) {
  if (err instanceof AuthRequired) {
    sessionStorage.removeItem(secretKey);
    showAuth(err.message);
    clearData();
    statusEl.textContent = "Sign in to continue.";
    return;
  }
  statusEl.textContent = "Error: " + err.message;
  statusEl.classList.add("error");
}

function clearData() {
  $("kb-list").replaceChildren();
  $("results").replaceChildren();
  $("reader").hidden = true;
  $("kbs-status").textContent = "Sign in to see the knowledge bases.";
  const select = $("kb-select");
  select.replaceChildren(el("option", { value: "", text: "All" }));
}

async function loadStatus() {
  const facts = $("server-facts");
  const pill = $("server-status");
  try {
    const res = await fetch("./", { headers: { Accept: "application/json" }, cache: "no-store" });
    const st = await res.json();
    const v = logic.statusView(st);
    pill.textContent = v.label;
    pill.dataset.tone = v.tone;
    if (v.detail) pill.title = v.detail;
    const rows = [
      ["Version", st.version || "unknown"],
      ["Backend", st.backend || "unknown"],
      ["Readiness", v.detail ? `${v.label}: ${v.detail}` : v.label],
      ["Authentication", auth.kind === "none" ? "none" : auth.kind === "jwt" ? "OAuth bearer token" : `API key in ${auth.header}`],
    ];
    facts.replaceChildren(...rows.flatMap(([k, val]) => [el("dt", { text: k }), el("dd", { text: val })]));
  } catch (err) {
    pill.textContent = "Unreachable";
    pill.dataset.tone = "bad";
    facts.replaceChildren(el("dt", { text: "Status" }), el("dd", { text: err.message }));
  }
}

async function loadKnowledgeBases() {
  const status = $("kbs-status");
  status.classList.remove("error");
  if (needsSecret()) {
    clearData();
    return;
  }
  status.textContent = "Loading…";
  try {
    const out = await callTool("list_knowledge_bases", {});
    const kbs = (out.knowledge_bases || []).map(logic.knowledgeBaseView);
    status.textContent = kbs.length ? "" : "No knowledge base is configured.";
    $("kb-list").replaceChildren(...kbs.map((k) => el("li", { class: "kb" },
      el("h3", { text: k.name }),
      el("p", { class: "muted small" }, el("code", { text: k.id }), document.createTextNode(` · ${k.backend}${k.status ? " · " + k.status : ""}`)),
      k.description ? el("p", { text: k.description }) : null,
      el("dl", { class: "facts" }, ...k.facts.flatMap(([a, b]) => [el("dt", { text: a }), el("dd", { text: b })])),
    )));
    const select = $("kb-select");
    select.replaceChildren(el("option", { value: "", text: "All" }), ...kbs.map((k) => el("option", { value: k.id, text: k.name })));
    $("auth").hidden = auth.kind === "none";
    $("auth-error").hidden = true;
    $("auth-form").hidden = true;
    $("auth-help").hidden = true;
    $("auth-signed").hidden = false;
    document.body.dataset.signedIn = "true";
  } catch (err) {
    handleError(err, status);
  }
}

function filterRow() {
  const ops = logic.filterOperators.map(([op, label]) => el("option", { value: op, text: label }));
  const n = $("filter-rows").children.length + 1;
  const row = el("div", { class: "filter-row" },
    el("input", { class: "f-key", placeholder: "key", "aria-label": `Condition ${n} metadata key`, spellcheck: "false" }),
    el("select", { class: "f-op", "aria-label": `Condition ${n} operator` }, ...ops),
    el("input", { class: "f-value", placeholder: "value", "aria-label": `Condition ${n} value`, spellcheck: "false" }),
    el("button", { type: "button", class: "secondary small f-remove", "aria-label": `Remove condition ${n}`, text: "✕" }),
  );
  row.querySelector(".f-remove").addEventListener("click", () => row.remove());
  $("filter-rows").append(row);
  return row;
}

function renderResults(out, terms) {
  const results = out.results || [];
  $("search-status").textContent = results.length
    ? `${results.length} passage${results.length === 1 ? "" : "s"} for “${out.query}”`
    : `Nothing matches “${out.query}”. Try other or fewer words${$("raw-filter").value || $("filter-rows").children.length ? ", or fewer filters" : ""}.`;
  $("results").replaceChildren(...results.map((p) => {
    const v = logic.passageView(p, terms);
    const snippet = el("p", { class: "snippet" }, ...v.segments.map((s) => s.match ? el("mark", { text: s.text }) : document.createTextNode(s.text)));
    const where = [v.section, v.location].filter(Boolean).join(" · ");
    return el("li", { class: "result" },
      el("div", { class: "result-head" },
        el("h3", {}, el("a", { href: v.href, text: v.title })),
        v.score ? el("span", { class: "score", title: "relevance score", text: v.score }) : null),
      where ? el("p", { class: "where", text: where }) : null,
      snippet,
      el("p", { class: "result-foot muted small" },
        el("a", { href: v.href, text: "Open document" }),
        document.createTextNode(` · ${v.uri}`),
        v.metadata.length ? document.createTextNode(" · " + v.metadata.join(" · ")) : null),
    );
  }));
}

async function search(ev) {
  ev?.preventDefault();
  const status = $("search-status");
  status.classList.remove("error");
  let args;
  try {
    const rows = [...$("filter-rows").children].map((r) => ({
      key: r.querySelector(".f-key").value, op: r.querySelector(".f-op").value, value: r.querySelector(".f-value").value,
    }));
    args = logic.searchArguments({ query: $("q").value, kb: $("kb-select").value, maxResults: $("max-results").value, rows, rawFilter: $("raw-filter").value });
  } catch (err) {
    status.textContent = err.message;
    status.classList.add("error");
    return;
  }
  if (needsSecret()) {
    showAuth("Enter the key first.");
    return;
  }
  status.textContent = "Searching…";
  $("search-button").disabled = true;
  try {
    const out = await callTool("search_knowledge_base", args);
    lastSearch = args.query;
    renderResults(out, logic.queryTerms(args.query));
    document.body.dataset.searched = "true";
  } catch (err) {
    handleError(err, status);
  } finally {
    $("search-button").disabled = false;
  }
}

async function openDocument(ref) {
  const reader = $("reader");
  const body = $("reader-body");
  reader.hidden = false;
  $("search").hidden = true;
  $("reader-title").textContent = ref.uri;
  $("reader-meta").textContent = "Loading…";
  $("reader-meta").classList.remove("error");
  body.replaceChildren();
  if (needsSecret()) {
    showAuth("Enter the key to read documents.");
    $("reader-meta").textContent = "Sign in to read this document.";
    return;
  }
  try {
    const args = { uri: ref.uri };
    if (ref.kb) args.knowledge_base_id = ref.kb;
    const doc = await callTool("get_document", args);
    $("reader-title").textContent = doc.title || doc.uri;
    $("reader-meta").textContent = [doc.uri, doc.mime_type, logic.formatBytes(doc.size_bytes), doc.truncated ? "cut at the server's size limit" : ""].filter(Boolean).join(" · ");
    const terms = logic.queryTerms(lastSearch || "");
    let list = null;
    for (const b of logic.documentBlocks(doc.text)) {
      if (b.type === "li") {
        if (!list) body.append((list = el("ul")));
        list.append(el("li", {}, ...marked(b.text, terms)));
        continue;
      }
      list = null;
      if (b.type === "pre") body.append(el("pre", { tabindex: "0" }, el("code", { text: b.text })));
      else if (b.type === "table") body.append(table(b.rows, terms));
      else body.append(el(b.type, {}, ...marked(b.text, terms)));
    }
    reader.focus({ preventScroll: true });
    reader.scrollIntoView({ block: "start" });
    document.body.dataset.reading = "true";
  } catch (err) {
    handleError(err, $("reader-meta"));
  }
}

/** marked renders a line of Markdown: code spans as code, query words marked. */
function marked(text, terms) {
  return logic.inline(text).flatMap((part) => part.code
    ? [el("code", { text: part.text })]
    : logic.highlight(part.text, terms).map((s) => s.match ? el("mark", { text: s.text }) : document.createTextNode(s.text)));
}

function table(rows, terms) {
  const [head, ...rest] = rows;
  return el("div", { class: "table-wrap", tabindex: "0" }, el("table", {},
    el("thead", {}, el("tr", {}, ...head.map((c) => el("th", { scope: "col" }, ...marked(c, terms))))),
    el("tbody", {}, ...rest.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, ...marked(c, terms))))))));
}

function route() {
  const ref = logic.parseDocumentHash(location.hash);
  if (ref) {
    openDocument(ref);
    return;
  }
  $("reader").hidden = true;
  $("search").hidden = false;
}

async function copyText(text, button) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    // Not a secure context, or no permission: copy through a selection.
    const ta = el("textarea", { class: "offscreen", "aria-hidden": "true" });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    ok = document.execCommand("copy");
    ta.remove();
  }
  const label = button.querySelector(".copy-label") || button;
  label.textContent = ok ? "Copied" : "Select and copy";
  $("copied").textContent = ok ? "Copied to the clipboard" : "Copy failed; select the text instead";
  setTimeout(() => { label.textContent = "Copy"; }, 1500);
}

function renderConfigs() {
  $("endpoint-url").textContent = endpoint;
  const configs = logic.clientConfigs(endpoint, auth);
  $("configs").replaceChildren(...configs.map((c, i) => {
    const code = el("code", { id: `config-${c.id}`, text: c.text });
    const copy = el("button", { type: "button", class: "secondary small copy", "data-copy-from": `config-${c.id}` },
      el("span", { class: "copy-label", text: "Copy" }), el("span", { class: "sr-only", text: ` the ${c.title} configuration` }));
    return el("details", { class: "config", open: i === 0 ? true : null, "data-client": c.id },
      el("summary", {}, el("span", { text: c.title }), el("span", { class: "muted small", text: c.file })),
      el("p", { class: "muted small", text: c.help }),
      el("div", { class: "code" }, el("pre", { tabindex: "0" }, code), copy),
    );
  }));
}

function renderChecks(result) {
  const report = result.report || {};
  const checks = report.checks || [];
  const counts = {};
  for (const c of checks) counts[c.status] = (counts[c.status] || 0) + 1;
  $("selfcheck-status").textContent = `${result.target}: ` + Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(", ");
  $("selfcheck-results").replaceChildren(...checks.map((c) => el("li", { class: "check", "data-status": c.status },
    el("details", {},
      el("summary", {}, el("span", { class: "badge", "data-status": c.status, text: c.status }), el("span", { text: ` ${c.title}` })),
      el("p", { text: c.summary || "" }),
      ...(c.diagnoses || []).map((d) => el("p", { class: "diagnosis" }, el("strong", { text: "Cause: " }), document.createTextNode(d.cause + " "), el("strong", { text: "Fix: " }), document.createTextNode(d.fix))),
      c.evidence?.length ? el("pre", { class: "evidence", tabindex: "0" }, el("code", { text: c.evidence.join("\n") })) : null,
    ))));
}

async function runSelfCheck() {
  const status = $("selfcheck-status");
  status.classList.remove("error");
  if (needsSecret()) {
    showAuth("Enter the key to run the self-check.");
    return;
  }
  const button = $("selfcheck-run");
  button.disabled = true;
  status.textContent = "Running (up to 30 s)…";
  try {
    const res = await fetch("console/api/selfcheck", { method: "POST", headers: logic.credentialHeaders(auth, secret()), cache: "no-store" });
    const body = await res.text();
    if (!res.ok) throw refusal(res.status, body);
    renderChecks(JSON.parse(body));
    document.body.dataset.checked = "true";
  } catch (err) {
    handleError(err, status);
  } finally {
    button.disabled = false;
  }
}

function init() {
  $("search-form").addEventListener("submit", search);
  $("add-filter").addEventListener("click", () => filterRow().querySelector(".f-key").focus());
  $("selfcheck-run").addEventListener("click", runSelfCheck);
  $("reader-back").addEventListener("click", (ev) => {
    ev.preventDefault();
    history.pushState(null, "", location.pathname + location.search);
    route();
    $("q").focus();
  });
  $("reader").tabIndex = -1;
  document.addEventListener("click", (ev) => {
    const b = ev.target.closest("button.copy");
    if (b) copyText($(b.dataset.copyFrom).textContent, b);
  });
  $("auth-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = $("auth-secret").value.trim();
    if (!v) return;
    sessionStorage.setItem(secretKey, v);
    $("auth-secret").value = "";
    loadKnowledgeBases().then(route);
  });
  $("auth-forget").addEventListener("click", () => {
    sessionStorage.removeItem(secretKey);
    showAuth("");
    clearData();
  });
  window.addEventListener("hashchange", route);
  if (auth.kind !== "none") showAuth("");
  renderConfigs();
  Promise.all([loadStatus(), loadKnowledgeBases()]).finally(() => {
    route();
    document.body.dataset.ready = "true";
  });
}

init();
