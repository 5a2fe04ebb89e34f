"""The last known status, kept for the next visit's first paint.

After a render of live data, ``snapshot_payload`` turns what is on screen (the view's
``El`` trees for the regions in ``PAINTED``) into one JSON string that
``static/last-known.js`` stores in ``localStorage`` and, on the next visit, paints
before Python starts. It is the view's own trees, not a second drawing of them: the
script is a generic builder that knows no tile, and what it needs to know (the storage
key, the format, the regions, the tags it accepts) the build hands it from here.

Repeated shapes are stored once. A small child whose shape (tag, attribute names,
whether it has text, its children's shapes) occurs more than once under its parent, like
a shard tile in its grid, becomes a template and the values that fill its slots: the
values that are the same in every such child are written in the template, the others
are slots, filled in order (the node's attributes, its text, then each child's). A slot
value that repeats across the payload (a state's name, its label) is stored once in
``strings`` and referred to by index.

While the painted view shows, ``LastKnownPaint.hold`` keeps Python's renders off the
painted regions; the first render with data takes over in the same batch: the paint
script removes what it painted and Python's operations draw the regions from scratch.

Payload (format 2)::

    {"format": 2, "saved_at": ms, "locale": "en", "version": "...", "partial": false,
     "status": "operational", "strings": [text, ...], "templates": [shape, ...],
     "regions": [[element id, {attrs}, text or null, [node, ...] or null], ...]}

    node     = [tag, {attrs}, text or null, [node, ...]]
             | [template index, value, ...]        value = text | index into strings
    template = [tag, [[name, text or null], ...], text or null or 0, [template, ...]]
               (null as an attribute value, 0 as the text: a slot)

What only this visit decided is not stored (``VISIT_ONLY``): the next visit starts with
no lookup answered and no details open.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from itertools import chain
from typing import Any

from app.model.vocabulary import OverallStatus
from app.render.vdom import El, Op

__all__ = [
    "BUDGET_CHARS",
    "FORMAT",
    "MARKER_KEYS",
    "PAINTED",
    "LastKnownPaint",
    "snapshot_payload",
]

# Bumped whenever the payload's shape or its meaning changes; static/last-known.js
# drops a payload of any other format.
FORMAT = 2
# Where the payload is kept (localStorage key).
STORAGE_KEY = "statuspage-last"
# localStorage holds 5 MiB (Firefox, Safari) to 10 MiB (Chromium) per origin, counted
# in UTF-16 code units: 1.5 million characters leave room for everything else.
BUDGET_CHARS = 1_500_000
# Older than this, a payload is not shown; a clock a little behind the one that saved it
# is fine, a payload from further in the future is not.
MAX_AGE_MS = 24 * 60 * 60 * 1000
FUTURE_SLACK_MS = 5 * 60 * 1000
# The regions the paint script fills, by static element id: the overall status, the
# summary, the legend and the clusters.
PAINTED = (
    "#overall",
    "#overall-title",
    "#overall-detail",
    "#summary-facts",
    "#legend",
    "#clusters",
)
# <html> attributes the painted view sets; Python's own renders leave them alone while
# it shows, and the takeover removes them before Python sets its own.
HTML_ATTRS = ("data-status", "data-source", "data-stale")
# "#updated" carries the marker while the painted view shows.
MARKER = "#updated"
_HELD = frozenset((*PAINTED, MARKER))
# The marker's messages, filled with the relative time (app.model.format.RELATIVE_UNITS)
# by the paint script: the second says that only problem shards were kept.
MARKER_KEYS = ("last_known.marker", "last_known.marker_partial")
# What the paint script builds from storage: these tags, and attributes matching this
# pattern (no on* handlers, no href, src or style). Anything else fails the payload.
TAGS = (
    "article",
    "header",
    "h3",
    "div",
    "span",
    "p",
    "dl",
    "dt",
    "dd",
    "ul",
    "li",
    "button",
    "svg",
    "polyline",
    "path",
)
ATTR_PATTERN = (
    r"^(?:data-[a-z][a-z-]*|aria-[a-z]+|class|role|type|tabindex|title|hidden|id"
    r"|viewBox|preserveAspectRatio|points|d)$"
)
# Attributes that say what this visit decided, and what the next visit starts with
# (None: absent): no lookup answered yet, no details popover open.
VISIT_ONLY: Mapping[str, str | None] = {"data-found": None, "aria-expanded": "false"}
# Only small repeated parts become templates (a tile is four elements): a template is
# kept or left out whole, and what to keep is decided per tile.
_TEMPLATE_NODES = 8
# A repeated value is stored once when it is at least this long (an index costs a few
# characters too).
_INTERN_MIN = 4


Shape = tuple[str, tuple[str, ...], bool, tuple["Shape", ...]]


class _Encoder:
    """Encodes trees for one payload, reusing what it encoded for the previous one: the
    view hands back the very same ``El`` for an unchanged part (a cluster's unchanged
    grid, a shard's unchanged tile), so a refresh encodes only what changed."""

    def __init__(self) -> None:
        self._shapes: dict[int, tuple[El, Shape | None]] = {}
        self._next_shapes: dict[int, tuple[El, Shape | None]] = {}
        self._nodes: dict[tuple[int, int], tuple[El, list[Any]]] = {}
        self._next_nodes: dict[tuple[int, int], tuple[El, list[Any]]] = {}
        self._rows: dict[int, tuple[El, list[Any]]] = {}
        self._next_rows: dict[int, tuple[El, list[Any]]] = {}
        # Kept for the life of the page (an encoded node refers to them by index); the
        # views draw a handful of shapes.
        self.templates: list[Shape] = []
        self._template_index: dict[Shape, int] = {}

    def end(self) -> None:
        self._shapes, self._next_shapes = self._next_shapes, {}
        self._nodes, self._next_nodes = self._next_nodes, {}
        self._rows, self._next_rows = self._next_rows, {}

    def shape(self, el: El) -> Shape | None:
        """``el``'s shape as the next visit starts, or None when it is too big to be a
        template (``_TEMPLATE_NODES``)."""
        cached = self._shapes.get(id(el))
        shape = cached[1] if cached is not None and cached[0] is el else _small_shape(el)
        self._next_shapes[id(el)] = (el, shape)
        return shape

    def row(self, el: El, shape: Shape) -> list[Any]:
        """``el`` as a template index and the values that fill it."""
        cached = self._rows.get(id(el))
        if cached is not None and cached[0] is el:
            row = cached[1]
        else:
            row = [self.template(shape)]
            _values(el, row)
        self._next_rows[id(el)] = (el, row)
        return row

    def template(self, shape: Shape) -> int:
        index = self._template_index.get(shape)
        if index is None:
            index = self._template_index[shape] = len(self.templates)
            self.templates.append(shape)
        return index

    def node(self, el: El, keep: Callable[[El], bool]) -> list[Any]:
        """``el`` as a plain node, its repeated children as templates."""
        memo_key = (id(el), id(keep))
        cached = self._nodes.get(memo_key)
        if cached is not None and cached[0] is el:
            self._next_nodes[memo_key] = cached
            return cached[1]
        visit = _for_next_visit(el)
        shapes = [self.shape(c) for c in visit.children]
        repeated = {s for s, n in Counter(shapes).items() if n > 1 and s is not None}
        children: list[Any] = []
        for child, shape in zip(visit.children, shapes, strict=True):
            if not keep(child):
                continue
            if shape in repeated and shape is not None:
                children.append(self.row(child, shape))
            else:
                children.append(self.node(child, keep))
        encoded = [visit.tag, dict(visit.attrs), visit.text, children]
        self._next_nodes[memo_key] = (el, encoded)
        return encoded


# Attribute names a next visit does not have at all.
_DROPPED = frozenset(name for name, reset in VISIT_ONLY.items() if reset is None)


class _TooBig(Exception):
    pass


def _small_shape(el: El) -> Shape | None:
    """``el``'s shape as the next visit starts, or None beyond ``_TEMPLATE_NODES``."""
    count = 0

    def walk(node: El) -> Shape:
        nonlocal count
        count += 1
        children = node.children
        if count > _TEMPLATE_NODES or len(children) > _TEMPLATE_NODES:
            raise _TooBig
        names = tuple([attr[0] for attr in node.attrs if attr[0] not in _DROPPED])
        return (node.tag, names, node.text is not None, tuple([walk(c) for c in children]))

    try:
        return walk(el)
    except _TooBig:
        return None


def _for_next_visit(el: El) -> El:
    """``el`` as the next visit starts (``VISIT_ONLY``); the same object when unchanged."""
    if not any(name in VISIT_ONLY for name, _ in el.attrs):
        return el
    kept: list[tuple[str, str]] = []
    for name, value in el.attrs:
        if name not in VISIT_ONLY:
            kept.append((name, value))
        elif (reset := VISIT_ONLY[name]) is not None:
            kept.append((name, reset))
    return El(el.tag, el.key, tuple(kept), el.text, el.children)


def _values(el: El, out: list[Any]) -> None:
    """Append the values that fill ``el``'s shape, in the shape's order."""
    for name, value in el.attrs:
        if name not in VISIT_ONLY:
            out.append(value)
        elif (reset := VISIT_ONLY[name]) is not None:
            out.append(reset)
    if el.text is not None:
        out.append(el.text)
    for child in el.children:
        _values(child, out)


def _finish(regions: list[Any], shapes: list[Shape]) -> tuple[list[Any], list[str]]:
    """The payload's rows, templates and strings from the encoder's raw rows
    (``[shape index, every value]``), which stay as they are for the next payload.

    Per shape, a value that is the same in every row is written once, in its template;
    the others are its slots, filled from each row. A slot value that repeats and is not
    short goes to the strings table, and rows refer to it by index."""
    rows_by_shape: dict[int, list[list[Any]]] = {}

    def copy(nodes: list[Any]) -> list[Any]:
        out: list[Any] = []
        for node in nodes:
            if isinstance(node[0], int):
                row = list(node)
                rows_by_shape.setdefault(node[0], []).append(row)
                out.append(row)
            else:
                out.append([node[0], node[1], node[2], copy(node[3])])
        return out

    for region in regions:
        if region[3] is not None:
            region[3] = copy(region[3])
    templates: list[Any] = []
    rows: list[list[Any]] = []
    for shape_index, group in rows_by_shape.items():
        columns = zip(*(row[1:] for row in group), strict=True)
        fixed = [c[0] if c.count(c[0]) == len(c) else None for c in columns]
        templates.append(_template(shapes[shape_index], iter(fixed)))
        slots = [i + 1 for i, value in enumerate(fixed) if value is None]
        for row in group:
            row[:] = [len(templates) - 1, *(row[i] for i in slots)]
        rows += group
    counts = Counter(chain.from_iterable(row[1:] for row in rows))
    strings = [v for v, n in counts.items() if n > 1 and len(v) >= _INTERN_MIN]
    if strings:
        get = {v: i for i, v in enumerate(strings)}.get
        for row in rows:
            row[1:] = [get(v, v) for v in row[1:]]
    return templates, strings


def _template(shape: Shape, fixed: Iterator[str | None]) -> list[Any]:
    """``shape`` as the payload writes it: fixed values in place, None and 0 for slots."""
    tag, names, has_text, children = shape
    attrs = [[name, next(fixed)] for name in names]
    text: str | int | None = None
    if has_text:
        value = next(fixed)
        text = 0 if value is None else value
    return [tag, attrs, text, [_template(child, fixed) for child in children]]


def _keep_all(_el: El) -> bool:
    return True


def _not_a_healthy_shard(el: El) -> bool:
    """What a partial payload keeps: everything but the tiles of healthy shards."""
    attrs = dict(el.attrs)
    return attrs.get("class") != "shard" or attrs.get("data-health") != "healthy"


def _payload(
    trees: Mapping[str, El],
    meta: dict[str, Any],
    encoder: _Encoder,
    keep: Callable[[El], bool],
    partial: bool,
) -> str:
    regions = []
    for key in PAINTED:
        tree = trees.get(key)
        if tree is None:
            continue
        encoded = encoder.node(tree, keep)
        children = [list(c) for c in encoded[3]] if tree.children else None
        regions.append([key[1:], encoded[1], tree.text, children])
    templates, strings = _finish(regions, encoder.templates)
    html = trees.get("#html")
    html_attrs = dict(html.attrs) if html is not None else {}
    body = {
        **meta,
        "partial": partial,
        "status": html_attrs.get("data-status", OverallStatus.UNKNOWN.value),
        "strings": strings,
        "templates": templates,
        "regions": regions,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def snapshot_payload(
    trees: Mapping[str, El],
    *,
    saved_at_ms: float,
    locale: str,
    version: str,
    budget: int = BUDGET_CHARS,
    encoder: _Encoder | None = None,
) -> str | None:
    """What to store after a live render: every tile when it fits in ``budget``
    characters, else only the problem tiles (``"partial": true``, which the marker
    says), else nothing (None: the previous payload is removed, never shown stale)."""
    meta = {"format": FORMAT, "saved_at": round(saved_at_ms), "locale": locale, "version": version}
    encoder = encoder or _Encoder()
    try:
        text = _payload(trees, meta, encoder, _keep_all, partial=False)
        if len(text) <= budget:
            return text
        text = _payload(trees, meta, encoder, _not_a_healthy_shard, partial=True)
        return text if len(text) <= budget else None
    finally:
        encoder.end()


class LastKnownPaint:
    """Whether the painted last known status is on screen, and what Python's renders do
    meanwhile.

    >>> paint = LastKnownPaint(shown=True)
    >>> paint.hold([["t", "#overall-title", "Connecting…"], ["t", "#notice", "x"]])
    [['t', '#notice', 'x']]
    >>> paint.hold([["a", "#html", {"data-status": "unknown", "data-connection": "offline"}]])
    [['a', '#html', {'data-connection': 'offline'}]]
    """

    def __init__(self, shown: bool) -> None:
        self.shown = shown
        self._encoder = _Encoder()

    def payload(
        self, trees: Mapping[str, El], *, saved_at_ms: float, locale: str, version: str
    ) -> str | None:
        """``snapshot_payload``, reusing what is unchanged since the last one."""
        return snapshot_payload(
            trees, saved_at_ms=saved_at_ms, locale=locale, version=version, encoder=self._encoder
        )

    def take_over(self, has_data: bool) -> bool:
        """True once, on the first render with data while the painted view shows: the
        caller then forgets its trees for ``held_keys()`` and sends ``dropLastKnown``
        ahead of that render's operations, in the same batch (no paint in between)."""
        if self.shown and has_data:
            self.shown = False
            return True
        return False

    @staticmethod
    def held_keys() -> tuple[str, ...]:
        return (*PAINTED, MARKER, "#html")

    def hold(self, ops: list[Op]) -> list[Op]:
        """``ops`` without what would overwrite the painted view while it shows."""
        if not self.shown:
            return ops
        kept: list[Op] = []
        for op in ops:
            target = op[1]
            if op[0] == "a" and target == "#html":
                attrs = {k: v for k, v in op[2].items() if k not in HTML_ATTRS}
                if attrs:
                    kept.append(["a", "#html", attrs])
            elif target not in _HELD:
                kept.append(op)
        return kept
