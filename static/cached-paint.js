"use strict";
// The last known status at first paint. Deferred in <head>, ahead of PyScript's
// module (deferred scripts run in document order), and render-blocking (blocking="render",
// Chromium; an engine without it may paint the empty page once before): on a returning
// visit it paints the status the page last showed
// with live data (stored by app/render/cached.py through storeSnapshot) into the same
// regions Python draws, marked <html data-source="cache" data-stale> with "Last known
// status, <time> — connecting…" in #updated. Python's first render with data removes it
// (drop, in the same batch as its own nodes: no paint in between).
//
// Everything from storage is data: elements are made with createElement, text set with
// textContent, attributes with setAttribute, and only tags and attribute names on the
// lists below are accepted (no on* handlers, no href, src or style). A payload of another
// format, locale or app version, older than 24 hours or malformed is not shown.
(() => {
const KEY = "statuspage-last";
const FORMAT = 1;
const MAX_AGE_MS = 24 * 60 * 60 * 1000;
// A clock a little behind the one that saved it is fine; a payload from the future is not.
const FUTURE_SLACK_MS = 5 * 60 * 1000;
// The regions app/render/cached.py PAINTED lists, by element id.
const REGIONS = new Set(["overall", "overall-title", "overall-detail", "summary-facts", "legend", "clusters"]);
const TAGS = new Set([
  "article", "header", "h3", "div", "span", "p", "dl", "dt", "dd", "ul", "li", "button",
  "svg", "polyline",
]);
const SVG = new Set(["svg", "polyline"]);
const ATTR = /^(?:data-[a-z][a-z-]*|aria-[a-z]+|class|role|type|tabindex|title|hidden|id|viewBox|preserveAspectRatio|points)$/;
const STATUSES = new Set(["unknown", "operational", "degraded", "outage"]);

const state = { shown: false, reason: "none", savedAt: null, partial: false };
const undo = [];

function config() {
  try { return JSON.parse(document.getElementById("statuspage-config").textContent); }
  catch (_) { return {}; }
}

function messages() {
  try { return JSON.parse(document.getElementById("statuspage-messages").textContent); }
  catch (_) { return {}; }
}

const isText = v => v === null || typeof v === "string";

function setAttrs(el, attrs) {
  if (attrs === null || typeof attrs !== "object" || Array.isArray(attrs)) throw new Error("attrs");
  for (const name of Object.keys(attrs)) {
    const value = attrs[name];
    if (!ATTR.test(name) || typeof value !== "string") throw new Error(`attribute ${name}`);
    el.setAttribute(name, value);
  }
}

function element(tag) {
  if (!TAGS.has(tag)) throw new Error(`tag ${tag}`);
  return SVG.has(tag)
    ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
}

// A shard tile from its row: exactly what app/render/cached.py expand_tile() describes.
function tile(row, kinds) {
  const [id, kind, band, tabindex, label, idText, pingText, found, expanded] = row;
  const k = kinds[kind];
  if (!Number.isSafeInteger(id) || !Array.isArray(k) || k.length !== 4 || !k.every(isText)
      || ![band, tabindex, label, idText, pingText].every(v => typeof v === "string")) {
    throw new Error("tile");
  }
  const [stateName, health, shape, stateLabel] = k;
  const el = document.createElement("button");
  const attrs = [
    ["type", "button"], ["class", "shard"], ["data-shard-id", String(id)],
    ["data-state", stateName], ["data-health", health], ["data-shape", shape], ["data-ping", band],
  ];
  if (found) attrs.push(["data-found", ""]);
  attrs.push(
    ["tabindex", tabindex], ["aria-expanded", expanded ? "true" : "false"],
    ["aria-controls", "shard-details"], ["aria-label", label],
  );
  for (const [name, value] of attrs) el.setAttribute(name, value);
  const span = (cls, text) => {
    const s = document.createElement("span");
    s.className = cls;
    s.textContent = text;
    return s;
  };
  el.append(span("shard-id", `${idText} `), span("shard-state", stateLabel), span("shard-ping", ` ${pingText}`));
  return el;
}

function build(node, kinds) {
  if (!Array.isArray(node)) throw new Error("node");
  if (typeof node[0] === "number") return tile(node, kinds);
  const [tag, attrs, text, children] = node;
  if (!isText(text) || !Array.isArray(children)) throw new Error("node");
  const el = element(tag);
  setAttrs(el, attrs);
  if (text !== null) el.textContent = text;
  for (const child of children) el.append(build(child, kinds));
  return el;
}

// Relative time the way app.runtime.IntlFormatter words it, in the largest whole unit.
function ago(ms, lang) {
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return rtf.format(-s, "second");
  if (s < 3600) return rtf.format(-Math.round(s / 60), "minute");
  return rtf.format(-Math.round(s / 3600), "hour");
}

function fill(template, values) {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name) => values[name] ?? whole);
}

// The payload, or the reason it is not shown.
function load() {
  let text = null;
  try { text = localStorage.getItem(KEY); } catch (_) { return "storage"; }
  if (text === null) return "none";
  let data;
  try { data = JSON.parse(text); } catch (_) { return "invalid"; }
  if (data === null || typeof data !== "object") return "invalid";
  if (data.format !== FORMAT) return "format";
  if (data.locale !== (document.documentElement.lang || "en")) return "locale";
  if (data.version !== config().version) return "version";
  const age = Date.now() - data.saved_at;
  if (typeof data.saved_at !== "number" || !(age >= -FUTURE_SLACK_MS)) return "invalid";
  if (age > MAX_AGE_MS) return "expired";
  if (!Array.isArray(data.regions) || !Array.isArray(data.kinds) || !STATUSES.has(data.status)) {
    return "invalid";
  }
  return data;
}

function paint(data) {
  // Everything is built detached first: a payload that fails half-way shows nothing.
  const work = [];
  for (const region of data.regions) {
    if (!Array.isArray(region)) throw new Error("region");
    const [id, attrs, text, children] = region;
    const target = REGIONS.has(id) ? document.getElementById(id) : null;
    if (target === null || !isText(text)) throw new Error(`region ${id}`);
    const scratch = document.createElement("div");
    setAttrs(scratch, attrs);
    if (scratch.hasAttribute("id")) throw new Error("region id");
    const built = Array.isArray(children) ? children.map(c => build(c, data.kinds)) : [];
    work.push({ target, attrs: Object.keys(attrs), scratch, text, built });
  }
  const lang = document.documentElement.lang || "en";
  const t = messages();
  const template = t[data.partial ? "cached.marker_partial" : "cached.marker"];
  if (typeof template !== "string") throw new Error("marker");
  const marker = fill(template, { ago: ago(Date.now() - data.saved_at, lang) });

  const html = document.documentElement;
  remember(html, ["data-status", "data-source", "data-stale"]);
  html.setAttribute("data-status", data.status);
  html.setAttribute("data-source", "cache");
  html.setAttribute("data-stale", "");
  for (const { target, attrs, scratch, text, built } of work) {
    remember(target, attrs, text !== null);
    for (const name of attrs) target.setAttribute(name, scratch.getAttribute(name));
    if (text !== null) target.textContent = text;
    target.append(...built);
    undo.push(() => { for (const el of built) el.remove(); });
  }
  const updated = document.getElementById("updated");
  if (updated) {
    remember(updated, ["data-stale"], true);
    updated.setAttribute("data-stale", "");
    updated.textContent = marker;
  }
  document.getElementById("placeholders")?.remove();
}

// Records how to put back what painting changes on a static element.
function remember(el, attrs, text = false) {
  const before = attrs.map(name => [name, el.getAttribute(name)]);
  const content = text ? el.textContent : null;
  undo.push(() => {
    for (const [name, value] of before) {
      if (value === null) el.removeAttribute(name); else el.setAttribute(name, value);
    }
    if (content !== null) el.textContent = content;
  });
}

// Puts the page back as the HTML had it; Python's operations follow in the same call.
function drop() {
  while (undo.length) undo.pop()();
  state.shown = false;
}

// Called by static/apply.js storeSnapshot after a live render; null removes the payload.
function store(payload) {
  try {
    if (payload === null) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, payload);
  } catch (_) {
    // Quota or disabled storage: keep nothing rather than an older status.
    try { localStorage.removeItem(KEY); } catch (_) { /* disabled */ }
  }
}

const loaded = load();
if (typeof loaded === "string") {
  state.reason = loaded;
} else {
  try {
    paint(loaded);
    Object.assign(state, { shown: true, reason: "shown", savedAt: loaded.saved_at, partial: Boolean(loaded.partial) });
  } catch (_) {
    drop();
    state.reason = "invalid";
  }
}

window.statuspageCache = Object.freeze({
  get shown() { return state.shown; },
  get reason() { return state.reason; },
  get savedAt() { return state.savedAt; },
  get partial() { return state.partial; },
  drop,
  store,
});
})();
