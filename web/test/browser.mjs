// What the page's tests and the round trip share: Debian's chromium started the same way,
// and a page opened from a file:// URL that records every request and error, whose
// `done()` asserts that nothing loaded besides the page, nothing was logged as an error
// (a CSP violation would be) and nothing was stored.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const TIMEOUT = 60_000; // scrypt at work factor 16 in plain JavaScript takes a moment

/** Chromium headless, with nothing of its own reaching for a network. */
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A fresh context and page on `url` that records every request and every error. */
export async function openPage(browser, url, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const requests = [];
  const problems = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);
  const done = async () => {
    // The saved answers leave as a blob: download made inside the page; nothing else may load.
    const foreign = requests.filter((u) => u !== url && !u.startsWith("blob:"));
    assert.deepEqual(foreign, [], "the page made requests besides loading itself");
    assert.deepEqual(problems, [], "the page logged errors (a CSP violation would show here)");
    const storage = await page.evaluate(async () => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
      idb: (await indexedDB.databases()).length,
    }));
    assert.deepEqual(storage, { local: 0, session: 0, cookie: "", idb: 0 }, "the page stored something");
    await context.close();
  };
  return { page, context, done };
}
