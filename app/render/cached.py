"""The last known status, kept for the next visit's first paint.

After a render of live data, ``snapshot_payload`` turns what is on screen (the view's
``El`` trees for the regions in ``PAINTED``) into one JSON string that
``static/cached-paint.js`` stores in ``localStorage`` and, on the next visit, paints
before Python starts. Keys are dropped (nothing but ``CachedPaint.take_over`` ever
touches those nodes again), and a shard tile, the bulk of a big deployment, becomes a
short row that the paint script expands back into exactly the tile the view builds
(checked here for every tile: a tile that would not come back equal is stored as a
plain node instead).

While the painted view shows, ``CachedPaint.hold`` keeps Python's renders off the
painted regions; the first render with data takes over in the same batch: the paint
script removes what it painted and Python's operations draw the regions from scratch.

Payload (format 1)::

    {"format": 1, "saved_at": ms, "locale": "en", "version": "...", "partial": false,
     "kinds": [[state, health, shape, label], ...],
     "regions": [[element id, {attrs}, text or null, [node, ...] or null], ...]}

    node = [tag, {attrs}, text or null, [node, ...]]
         | [shard id, kind index, ping band, tabindex, aria-label, id text, ping text,
            found (0/1), expanded (0/1)]          (a shard tile)

A tile is stored as the next visit starts: not found by a lookup (``data-found`` is
this visit's answer to its own ``?guild=``) and with no details open.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from app.render.vdom import El, Op

__all__ = [
    "BUDGET_CHARS",
    "FORMAT",
    "MARKER_KEYS",
    "PAINTED",
    "CachedPaint",
    "expand_tile",
    "snapshot_payload",
]

# Bumped whenever the payload's shape or its meaning changes; static/cached-paint.js
# drops a payload of any other format.
FORMAT = 1
# localStorage holds 5 MiB (Firefox, Safari) to 10 MiB (Chromium) per origin, counted
# in UTF-16 code units: 1.5 million characters leave room for everything else.
BUDGET_CHARS = 1_500_000
# The regions the paint script fills, by static element id: the overall status, the
# "updated" line (the paint script's marker goes there), the summary, the legend and
# the clusters. The paint script knows the same list.
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
# The marker's messages, filled with Intl.RelativeTimeFormat by the paint script: the
# second says that only problem shards were kept ("partial": true).
MARKER_KEYS = ("cached.marker", "cached.marker_partial")

_TILE_ATTRS = (
    "type",
    "class",
    "data-shard-id",
    "data-state",
    "data-health",
    "data-shape",
    "data-ping",
    "data-found",
    "tabindex",
    "aria-expanded",
    "aria-controls",
    "aria-label",
)


def _node(el: El) -> list[Any]:
    return [el.tag, dict(el.attrs), el.text, [_node(c) for c in el.children]]


class _Tiles:
    """Shard tiles as rows, with the (state, health, shape, label) table they index."""

    def __init__(self) -> None:
        self.kinds: list[list[str]] = []
        self._kind_index: dict[tuple[str, str, str, str], int] = {}
        # Rows by tile identity: the view hands back the very same El for an unchanged
        # shard, so a refresh checks only the tiles that changed. Rebuilt every payload.
        self._memo: dict[int, tuple[El, list[Any] | None]] = {}
        self._next: dict[int, tuple[El, list[Any] | None]] = {}
        # Encoded subtrees the same way (a cluster's unchanged grid, header, facts).
        self.nodes: dict[tuple[int, int], tuple[El, list[Any]]] = {}
        self.next_nodes: dict[tuple[int, int], tuple[El, list[Any]]] = {}

    def end(self) -> None:
        self._memo, self._next = self._next, {}
        self.nodes, self.next_nodes = self.next_nodes, {}

    def row(self, el: El) -> list[Any] | None:
        """``el`` as a row, or None when it is not a tile the row would rebuild exactly."""
        cached = self._memo.get(id(el))
        row = cached[1] if cached is not None and cached[0] is el else self._row(el)
        self._next[id(el)] = (el, row)
        return row

    def _row(self, el: El) -> list[Any] | None:
        if el.tag != "button" or len(el.children) != 3:
            return None
        a = dict(el.attrs)
        if a.get("class") != "shard" or set(a) - set(_TILE_ATTRS):
            return None
        ident, state_el, ping_el = el.children
        try:
            shard_id = int(a["data-shard-id"])
            kind = (a["data-state"], a["data-health"], a["data-shape"], state_el.text or "")
            row = [
                shard_id,
                self._kind(kind),
                a["data-ping"],
                a["tabindex"],
                a["aria-label"],
                (ident.text or "")[:-1],
                (ping_el.text or "")[1:],
                0,  # data-found: this visit's lookup decides, not the last one's
                0,  # aria-expanded: no details popover is open at load
            ]
        except (KeyError, ValueError):
            return None
        visit_only = {"data-found": None, "aria-expanded": "false"}
        return row if _same(expand_tile(row, self.kinds), _with(el, visit_only)) else None

    def _kind(self, kind: tuple[str, str, str, str]) -> int:
        index = self._kind_index.get(kind)
        if index is None:
            index = self._kind_index[kind] = len(self.kinds)
            self.kinds.append(list(kind))
        return index


def expand_tile(row: list[Any], kinds: list[list[str]]) -> El:
    """The tile a row stands for (keys left empty): what cached-paint.js ``tile()`` builds."""
    shard_id, kind, band, tabindex, label, id_text, ping_text, found, expanded = row
    state, health, shape, state_label = kinds[kind]
    attrs: list[tuple[str, str]] = [
        ("type", "button"),
        ("class", "shard"),
        ("data-shard-id", str(shard_id)),
        ("data-state", state),
        ("data-health", health),
        ("data-shape", shape),
        ("data-ping", band),
    ]
    if found:
        attrs.append(("data-found", ""))
    attrs += [
        ("tabindex", tabindex),
        ("aria-expanded", "true" if expanded else "false"),
        ("aria-controls", "shard-details"),
        ("aria-label", label),
    ]
    return El(
        "button",
        "",
        tuple(attrs),
        children=(
            El("span", "", (("class", "shard-id"),), id_text + " "),
            El("span", "", (("class", "shard-state"),), state_label),
            El("span", "", (("class", "shard-ping"),), " " + ping_text),
        ),
    )


def _with(el: El, attrs: Mapping[str, str | None]) -> El:
    """``el`` with ``attrs`` set (None: removed)."""
    kept = tuple((k, v) for k, v in el.attrs if k not in attrs)
    added = tuple((k, v) for k, v in attrs.items() if v is not None)
    return El(el.tag, el.key, kept + added, el.text, el.children)


def _same(a: El, b: El) -> bool:
    """Equal as the DOM sees them: keys and attribute order do not matter."""
    return (
        a.tag == b.tag
        and dict(a.attrs) == dict(b.attrs)
        and (a.text or None) == (b.text or None)
        and len(a.children) == len(b.children)
        and all(_same(x, y) for x, y in zip(a.children, b.children, strict=True))
    )


def _keep_all(_el: El) -> bool:
    return True


def _is_problem_tile(el: El) -> bool:
    return dict(el.attrs).get("data-health") != "healthy"


def _encode(el: El, tiles: _Tiles, keep: Callable[[El], bool]) -> list[Any]:
    memo_key = (id(el), id(keep))
    cached = tiles.nodes.get(memo_key)
    if cached is not None and cached[0] is el:
        tiles.next_nodes[memo_key] = cached
        return cached[1]
    children = []
    for child in el.children:
        row = tiles.row(child)
        if row is None:
            children.append(_encode(child, tiles, keep))
        elif keep(child):
            children.append(row)
    encoded = [el.tag, dict(el.attrs), el.text, children]
    tiles.next_nodes[memo_key] = (el, encoded)
    return encoded


def _payload(
    trees: Mapping[str, El],
    meta: dict[str, Any],
    tiles: _Tiles,
    keep: Callable[[El], bool],
    partial: bool,
) -> str:
    regions = []
    for key in PAINTED:
        tree = trees.get(key)
        if tree is None:
            continue
        encoded = _encode(tree, tiles, keep)
        children = encoded[3] if tree.children else None
        regions.append([key[1:], encoded[1], tree.text, children])
    html = trees.get("#html")
    html_attrs = dict(html.attrs) if html is not None else {}
    body = {
        **meta,
        "partial": partial,
        "status": html_attrs.get("data-status", "unknown"),
        "kinds": tiles.kinds,
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
    tiles: _Tiles | None = None,
) -> str | None:
    """What to store after a live render: every tile when it fits in ``budget``
    characters, else only the problem tiles (``"partial": true``, which the marker
    says), else nothing (None: the previous payload is removed, never shown stale)."""
    meta = {"format": FORMAT, "saved_at": round(saved_at_ms), "locale": locale, "version": version}
    tiles = tiles or _Tiles()
    try:
        text = _payload(trees, meta, tiles, _keep_all, partial=False)
        if len(text) <= budget:
            return text
        text = _payload(trees, meta, tiles, _is_problem_tile, partial=True)
        return text if len(text) <= budget else None
    finally:
        tiles.end()


class CachedPaint:
    """Whether the painted view is on screen, and what Python's renders do meanwhile.

    >>> paint = CachedPaint(shown=True)
    >>> paint.hold([["t", "#overall-title", "Connecting…"], ["t", "#notice", "x"]])
    [['t', '#notice', 'x']]
    >>> paint.hold([["a", "#html", {"data-status": "unknown", "data-connection": "offline"}]])
    [['a', '#html', {'data-connection': 'offline'}]]
    """

    def __init__(self, shown: bool) -> None:
        self.shown = shown
        self._tiles = _Tiles()

    def payload(
        self, trees: Mapping[str, El], *, saved_at_ms: float, locale: str, version: str
    ) -> str | None:
        """``snapshot_payload``, reusing the rows of tiles unchanged since the last one."""
        return snapshot_payload(
            trees, saved_at_ms=saved_at_ms, locale=locale, version=version, tiles=self._tiles
        )

    def take_over(self, has_data: bool) -> bool:
        """True once, on the first render with data while the painted view shows: the
        caller then forgets its trees for ``held_keys()`` and sends ``dropCached`` ahead
        of that render's operations, in the same batch (no paint in between)."""
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
