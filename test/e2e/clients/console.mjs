// console.mjs drives the server's web console (GET / in a browser) in
// Debian's headless Chromium with playwright-core: it signs in when a key
// is given (after trying a wrong one), searches, copies a client
// configuration, opens a document, runs the self-check, runs axe-core, and
// saves screenshots at desktop and phone widths. It prints one JSON object with what it saw.
//
// Usage: node console.mjs URL SHOT_PREFIX QUERY [KEY]
// SHOT_PREFIX is a path without extension; -desktop.png (full page),
// -desktop-view.png (the first screen), -document.png, -selfcheck.png,
// -phone.png, -phone-view.png and -phone-dark.png are appended.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const [pageURL, shotPrefix, query, key] = process.argv.slice(2);
if (!pageURL || !shotPrefix || !query) {
  console.error("usage: node console.mjs URL SHOT_PREFIX QUERY [KEY]");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const origin = new URL(pageURL).origin;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP kb.test 127.0.0.1, MAP app.test 127.0.0.1, EXCLUDE localhost",
  ],
});
const report = {
  pageURL, console: [], pageErrors: [], failedRequests: [], requests: [], crossOrigin: [], axe: [],
};
const items = (page, sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim()));

// axeViolations runs axe-core in the page (through the DevTools protocol,
// which the page's CSP does not govern) and returns the serious and
// critical violations.
async function axeViolations(page, where) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return res.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${where}: ${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}

try {
  // The test certificate is self-signed; the page is still an https origin.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") report.console.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => report.pageErrors.push(String(e)));
  page.on("request", (r) => {
    report.requests.push(`${r.method()} ${r.url()}`);
    const u = r.url();
    if (!u.startsWith("data:") && new URL(u).origin !== origin) report.crossOrigin.push(u);
  });
  page.on("requestfailed", (r) => report.failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));

  const response = await page.goto(pageURL, { waitUntil: "load", timeout: 30000 });
  report.csp = response.headers()["content-security-policy"] || "";
  await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
  report.serverStatus = (await page.textContent("#server-status")).trim();
  report.serverFacts = await items(page, "#server-facts dd");
  report.authShown = await page.isVisible("#auth");

  if (key) {
    report.kbsBeforeKey = await items(page, "#kb-list li");
    report.mcpCallsBeforeKey = report.requests.filter((r) => r.includes("/mcp")).length;
    await page.fill("#auth-secret", "wrong-" + key);
    await page.click("#auth-form button[type=submit]");
    await page.waitForSelector("#auth-error:not([hidden])", { timeout: 15000 });
    report.wrongKeyError = (await page.textContent("#auth-error")).trim();
    report.kbsAfterWrongKey = await items(page, "#kb-list li");
    await page.fill("#auth-secret", key);
    await page.click("#auth-form button[type=submit]");
    await page.waitForSelector("body[data-signed-in=true]", { timeout: 15000 });
    report.storedIn = await page.evaluate(() => ({ session: Object.keys(sessionStorage), local: Object.keys(localStorage) }));
  }
  report.kbs = await items(page, "#kb-list li h3");
  report.kbFacts = await items(page, "#kb-list li dl");

  await page.fill("#q", query);
  await page.click("#search-button");
  await page.waitForSelector("body[data-searched=true]", { timeout: 15000 });
  report.searchStatus = (await page.textContent("#search-status")).trim();
  report.results = await items(page, "#results li h3");
  report.resultWhere = await items(page, "#results li .where");
  report.marks = await items(page, "#results mark");
  report.scores = await items(page, "#results .score");
  report.axe.push(...(await axeViolations(page, "search results")));
  await page.screenshot({ path: `${shotPrefix}-desktop.png`, fullPage: true });
  await page.screenshot({ path: `${shotPrefix}-desktop-view.png`, fullPage: false });

  // Copy the VS Code configuration and read the clipboard back.
  await page.click("details[data-client=vscode] > summary");
  await page.click("details[data-client=vscode] button.copy");
  report.copied = await page.evaluate(() => navigator.clipboard.readText());
  report.endpoint = (await page.textContent("#endpoint-url")).trim();

  // Open the first result's document.
  await page.click("#results li h3 a");
  await page.waitForSelector("body[data-reading=true]", { timeout: 15000 });
  report.documentTitle = (await page.textContent("#reader-title")).trim();
  report.documentBlocks = await page.$$eval("#reader-body > *", (els) => els.length);
  report.axe.push(...(await axeViolations(page, "document")));
  await page.screenshot({ path: `${shotPrefix}-document.png`, fullPage: false });

  // The self-check: the server runs the doctor against itself.
  await page.click("#selfcheck-run");
  await page.waitForSelector("body[data-checked=true]", { timeout: 60000 });
  report.selfCheck = await page.$$eval("#selfcheck-results li", (lis) => lis.map((li) => li.dataset.status + " " + li.querySelector("summary").textContent.trim()));
  report.selfCheckStatus = (await page.textContent("#selfcheck-status")).trim();
  await page.locator("#selfcheck").screenshot({ path: `${shotPrefix}-selfcheck.png` });

  // A phone: the same tab (sessionStorage keeps the key), narrow.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(pageURL, { waitUntil: "load", timeout: 30000 });
  await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
  await page.fill("#q", query);
  await page.click("#search-button");
  await page.waitForSelector("body[data-searched=true]", { timeout: 15000 });
  report.phoneResults = (await items(page, "#results li h3")).length;
  report.phoneOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  report.axe.push(...(await axeViolations(page, "phone")));
  await page.screenshot({ path: `${shotPrefix}-phone.png`, fullPage: true });
  await page.screenshot({ path: `${shotPrefix}-phone-view.png`, fullPage: false });

  // The dark colour scheme must keep its contrast too.
  await page.emulateMedia({ colorScheme: "dark" });
  report.axe.push(...(await axeViolations(page, "dark")));
  await page.screenshot({ path: `${shotPrefix}-phone-dark.png`, fullPage: false });
} catch (err) {
  report.exception = String(err?.stack ?? err);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report) + "\n");
