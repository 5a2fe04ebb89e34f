// One element from its tag, attributes and text: the builder static/apply.js and
// static/last-known.js share. The tags the views draw in the SVG namespace come from
// app/seam.py. Text goes through textContent and attributes through setAttribute: data
// is never parsed as HTML.
import { svgTags } from "statuspage-seam";

const SVG = new Set(svgTags);
const SVG_NS = "http://www.w3.org/2000/svg";

export function element(tag, attrs, text) {
  const el = SVG.has(tag) ? document.createElementNS(SVG_NS, tag) : document.createElement(tag);
  for (const name in attrs) el.setAttribute(name, attrs[name]);
  if (text !== null) el.textContent = text;
  return el;
}
