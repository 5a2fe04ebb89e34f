"use strict";
(() => {
// Applies the operation lists produced by app/render/vdom.py in one call.
// Text goes through textContent and attributes through setAttribute: data is never
// parsed as HTML. Keys starting with "#" are static elements found by id.
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
  const el = tag === "svg" || tag === "polyline" || tag === "path"
    ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  for (const name in attrs) el.setAttribute(name, attrs[name]);
  if (text !== null) el.textContent = text;
  for (const child of children) el.append(build(child));
  nodes.set(key, el);
  keyOf.set(el, key);
  return el;
}

function apply(json) {
  const ops = JSON.parse(json);
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
// render durations (ms, the view diff plus this apply) and live proxy counts.
const debug = { renders: [], proxies: 0 };
function recordRender(kind, ms, proxies) {
  debug.renders.push({ kind, ms });
  if (debug.renders.length > 200) debug.renders.splice(0, debug.renders.length - 200);
  debug.proxies = proxies;
}

window.statuspage = Object.freeze({
  apply, liveNodeCount, showDetails, hideDetails, recordRender, debug,
});
})();
