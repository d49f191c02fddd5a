// browser.mjs opens the test page in Debian's headless Chromium with
// playwright-core and prints, as one JSON object, what the page rendered,
// what the console said, and which requests failed; it saves a screenshot.
//
// Usage: node browser.mjs PAGE_URL SCREENSHOT.png
// kb.test and app.test resolve to 127.0.0.1 inside the browser only.
import { chromium } from "playwright-core";

const [pageURL, screenshot] = process.argv.slice(2);
if (!pageURL || !screenshot) {
  console.error("usage: node browser.mjs PAGE_URL SCREENSHOT.png");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP kb.test 127.0.0.1, MAP app.test 127.0.0.1, EXCLUDE localhost",
  ],
});
const report = { pageURL, console: [], failedRequests: [], requests: [] };
try {
  // The test certificate is self-signed; the page is still an https
  // origin, so CORS and mixed-content rules apply in full.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  page.on("console", (m) => report.console.push(`${m.type()}: ${m.text()}`));
  page.on("request", (r) => report.requests.push(`${r.method()} ${r.url()}`));
  page.on("requestfailed", (r) => report.failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  await page.goto(pageURL, { waitUntil: "load", timeout: 30000 });
  await page.waitForSelector("body[data-done=true]", { timeout: 30000 });
  report.status = await page.textContent("#status");
  report.sum = await page.textContent("#sum");
  report.server = await page.textContent("#server");
  report.results = await page.$$eval("#results li", (lis) => lis.map((li) => li.textContent));
  report.error = await page.textContent("#error");
  await page.screenshot({ path: screenshot, fullPage: true });
} catch (err) {
  report.exception = String(err?.stack ?? err);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report) + "\n");
