"""Reuse the tree a builder made last pass when it is called with the same arguments.

``memo.call(build, *args)`` is keyed by ``build`` and its own arguments, so an input the
builder reads cannot be left out of the key: the builder sees nothing else. Reusing the
very same ``El`` lets ``diff()`` skip an unchanged part with one identity check, which
is what keeps a 10,000-shard refresh cheap.

Entries live one pass: what was not asked for this pass is forgotten at ``end_pass()``,
so memory stays bounded by what is on screen. A part built inside another (the tiles
inside a grid) is remembered with its parent: when the parent is reused, its parts are
kept too, so the next change in that grid rebuilds one tile, not all of them.

>>> from app.render.vdom import El
>>> builds = []
>>> def tile(n: int) -> El:
...     builds.append(n)
...     return El("li", f"t{n}")
>>> memo = Memo()
>>> memo.call(tile, 1) is memo.call(tile, 1), builds
(True, [1])
>>> memo.end_pass(); _ = memo.call(tile, 1); _ = memo.call(tile, 2); builds
[1, 2]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVarTuple

from app.render.vdom import El

__all__ = ["Memo"]

_Key = tuple[Hashable, ...]
# An entry: the tree, and every entry its builder asked for, transitively.
_Entry = tuple[El, dict[_Key, "_Entry"]]
_Args = TypeVarTuple("_Args")


class Memo:
    def __init__(self) -> None:
        self._last: dict[_Key, _Entry] = {}
        self._next: dict[_Key, _Entry] = {}
        # Parts asked for by the builders now running, innermost last.
        self._building: list[dict[_Key, _Entry]] = []

    def call(self, build: Callable[[*_Args], El], *args: *_Args) -> El:
        """``build(*args)``, or the tree it returned last pass for equal arguments."""
        key = (build, *args)
        entry = self._last.get(key)
        if entry is None:
            entry = self._next.get(key)
        if entry is None:
            self._building.append({})
            try:
                el = build(*args)
            finally:
                parts = self._building.pop()
            entry = (el, parts)
        else:
            # The parts of a reused tree stay remembered, as if built again.
            self._next.update(entry[1])
        self._next[key] = entry
        if self._building:
            outer = self._building[-1]
            outer[key] = entry
            outer.update(entry[1])
        return entry[0]

    def end_pass(self) -> None:
        """Forget what this pass did not ask for."""
        self._last, self._next = self._next, {}

    def __len__(self) -> int:
        return len(self._last)
