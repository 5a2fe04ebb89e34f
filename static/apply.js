"use strict";
// The page host: applies Python's render passes and commands, describes DOM events to
// Python, and reaches the main thread's APIs for it. Its vocabulary (commands, host
// calls, event kinds, actions) is app/seam.py's, handed over by the build as the JSON
// module "statuspage-seam"; esbuild bundles this file into one classic script.
import {
  actions, commands, gridKeys, hostCalls, lookupInput, lookupKind, needsShard, preventDefault, silent,
  trustedTypesPolicy, uiKinds,
} from "statuspage-seam";
import { element } from "./element.js";

// Applies the operation lists produced by app/render/vdom.py in one call.
// Keys starting with "#" are static elements found by id.
const nodes = new Map();
const keyOf = new WeakMap();

function lookup(key) {
  let el = nodes.get(key);
  if (el === undefined && key.startsWith("#")) {
    el = key === "#html" ? document.documentElement : document.getElementById(key.slice(1));
    if (el) nodes.set(key, el);
  }
  return el ?? undefined;
}

function build(spec) {
  const [tag, key, attrs, text, children] = spec;
  const el = element(tag, attrs, text);
  for (const child of children) el.append(build(child));
  nodes.set(key, el);
  keyOf.set(el, key);
  return el;
}

function applyOps(ops) {
  for (const op of ops) {
    switch (op[0]) {
      case "c": {
        const parent = lookup(op[1]);
        const before = op[2] === null ? null : lookup(op[2]) ?? null;
        parent.insertBefore(build(op[3]), before);
        break;
      }
      case "r": {
        const el = lookup(op[1]);
        if (el) { el.remove(); forgetSubtree(op[1], el); }
        break;
      }
      case "m": {
        const before = op[3] === null ? null : lookup(op[3]) ?? null;
        lookup(op[1]).insertBefore(lookup(op[2]), before);
        break;
      }
      case "a": {
        const el = lookup(op[1]);
        if (el === undefined) break;  // a static element this page does not have
        const attrs = op[2];
        for (const name in attrs) {
          const value = attrs[name];
          if (value === null) el.removeAttribute(name); else el.setAttribute(name, value);
        }
        break;
      }
      case "t": {
        const el = lookup(op[1]);
        if (el !== undefined) el.textContent = op[2];
        break;
      }
    }
  }
  return ops.length;
}

// Removing a subtree must drop every key inside it, or the map would keep detached
// nodes alive for the life of the tab.
function forgetSubtree(key, el) {
  nodes.delete(key);
  if (el.childElementCount) {
    for (const node of el.querySelectorAll("*")) {
      const k = keyOf.get(node);
      if (k !== undefined) nodes.delete(k);
    }
  }
}

function liveNodeCount() { return nodes.size; }

// The shard details popover, placed next to its shard (below it, or above when there is
// no room). Native Popover API: top layer, no z-index fights, light-dismiss handled by us.
function showDetails(shardId) {
  const pop = document.getElementById("shard-details");
  const anchor = document.querySelector(`[data-shard-id="${shardId}"]`);
  if (!pop || !anchor) return hideDetails();
  if (!pop.matches(":popover-open")) pop.showPopover();
  const a = anchor.getBoundingClientRect();
  const p = pop.getBoundingClientRect();
  const margin = 8;
  let top = a.bottom + margin;
  if (top + p.height > window.innerHeight && a.top - margin - p.height > 0) top = a.top - margin - p.height;
  const left = Math.max(margin, Math.min(a.left, window.innerWidth - p.width - margin));
  pop.style.top = `${Math.round(top)}px`;
  pop.style.left = `${Math.round(left)}px`;
}

function hideDetails() {
  const pop = document.getElementById("shard-details");
  if (pop && pop.matches(":popover-open")) pop.hidePopover();
}

// Counters the page publishes for benchmarks, soak tests and curious operators:
// render durations (ms: Python's view and diff, plus applying the batch here) and live
// proxy counts. Recorded as the last command of a render pass's batch (see run()).
const debug = { renders: [], proxies: 0, python: null };
// Where Python runs: "worker" or "main" (reported by app.runtime.Browser at start).
function reportRuntime(where) { debug.python = where; }
let batchStarted = null;
function recordRender(kind, ms, proxies) {
  const applying = batchStarted === null ? 0 : performance.now() - batchStarted;
  debug.renders.push({ kind, ms: ms + applying });
  if (debug.renders.length > 200) debug.renders.splice(0, debug.renders.length - 200);
  debug.proxies = proxies;
}

// ---------------------------------------------------------------------------------------
// The page host: everything Python needs from the main thread, in as few calls as possible.
// Python may run in a Web Worker, where every call into this object is a message (see
// attachWorker) and every callback into Python is asynchronous. So: reads are
// answered at once in one JSON string (boot); writes are queued by Python and sent as one
// JSON list of commands per render pass (run); DOM events are reduced here to small JSON
// descriptions sent to one sink (connect), and preventDefault() is done here, since a
// handler in a worker runs after the event has been dispatched.

let lookupAtBoot = "";

function boot() {
  // Python's first call: it has started (static/boot-status.js stops its start timer).
  document.dispatchEvent(new Event("statuspage:python-started"));
  registerWhenShown();
  const text = id => document.getElementById(id)?.textContent ?? "null";
  // As static/theme.js applied it: the stored choice, or one made before Python ran.
  const theme = document.documentElement.dataset.theme;
  return JSON.stringify({
    config: JSON.parse(text("statuspage-config")),
    messages: JSON.parse(text("statuspage-messages")),
    lang: document.documentElement.lang || "en",
    href: location.href,
    protocol: location.protocol,
    hostname: location.hostname,
    search: location.search,
    pathname: location.pathname,
    visible: document.visibilityState === "visible",
    online: navigator.onLine,
    theme: theme === "light" || theme === "dark" ? theme : null,
    prefersDark: matchMedia("(prefers-color-scheme: dark)").matches,
    watch: storedWatch(),
    notifications: notificationPermission(),
    lastKnown: Boolean(window.statuspageLastKnown?.shown),
    // Typed before Python ran (answered at start; what is typed until it listens, too).
    lookup: (lookupAtBoot = document.getElementById(lookupInput)?.value ?? ""),
  });
}

const THEME_KEY = "statuspage-theme";
const UI_KINDS = new Set(uiKinds);
// These events change nothing when no shard is involved (see app/reducer.py), nor does a
// keydown other than Escape; they are not sent to Python at all.
const NEEDS_SHARD = new Set(needsShard);
const GRID_KEYS = new Set(gridKeys);
// The page's events whose default the main thread prevents, and those Python never needs.
const PREVENT = new Set(preventDefault);
const SILENT = new Set(silent);
const listeners = new Map();
let sink = null;

const closest = (el, selector) =>
  el && typeof el.closest === "function" ? el.closest(selector) : null;
const num = value => (value === undefined || value === null ? null : Number(value));

// The DOM event reduced to what app.ports.UiEvent holds; null when it cannot matter.
function describeUi(event) {
  const target = event.target;
  const ui = { kind: event.type };
  if (!target || typeof target.closest !== "function") return ui;
  const actionEl = target.closest("[data-action]");
  const shardEl = target.closest("[data-shard-id]");
  const relatedEl = closest(event.relatedTarget, "[data-shard-id]");
  if (actionEl) {
    ui.action = actionEl.dataset.action;
    if (event.type === "click" && ui.action === actions.WATCH) askPermission(actionEl);
    ui.value = actionEl.dataset.value ?? null;
    ui.cluster = num(actionEl.dataset.cluster);
  }
  if (target.id === lookupInput) { ui.action = actions.LOOKUP; ui.value = String(target.value); }
  if (shardEl) {
    ui.shard_id = num(shardEl.dataset.shardId);
    ui.grid_cluster = num(shardEl.parentElement?.dataset.cluster);
  } else if (NEEDS_SHARD.has(event.type) || (event.type === "keydown" && event.key !== "Escape")) {
    return null;
  }
  if ("key" in event) ui.key = String(event.key);
  if ("pointerType" in event) ui.pointer = String(event.pointerType);
  ui.in_details = target.closest("#shard-details") !== null;
  if (relatedEl) ui.related_shard = num(relatedEl.dataset.shardId);
  return ui;
}

function describe(event, target, id) {
  if (PREVENT.has(event.type)) event.preventDefault();
  if (SILENT.has(event.type)) return null;
  let ui = null;
  if (UI_KINDS.has(event.type)) {
    ui = describeUi(event);
    if (ui === null) return null;
    if (event.type === "keydown" && GRID_KEYS.has(event.key)
        && ui.shard_id != null && closest(event.target, ".shard-grid")) {
      event.preventDefault();  // arrow keys move between shards, not the page
    }
  }
  return JSON.stringify({
    id,
    target,
    kind: event.type,
    persisted: Boolean(event.persisted),
    visible: document.visibilityState === "visible",
    online: navigator.onLine,
    ui,
  });
}

// Where event descriptions go: one Python callable for the life of the page.
function connect(callback) { sink = callback; }

// One listener per (target, kind), under an id chosen by Python. Python registers all of
// them in its first batch: the first one tells the page that its controls are served
// (static/boot-status.js releases them; the rest are added in the same task, before any
// event can arrive).
function listen(id, target, kind) {
  const node = target === "window" ? window : document;
  const handler = event => {
    const description = describe(event, target, id);
    if (description !== null && sink !== null) sink(description);
  };
  node.addEventListener(kind, handler);
  listeners.set(id, () => node.removeEventListener(kind, handler));
  if (listeners.size === 1) document.dispatchEvent(new Event("statuspage:python-listening"));
  // Typed between boot() and now: Python has only what boot() read; it hears the rest.
  const field = document.getElementById(lookupInput);
  if (kind === lookupKind && field && field.value !== lookupAtBoot) {
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

function unlisten(id) {
  listeners.get(id)?.();
  listeners.delete(id);
}

function setTitle(title) { document.title = title; }

function setValue(id, value) {
  const el = document.getElementById(id);
  if (el) el.value = value;
}

// Replays app.render.favicon's canvas commands and installs the PNG.
function setFavicon(drawing, size) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d");
  let paint = "fill";
  for (const [name, ...args] of drawing) {
    if (name === "fill") { ctx.fillStyle = args[0]; paint = "fill"; continue; }
    if (name === "stroke") { [ctx.strokeStyle, ctx.lineWidth] = args; paint = "stroke"; continue; }
    ctx.beginPath();
    if (name === "circle") ctx.arc(args[0], args[1], args[2], 0, 2 * Math.PI);
    else if (name === "rect") ctx.rect(...args);
    else if (name === "poly") {
      const [first, ...rest] = args[0];
      ctx.moveTo(...first);
      for (const point of rest) ctx.lineTo(...point);
      ctx.closePath();
    }
    if (paint === "fill") ctx.fill(); else ctx.stroke();
  }
  const link = document.getElementById("favicon");
  if (link) link.href = canvas.toDataURL("image/png");
}

const shardElement = id => document.querySelector(`[data-shard-id="${Number(id)}"]`);

function scrollToShard(id) {
  const el = shardElement(id);
  if (!el) return;
  const reduce = matchMedia("(prefers-reduced-motion: reduce)").matches;
  el.scrollIntoView({ block: "center", behavior: reduce ? "auto" : "smooth" });
}

function focusShard(id) { shardElement(id)?.focus(); }

function replaceUrl(href) { history.replaceState(history.state, "", href); }

function storeTheme(theme) {
  try { localStorage.setItem(THEME_KEY, theme); } catch (_) { /* this visit only */ }
}

// Resolves to whether the text reached the clipboard (never rejects).
function copy(text) {
  try {
    return navigator.clipboard.writeText(text).then(() => true, () => false);
  } catch (_) {
    return Promise.resolve(false);
  }
}

// ---------------------------------------------------------------------------------------
// Watching for changes. Notifications are raised by notify() below. The permission is
// requested only from the #watch button's own click, here on the main thread inside the
// click (the browser's user activation), never on load; the browser prompts only while
// the permission is "default". Python awaits the answer with requestNotifications().
// One tag for all notifications: a newer one replaces an older.
const WATCH_KEY = "statuspage-watch";
const NOTIFY_TAG = "statuspage-status";
let permissionAnswer = null;

function notificationPermission() {
  const N = window.Notification;
  if (typeof N !== "function") return "unsupported";
  try { return String(N.permission); } catch (_) { return "unsupported"; }
}

function storedWatch() {
  try { return localStorage.getItem(WATCH_KEY) === "on"; } catch (_) { return false; }
}

function storeWatch(on) {
  try {
    if (on) localStorage.setItem(WATCH_KEY, "on"); else localStorage.removeItem(WATCH_KEY);
  } catch (_) { /* this visit only */ }
}

// Called from describe() during the click on #watch, while it is not pressed.
function askPermission(button) {
  if (button.getAttribute("aria-pressed") === "true" || button.getAttribute("aria-disabled") === "true") return;
  const current = notificationPermission();
  if (current !== "default") { permissionAnswer = Promise.resolve(current); return; }
  try {
    // Older Safari takes a callback and returns undefined instead of a promise.
    const asked = new Promise(done => {
      const promise = window.Notification.requestPermission(done);
      if (promise && typeof promise.then === "function") promise.then(done, () => done(notificationPermission()));
    });
    permissionAnswer = asked.then(String);
  } catch (_) {
    permissionAnswer = Promise.resolve(notificationPermission());
  }
}

// Resolves to the permission after the last press of #watch (never rejects).
function requestNotifications() {
  const answer = permissionAnswer ?? Promise.resolve(notificationPermission());
  permissionAnswer = null;
  return answer;
}

// Through the service worker's registration where there is one (Chrome on Android
// refuses `new Notification` even with the permission granted); `new Notification`
// where there is no service worker, or while it is not active yet (then a click focuses
// this tab). Where the page may not raise one either, the notification waits for the
// registration instead: late rather than lost.
function notify(title, body) {
  if (notificationPermission() !== "granted") return;
  const icon = document.querySelector('link[rel="apple-touch-icon"]')?.href;
  const options = {
    body, tag: NOTIFY_TAG, renotify: true, lang: document.documentElement.lang, icon,
    data: { url: location.pathname + location.search },
  };
  const inPage = () => {
    try {
      const note = new window.Notification(title, options);
      note.onclick = () => { window.focus(); note.close(); };
      return true;
    } catch (_) {
      return false;  // Chrome on Android: only a service worker may
    }
  };
  const through = registration => (registration ? registration.showNotification(title, options) : null);
  const registration = serviceWorker();
  if (registration === null) { inPage(); return; }
  const late = new Promise(done => setTimeout(() => done(null), SERVICE_WORKER_WAIT_MS));
  Promise.race([registration, late])
    .then(active => (active ? through(active) : inPage() || registration.then(through)))
    .catch(() => { /* no notification can be shown: the page still says what changed */ });
}

// ---------------------------------------------------------------------------------------
// The service worker (static/sw.js, served as dist/sw.js): registered once the page shows
// data and is idle, so that it never competes with a first visit's downloads; then told
// which runtime files this page loaded before it existed, so that the next visit opens
// without a network. serviceWorker() is null where there is none (no secure context, an
// engine without them), else a promise of the active registration, or of null when the
// registration failed (the next call registers again). It never rejects, and it resolves
// whenever the worker becomes active, however long that takes (slow storage on a phone):
// notify() waits SERVICE_WORKER_WAIT_MS for it each time, never for good.
const SERVICE_WORKER_URL = document.currentScript?.dataset.serviceWorker ?? null;
const SERVICE_WORKER_WAIT_MS = 10000;
let workerReady = null;

function serviceWorker() {
  const container = navigator.serviceWorker;
  if (!SERVICE_WORKER_URL || !container || !window.isSecureContext) return null;
  if (workerReady === null) {
    workerReady = container.register(scriptURL(SERVICE_WORKER_URL), { scope: "/" })
      .then(() => container.ready)
      .then(registration => { keepLoaded(registration); return registration; })
      .catch(() => { workerReady = null; return null; });
  }
  return workerReady;
}

// Told to the newest worker once it is active: a new build's worker keeps this page's
// files in its own cache, not in the one it is about to delete.
function keepLoaded(registration) {
  const own = `${location.origin}/`;
  const urls = performance.getEntriesByType("resource")
    .map(entry => entry.name)
    .filter(name => name.startsWith(own));
  const worker = registration.installing ?? registration.waiting ?? registration.active;
  if (!worker) return;
  const send = () => worker.postMessage({ kind: "keep", urls });
  if (worker.state === "activated") { send(); return; }
  worker.addEventListener("statechange", function activated() {
    if (worker.state !== "activated") return;
    worker.removeEventListener("statechange", activated);
    send();
  });
}

function registerWhenShown() {
  const html = document.documentElement;
  const register = () => {
    const idle = window.requestIdleCallback ?? (callback => setTimeout(callback, 1000));
    setTimeout(() => idle(() => serviceWorker()), 2000);
  };
  if (html.hasAttribute("data-ready")) { register(); return; }
  const observer = new MutationObserver(() => {
    if (!html.hasAttribute("data-ready")) return;
    observer.disconnect();
    register();
  });
  observer.observe(html, { attributes: true, attributeFilter: ["data-ready"] });
}

// The service worker asks this tab to come forward after a notification click (its own
// focus() needs the click's user activation, which a browser may not pass on).
navigator.serviceWorker?.addEventListener("message", event => {
  if (event.data?.kind === "notification-click") window.focus();
});

// Trusted Types (the CSP requires them where the engine has them): the one policy of the
// page (app/seam.py names it; tools/headers.py allows it in the CSP, and no other). It makes no HTML and no script,
// only script URLs, and only two kinds: the service worker's, and blob: URLs that
// blobURL() itself made from a Blob (PyScript's worker, patched to ask for one by
// tools/runtime_patches.py; the module-worker probe below). A string from anywhere else
// is refused.
const blessed = new Set();
const policy = window.trustedTypes?.createPolicy(trustedTypesPolicy, {
  createScriptURL(url) {
    if (url !== SERVICE_WORKER_URL && !blessed.delete(url)) {
      throw new TypeError(`statuspage: not a script URL of this page: ${url}`);
    }
    return url;
  },
});
const scriptURL = url => (policy ? policy.createScriptURL(url) : url);
function blobURL(blob) {
  const url = URL.createObjectURL(blob);
  blessed.add(url);
  return scriptURL(url);
}
window.statuspageBlobURL = blobURL;

// Where Python runs (README, "Where Python runs"). Loaded right after
// <script type="py" worker>, before PyScript's module runs. PyScript's worker reaches the
// page synchronously only where SharedArrayBuffer exists; WebKit has none, even when
// cross-origin isolated, and the page used to hang there at "Connecting…". So the worker
// never uses those proxies: it talks to this file by messages (attachWorker), in every
// engine. It stays a worker wherever the engine can start a module worker (PyScript's
// kind); elsewhere Python runs on the main thread and calls window.statuspage directly.
// (A main-thread script carries the whole config; PyScript refuses a <py-config> too.)
//
// The probe starts no worker where module workers exist: the constructor reads `type`
// while it converts its options, before it starts anything, and the getter throws there.
// Only an engine that never reads `type` gets as far as starting one, ended at once.
const ASKED = Symbol("type was read");
function moduleWorkers() {
  if (typeof Worker !== "function") return false;
  const url = blobURL(new Blob([""], { type: "text/javascript" }));
  try {
    new Worker(url, { get type() { throw ASKED; } }).terminate();
    return false;  // `type` was never read: no module workers
  } catch (error) {
    return error === ASKED;
  } finally {
    URL.revokeObjectURL(String(url));
  }
}

// The worker's messages are ["statuspage", name, ...args]; answers go back the same way.
const attached = new WeakSet();
function attachWorker(xworker) {
  if (attached.has(xworker)) return;
  attached.add(xworker);
  const post = (...message) => xworker.postMessage(["statuspage", ...message]);
  xworker.addEventListener("message", event => {
    const message = event.data;
    if (!Array.isArray(message) || message[0] !== "statuspage") return;
    const answer = value => post(hostCalls.ANSWER, message[2], value);
    switch (message[1]) {
      case hostCalls.BOOT: answer(boot()); break;
      case hostCalls.COPY: copy(message[3]).then(answer); break;
      case hostCalls.REQUEST_NOTIFICATIONS: requestNotifications().then(answer); break;
      case hostCalls.RUN: run(message[2]); break;
      case hostCalls.CONNECT:
        connect(message[2] ? description => post(hostCalls.EVENT, description) : null);
        break;
      // A policy violation in the worker (its first line reports them: see
      // tools/runtime_patches.py), counted with the page's own by boot-status.js.
      case hostCalls.VIOLATION:
        document.dispatchEvent(new CustomEvent("statuspage:violation", { detail: message[2] }));
        break;
    }
  });
}

const pyScript = document.querySelector('script[type="py"][worker]');
if (pyScript && !moduleWorkers()) {
  pyScript.removeAttribute("worker");
  document.querySelector("py-config")?.remove();
} else if (pyScript) {
  // PyScript's own hook for the worker it starts (its core module is already loading;
  // the same URL gives the same module). It awaits its config before starting workers,
  // so the hook is in place first; xworker is checked too, in case it was not.
  const core = document.querySelector('script[type="module"][src*="/pyscript-"]');
  import(core.src).then(({ hooks }) => {
    if (pyScript.xworker) attachWorker(pyScript.xworker);
    else hooks.main.onWorker.add((_, xworker) => attachWorker(xworker));
  }, () => { /* reported by boot-status.js: the module script's own error event */ });
}

// The last known status (static/last-known.js): removed in the batch that draws the
// first data, stored after each live render.
function dropLastKnown() { window.statuspageLastKnown?.drop(); }
function storeLastKnown(payload) { window.statuspageLastKnown?.store(payload); }

// How each command app/seam.py declares is carried out here; run() executes a JSON list
// of [name, ...args] in order, and takes no command the seam does not declare.
const IMPLEMENTATIONS = {
  apply: applyOps, setTitle, setFavicon, listen, unlisten, setValue, scrollToShard,
  focusShard, showDetails, hideDetails, replaceUrl, storeTheme, recordRender, reportRuntime,
  storeWatch, notify, dropLastKnown, storeLastKnown,
};
const COMMANDS = new Map(commands.map(([name]) => [name, IMPLEMENTATIONS[name]]));

function run(json) {
  batchStarted = performance.now();
  try {
    for (const [name, ...args] of JSON.parse(json)) COMMANDS.get(name)(...args);
  } finally {
    batchStarted = null;
  }
}

window.statuspage = Object.freeze({
  liveNodeCount,
  debug,
  // What this file implements, by name and number of arguments (tests/unit/test_seam.py
  // compares it with app/seam.py's declaration).
  implemented: Object.freeze(Object.fromEntries(
    Object.entries(IMPLEMENTATIONS).map(([name, fn]) => [name, fn.length]),
  )),
  [hostCalls.BOOT]: boot,
  [hostCalls.CONNECT]: connect,
  [hostCalls.RUN]: run,
  [hostCalls.COPY]: copy,
  [hostCalls.REQUEST_NOTIFICATIONS]: requestNotifications,
});
