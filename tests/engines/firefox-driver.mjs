// Firefox ESR over WebDriver BiDi (puppeteer-core), steered from Python one JSON line at a time.
//
//   node tests/engines/firefox-driver.mjs        (FIREFOX_PATH, default /usr/bin/firefox-esr)
//
// Prints {"ready": true, "version": "..."} once Firefox is up, then answers each request
// line {"id": N, "op": ..., ...} with {"id": N, "ok": true, "value": ...} or
// {"id": N, "ok": false, "error": "..."}. Requests (tests/support/engines.py wraps them):
//   open {url}                 a fresh browser context (empty cache and storage) and page
//   eval {body, timeout_ms}    the value of `(async () => { body })()` in the page
//   wait {body, timeout_ms}    until that value is truthy; answers it
//   errors                     {console: [...], page: [...]} logged since `open`
//   close                      closes the page's context
// The process ends when stdin closes: it closes Firefox first.

import { createInterface } from "node:readline";

import puppeteer from "puppeteer-core";

const executablePath = process.env.FIREFOX_PATH || "/usr/bin/firefox-esr";

const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath,
  headless: true,
  // No update checks, telemetry or first-run pages competing for the shared cores.
  extraPrefsFirefox: {
    "app.update.enabled": false,
    "browser.shell.checkDefaultBrowser": false,
    "datareporting.policy.dataSubmissionEnabled": false,
    "toolkit.telemetry.enabled": false,
    // Notifications allowed, as a visitor who said yes: no prompt can be answered here.
    "permissions.default.desktop-notification": 1,
  },
});

let context = null;
let page = null;
let logged = { console: [], page: [] };

async function open(url) {
  await close();
  context = await browser.createBrowserContext();
  page = await context.newPage();
  logged = { console: [], page: [] };
  page.on("console", (m) => {
    if (m.type() === "error") logged.console.push(m.text());
  });
  page.on("pageerror", (e) => logged.page.push(String(e)));
  await page.goto(url, { waitUntil: "domcontentloaded" });
  return null;
}

async function close() {
  if (context !== null) {
    const closing = context;
    context = page = null;
    await closing.close();
  }
  return null;
}

function current() {
  if (page === null) throw new Error("no page: send `open` first");
  return page;
}

const script = (body) => `(async () => { ${body} })()`;

class TimeoutError extends Error {
  name = "TimeoutError";
}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`not done within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const ops = {
  open: (r) => open(r.url),
  eval: (r) => withTimeout(current().evaluate(script(r.body)), r.timeout_ms),
  wait: async (r) => {
    const handle = await current().waitForFunction(script(r.body), {
      polling: 100,
      timeout: r.timeout_ms,
    });
    return handle.jsonValue();
  },
  errors: async () => logged,
  close: () => close(),
};

function reply(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

reply({ ready: true, version: await browser.version() });

// One request at a time, in order: the Python side waits for each answer.
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === "") continue;
  const request = JSON.parse(line);
  try {
    const op = ops[request.op];
    if (op === undefined) throw new Error(`unknown op ${request.op}`);
    reply({ id: request.id, ok: true, value: (await op(request)) ?? null });
  } catch (err) {
    // "TimeoutError: …" for both our timeouts and puppeteer's (waitForFunction).
    reply({ id: request.id, ok: false, error: `${err?.name ?? "Error"}: ${err?.message ?? err}` });
  }
}
await browser.close();
