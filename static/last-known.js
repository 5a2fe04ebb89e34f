"use strict";
// The last known status at first paint. Deferred in <head>, ahead of PyScript's
// module (deferred scripts run in document order), and render-blocking (blocking="render",
// Chromium; an engine without it may paint the empty page once before): on a returning
// visit it paints the status the page last showed with live data (stored by
// app/render/last_known.py through storeLastKnown) into the same regions Python draws,
// marked <html data-source="cache" data-stale> with "Last known status, <time> —
// connecting…" in #updated. Python's first render with data removes it (drop, in the
// same batch as its own nodes: no paint in between).
//
// A generic builder: the payload is Python's own trees (its format is described in
// app/render/last_known.py), and everything this script must know about them (the key,
// the format, the regions, the tags and attributes it accepts, how a time is worded)
// comes from app/seam.py through the build. Everything from storage is data: elements
// are made by the builder apply.js uses, text set with textContent, attributes with
// setAttribute, and only the accepted tags and attribute names are built. A payload of
// another format, locale or app version, older than its limit or malformed is not shown.
import { lastKnown, relativeUnits } from "statuspage-seam";
import { element } from "./element.js";

const TAGS = new Set(lastKnown.tags);
const ATTR = new RegExp(lastKnown.attrPattern);
const REGIONS = new Set(lastKnown.regions);
const STATUSES = new Set(lastKnown.statuses);
const [MARKER_FULL, MARKER_PARTIAL] = lastKnown.markerKeys;

const state = { shown: false, reason: "none", savedAt: null, partial: false };
const undo = [];

function pageJson(id) {
  try { return JSON.parse(document.getElementById(id).textContent); }
  catch (_) { return {}; }
}

const isText = v => v === null || typeof v === "string";

function checkAttrs(attrs) {
  if (attrs === null || typeof attrs !== "object" || Array.isArray(attrs)) throw new Error("attrs");
  for (const name of Object.keys(attrs)) {
    if (!ATTR.test(name) || typeof attrs[name] !== "string") throw new Error(`attribute ${name}`);
  }
  return attrs;
}

function make(tag, attrs, text) {
  if (!TAGS.has(tag)) throw new Error(`tag ${tag}`);
  if (!isText(text)) throw new Error("text");
  return element(tag, checkAttrs(attrs), text);
}

// A node built from a template (app/render/last_known.py): each attribute's value and the
// text are written in the template, or a slot (null, 0) filled by the next of the row's
// values; a number among them stands for a string of the payload's table.
function fill(template, values, at, strings) {
  if (!Array.isArray(template) || template.length !== 4 || !Array.isArray(template[1])
      || !Array.isArray(template[3])) {
    throw new Error("template");
  }
  const [tag, slots, text, children] = template;
  const next = () => {
    if (at >= values.length) throw new Error("values");
    const v = values[at++];
    const value = typeof v === "number" ? strings[v] : v;
    if (typeof value !== "string") throw new Error("value");
    return value;
  };
  const attrs = {};
  for (const slot of slots) {
    if (!Array.isArray(slot) || typeof slot[0] !== "string") throw new Error("template");
    attrs[slot[0]] = slot[1] === null ? next() : slot[1];
  }
  const el = make(tag, attrs, text === 0 ? next() : text);
  for (const child of children) {
    const [built, after] = fill(child, values, at, strings);
    el.append(built);
    at = after;
  }
  return [el, at];
}

function build(node, data) {
  if (!Array.isArray(node)) throw new Error("node");
  if (typeof node[0] === "number") {
    const [el, used] = fill(data.templates[node[0]], node, 1, data.strings);
    if (used !== node.length) throw new Error("values");
    return el;
  }
  const [tag, attrs, text, children] = node;
  if (!Array.isArray(children)) throw new Error("node");
  const el = make(tag, attrs, text);
  for (const child of children) el.append(build(child, data));
  return el;
}

// Relative time by app/model/format.py's rule: the largest unit that fits, rounded.
function ago(ms, lang) {
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const elapsed = Math.max(0, Math.round(ms / 1000));
  for (const [unit, length, below] of relativeUnits) {
    if (below === null || elapsed < below) return rtf.format(-Math.round(elapsed / length), unit);
  }
  throw new Error("relative units");
}

function fillTemplate(template, values) {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name) => values[name] ?? whole);
}

// The payload, or the reason it is not shown.
function load() {
  let text = null;
  try { text = localStorage.getItem(lastKnown.key); } catch (_) { return "storage"; }
  if (text === null) return "none";
  let data;
  try { data = JSON.parse(text); } catch (_) { return "invalid"; }
  if (data === null || typeof data !== "object") return "invalid";
  if (data.format !== lastKnown.format) return "format";
  if (data.locale !== (document.documentElement.lang || "en")) return "locale";
  if (data.version !== pageJson("statuspage-config").version) return "version";
  const age = Date.now() - data.saved_at;
  if (typeof data.saved_at !== "number" || !(age >= -lastKnown.futureSlackMs)) return "invalid";
  if (age > lastKnown.maxAgeMs) return "expired";
  if (!Array.isArray(data.regions) || !Array.isArray(data.templates) || !Array.isArray(data.strings)
      || !STATUSES.has(data.status)) {
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
    checkAttrs(attrs);
    if ("id" in attrs) throw new Error("region id");
    const built = Array.isArray(children) ? children.map(c => build(c, data)) : [];
    work.push({ target, attrs, text, built });
  }
  const lang = document.documentElement.lang || "en";
  const template = pageJson("statuspage-messages")[data.partial ? MARKER_PARTIAL : MARKER_FULL];
  if (typeof template !== "string") throw new Error("marker");
  const marker = fillTemplate(template, { ago: ago(Date.now() - data.saved_at, lang) });

  const html = document.documentElement;
  remember(html, lastKnown.htmlAttrs);
  html.setAttribute("data-status", data.status);
  html.setAttribute("data-source", "cache");
  html.setAttribute("data-stale", "");
  for (const { target, attrs, text, built } of work) {
    remember(target, Object.keys(attrs), text !== null);
    for (const name in attrs) target.setAttribute(name, attrs[name]);
    if (text !== null) target.textContent = text;
    target.append(...built);
    undo.push(() => { for (const el of built) el.remove(); });
  }
  const updated = document.getElementById(lastKnown.marker);
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

// Called by static/apply.js storeLastKnown after a live render; null removes the payload.
function store(payload) {
  try {
    if (payload === null) localStorage.removeItem(lastKnown.key);
    else localStorage.setItem(lastKnown.key, payload);
  } catch (_) {
    // Quota or disabled storage: keep nothing rather than an older status.
    try { localStorage.removeItem(lastKnown.key); } catch (_) { /* disabled */ }
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

window.statuspageLastKnown = Object.freeze({
  get shown() { return state.shown; },
  get reason() { return state.reason; },
  get savedAt() { return state.savedAt; },
  get partial() { return state.partial; },
  drop,
  store,
});
