"use strict";
// Never an endless wait: until Python has started, this says in the overall-status area
// what the page is doing (downloading the runtime, with progress; then starting Python),
// and when it cannot start, says so plainly with a Reload button and sets
// <html data-boot="failed" data-boot-reason="…">. Phases in data-boot: "loading",
// "starting", "running" (Python's first call, boot() in apply.js, fired
// "statuspage:python-started"; from then on the page is Python's), or "failed".
// It never touches data-status: a download that stalls is the visitor's link, not the bot.
//
// Until then the controls only Python serves are marked as waiting, and the lookup
// field keeps what is typed (see "the controls" below).
//
// Loaded in the head after the preload links (it reads them) and before PyScript's module
// (so that module's error event is seen). Messages come from #statuspage-messages.
(() => {
const html = document.documentElement;
const script = document.currentScript;
// The closed set of reasons, each with its message (README, "Hooks").
const REASONS = {
  "unsupported": "boot.reason.unsupported",
  "load-error": "boot.reason.load-error",
  "download-stalled": "boot.reason.download-stalled",
  "start-timeout": "boot.reason.start-timeout",
};
// Limits in ms, from the build (tools/build.py writes them on this script's element; how
// the defaults were derived is documented there, at BOOT_STALL_SECONDS).
const STALL_MS = Number(script.dataset.stallMs);
const START_MS = Number(script.dataset.startMs);
const TICK_MS = 250;

// What the boot measured, for benchmarks and curious operators (read-only copy).
const stats = { phase: "loading", reason: null, bytes: 0, total: 0, maxGapMs: 0,
  downloadedMs: null, startedMs: null };
// Content-Security-Policy violations, the page's and its Python worker's (apply.js
// forwards those): "directive blocked-URI sample" each. The policy is strict (no eval,
// Trusted Types) and the page needs nothing it forbids, so none is expected.
const violations = [];
const violation = text => { if (violations.length < 100) violations.push(text); };
document.addEventListener("securitypolicyviolation",
  e => violation(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`));
document.addEventListener("statuspage:violation", e => violation(String(e.detail)));
window.statuspageBoot = () => ({ ...stats, violations: [...violations] });

let phase = "loading";
let messages = null;
let originalTitle = null;  // "Connecting…" as the HTML has it, given back to Python
let lastProgress = performance.now();
let timer = null;

const t = key => {
  if (messages === null) {
    try { messages = JSON.parse(document.getElementById("statuspage-messages").textContent); }
    catch (_) { messages = {}; }
  }
  return messages[key] ?? "";
};
const el = id => document.getElementById(id);

function setPhase(next) {
  phase = stats.phase = next;
  html.setAttribute("data-boot", next);
}

// Text only (never markup); the elements exist once the body is parsed.
function show(title, detail) {
  const titleEl = el("overall-title"), detailEl = el("overall-detail");
  if (!titleEl || !detailEl) return;
  if (originalTitle === null) originalTitle = titleEl.textContent;
  titleEl.textContent = title;
  detailEl.textContent = detail;
}

function fail(reason) {
  if (phase === "failed" || phase === "running") return;
  stats.reason = reason;
  clearInterval(timer);
  setPhase("failed");
  html.setAttribute("data-boot-reason", reason);
  const render = () => {
    show(t("boot.failed"), t(REASONS[reason]));
    const connection = el("connection");
    if (connection) connection.textContent = t("boot.not_started");
    if (!el("boot-reload")) {
      const button = document.createElement("button");
      button.type = "button";
      button.id = "boot-reload";
      button.className = "tool-button boot-reload";
      button.textContent = t("boot.reload");
      button.addEventListener("click", () => location.reload());
      el("overall-detail")?.after(button);
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
}

// Made once: each NumberFormat costs the main thread milliseconds, and render() runs on
// every tick while the runtime downloads.
let formats = null;
const format = () => formats ??= {
  percent: new Intl.NumberFormat(html.lang || "en", { style: "percent" }),
  megabytes: new Intl.NumberFormat(html.lang || "en",
    { style: "unit", unit: "megabyte", maximumFractionDigits: 1, minimumFractionDigits: 1 }),
};

// While static/last-known.js shows the last known status (marked as such, "connecting…"),
// the overall area is that status: progress would hide what the visitor came to see.
// A failure still says so there.
const lastKnownShown = () => Boolean(window.statuspageLastKnown?.shown);

function render() {
  if (lastKnownShown()) return;
  if (phase === "loading") {
    const share = stats.total ? Math.min(1, stats.bytes / stats.total) : 0;
    show(t("boot.downloading"), t("boot.progress")
      .replace("{percent}", format().percent.format(share))
      .replace("{total}", format().megabytes.format(stats.total / 1e6)));
  } else if (phase === "starting") {
    show(t("boot.starting"), "");
  }
}

// Until Python runs, the controls only it serves (every [data-action] but the theme
// toggle, which static/theme.js serves meanwhile) wait for it: aria-disabled, described
// by #controls-waiting ("Available once the page has started"). index.html marks its
// own; this marks the ones the last known status painted (static/last-known.js), and
// releases them all when Python listens. After a failed boot style.css hides them.
const WAITING = "controls-waiting";
const PYTHONS_CONTROLS = "[data-action]:not(#theme-toggle)";
const describedBy = node => (node.getAttribute("aria-describedby") ?? "").split(/\s+/)
  .filter(id => id && id !== WAITING);

function markWaiting() {
  if (phase === "running") return;
  for (const control of document.querySelectorAll(PYTHONS_CONTROLS)) {
    control.setAttribute("aria-disabled", "true");
    control.setAttribute("aria-describedby", [...describedBy(control), WAITING].join(" "));
  }
}

function releaseControls() {
  for (const control of document.querySelectorAll(`[aria-describedby~="${WAITING}"]`)) {
    control.removeAttribute("aria-disabled");
    const ids = describedBy(control);
    if (ids.length) control.setAttribute("aria-describedby", ids.join(" "));
    else control.removeAttribute("aria-describedby");
  }
}

// The lookup field takes typing at any time: Python answers what it holds when it starts
// (boot() in static/apply.js reads it). Until then the field says when the answer comes,
// in #lookup-result, which Python's first render rewrites. The form is never submitted:
// the answer always comes in place, and Enter before Python runs must not navigate
// (that would restart the download and lose the text).
function untilStarted() {
  const field = el("guild-input"), result = el("lookup-result");
  if (phase === "running" || !field || !result) return;
  const text = field.value.trim() ? t("lookup.until_started") : "";
  if (result.textContent !== text) result.textContent = text;
}
document.addEventListener("input", event => {
  if (event.target?.id === "guild-input") untilStarted();
});
document.addEventListener("submit", event => {
  if (event.target?.id !== "lookup-form") return;
  event.preventDefault();
  untilStarted();
});
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", markWaiting);
else markWaiting();

// Python has started: the overall area goes back to what the HTML had ("Connecting…"),
// which is what Python's first render expects to replace; its controls are live.
// Python's controls are live once it listens (apply.js, its first listener), a moment
// after it started: released then, a press in between is not lost.
document.addEventListener("statuspage:python-listening", releaseControls);
document.addEventListener("statuspage:python-started", () => {
  if (phase === "running") return;
  stats.startedMs = performance.now();
  clearInterval(timer);
  const wasFailed = phase === "failed";
  setPhase("running");
  if (wasFailed) {  // it did start after all (e.g. a slow start past the limit)
    html.removeAttribute("data-boot-reason");
    el("boot-reload")?.remove();
  }
  if (originalTitle !== null) {
    el("overall-title").textContent = originalTitle;
    el("overall-detail").textContent = "";  // as Python's view starts (the <noscript> goes)
  }
}, { once: true });

// A script, module or stylesheet of the page that fails to load (PyScript's core and its
// chunks, apply.js); and errors thrown while booting, before Python has started (e.g.
// PyScript rejecting when the interpreter cannot load).
addEventListener("error", event => {
  if (phase !== "loading" && phase !== "starting") return;
  const target = event.target;
  if (target instanceof HTMLScriptElement || !(target instanceof Element)
      || (target instanceof HTMLLinkElement && target.rel !== "icon")) fail("load-error");
}, true);
addEventListener("unhandledrejection", () => {
  if (phase === "loading" || phase === "starting") fail("load-error");
});

// A preload that completes within this long is checked, not read: on a fast link there
// is no progress worth showing, and reading ~11 MB chunk by chunk kept the main thread
// busy (~70-160 ms of its time in Chromium, 2026-12-07) while PyScript was starting
// the worker. A slower download is read as before, from the start of its body.
const SETTLE_MS = 1000;

// Resolves once the preload of `url` has completed (its resource timing entry appears;
// an engine that lists none simply waits the whole time), or after SETTLE_MS.
function settled(url) {
  const done = () => performance.getEntriesByName(url).some(e => e.responseEnd > 0);
  if (done()) return Promise.resolve(true);
  return new Promise(resolve => {
    let observer = null;
    const finish = value => { observer?.disconnect(); clearTimeout(timeout); resolve(value); };
    const timeout = setTimeout(() => finish(done()), SETTLE_MS);
    try {
      observer = new PerformanceObserver(() => { if (done()) finish(true); });
      observer.observe({ type: "resource" });
    } catch (_) { /* no resource entries here: the timeout decides */ }
  });
}

// The runtime's big files, as the head preloads them: fetched here too (the same request
// as the preload, so it is downloaded once), which gives its status and, unless it has
// already arrived, byte progress and a stall signal on every chunk. The worker's own
// requests find them in the HTTP cache. A file no link preloads (the app bundle, see
// watch) is fetched here alone, and read to its end.
async function download(url, size, preloaded = true) {
  const arrived = preloaded && await settled(url);
  let response;
  try {
    response = await fetch(url, { mode: "cors", credentials: "same-origin" });
  } catch (_) {
    return fail("load-error");  // the request failed outright (offline, refused)
  }
  if (!response.ok || !response.body) return fail("load-error");
  if (arrived) {
    response.body.cancel();  // complete in the HTTP cache; nothing to watch
    stats.bytes += size;
    lastProgress = performance.now();
    return size;
  }
  const reader = response.body.getReader();
  for (;;) {
    let chunk;
    try { chunk = await reader.read(); } catch (_) { return fail("load-error"); }
    if (chunk.done) break;
    const now = performance.now();
    stats.maxGapMs = Math.max(stats.maxGapMs, now - lastProgress);
    lastProgress = now;
    stats.bytes += chunk.value.byteLength;
    if (phase !== "loading") { reader.cancel(); return; }
  }
  return size;
}

function watch() {
  const links = [...document.querySelectorAll('link[rel="preload"][as="fetch"][data-bytes]')];
  // The app bundle is needed only once the interpreter has booted: fetched after the
  // preload the build names (the wasm), so the two do not share the link
  // (tools/build.py, bundle_fetch).
  const bundle = script.dataset.bundle;
  const bundleBytes = Number(script.dataset.bundleBytes) || 0;
  stats.total = links.reduce((sum, link) => sum + Number(link.dataset.bytes), bundleBytes);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
  let shown = 0;
  let lastTick = performance.now();
  timer = setInterval(() => {
    const now = performance.now();
    // A late tick means this thread was busy (e.g. Pyodide compiling on the main thread
    // in the fallback): chunks may be waiting behind it, so that time is not a stall.
    const busy = now - lastTick - 2 * TICK_MS;
    if (busy > 0) lastProgress += busy;
    lastTick = now;
    if (phase === "loading" && now - lastProgress > STALL_MS) fail("download-stalled");
    else if (phase === "starting" && now - stats.downloadedMs > START_MS) fail("start-timeout");
    else if (phase === "loading" && stats.bytes !== shown) { shown = stats.bytes; render(); }
  }, TICK_MS);
  const downloads = links.map(link => download(link.href, Number(link.dataset.bytes)));
  if (bundle) {
    const after = links.findIndex(
      link => link.getAttribute("href") === script.dataset.bundleAfter);
    const first = after < 0 ? Promise.resolve() : downloads[after];
    downloads.push(first.then(() => download(bundle, bundleBytes, false)));
  }
  Promise.all(downloads).then(() => {
    if (phase !== "loading") return;
    stats.downloadedMs = performance.now();
    setPhase("starting");
    render();
  });
}

// PyScript needs WebAssembly wherever Python runs; without it nothing can start.
if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
  setPhase("loading");
  fail("unsupported");
} else {
  setPhase("loading");
  watch();
}
})();
