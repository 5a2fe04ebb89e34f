"""A keyed virtual DOM: describe the page as ``El`` trees, send only what changed.

Every element has a key unique in the page (e.g. ``c3`` for cluster 3, ``s12`` for shard
12). ``diff(old, new)`` compares two trees and returns a flat list of operations that
``static/apply.js`` applies in one call across the Python -> JS boundary, so that a
refresh where three shards changed touches three elements and nothing else. Text is
always set with ``textContent`` and attributes with ``setAttribute``: data is never
parsed as HTML.

Operations (JSON arrays):
    ["c", parent, before, spec]   create ``spec`` = [tag, key, {attrs}, text, [children]]
                                  inside ``parent``, before ``before`` (null: at the end)
    ["r", key]                    remove the element and its subtree
    ["m", parent, key, before]    move an existing child
    ["a", key, {name: value}]     set attributes; a null value removes it
    ["t", key, text]              set textContent (elements with children: never)

A key starting with ``#`` names a static element of the page by id.

>>> old = El("ul", "#list", children=(El("li", "a", text="A"),))
>>> new = El("ul", "#list", children=(El("li", "a", text="A!"), El("li", "b", text="B")))
>>> diff(old, new)
[['c', '#list', None, ['li', 'b', {}, 'B', []]], ['t', 'a', 'A!']]
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

__all__ = ["El", "Op", "diff", "spec"]

Op = list[Any]
Attrs = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class El:
    tag: str
    key: str
    attrs: Attrs = ()
    text: str | None = None
    children: tuple[El, ...] = ()


def spec(el: El) -> list[Any]:
    """The creation payload for ``el`` and its subtree."""
    return [el.tag, el.key, dict(el.attrs), el.text, [spec(c) for c in el.children]]


def diff(old: El | None, new: El) -> list[Op]:
    """Operations that turn the rendered ``old`` into ``new`` (same key at the root)."""
    ops: list[Op] = []
    if old is None:
        ops.append(["c", None, None, spec(new)])
        return ops
    _diff_node(old, new, ops)
    # A key that changes parent is removed under the old one and created under the new
    # one. Removals go first (stable sort): applied after the creation, "r" would look up
    # and remove the new element instead of the old one.
    ops.sort(key=lambda op: op[0] != "r")
    return ops


def _diff_node(old: El, new: El, ops: list[Op]) -> None:
    if old is new:
        return
    if old.attrs != new.attrs:
        changed = _attr_changes(old.attrs, new.attrs)
        if changed:
            ops.append(["a", new.key, changed])
    if old.text != new.text:
        ops.append(["t", new.key, new.text or ""])
    if old.children != new.children:
        _diff_children(new.key, old.children, new.children, ops)


def _attr_changes(old: Attrs, new: Attrs) -> dict[str, str | None]:
    before = dict(old)
    after = dict(new)
    changed: dict[str, str | None] = {k: v for k, v in after.items() if before.get(k) != v}
    for k in before:
        if k not in after:
            changed[k] = None
    return changed


def _diff_children(parent: str, old: tuple[El, ...], new: tuple[El, ...], ops: list[Op]) -> None:
    old_by_key = {c.key: c for c in old}
    new_keys = {c.key for c in new}
    for child in old:
        if child.key not in new_keys:
            ops.append(["r", child.key])
    # Walk the new order from the end, so each child is placed before its successor.
    kept = [c.key for c in old if c.key in new_keys]
    position = {k: i for i, k in enumerate(kept)}
    in_order = _longest_increasing([position[c.key] for c in new if c.key in position])
    stable = {kept[i] for i in in_order}
    before: str | None = None
    for child in reversed(new):
        previous = old_by_key.get(child.key)
        if previous is None:
            ops.append(["c", parent, before, spec(child)])
        else:
            _diff_node(previous, child, ops)
            if child.key not in stable:
                ops.append(["m", parent, child.key, before])
        before = child.key


def _longest_increasing(seq: list[int]) -> list[int]:
    """Values of one longest increasing subsequence: the children that need not move."""
    if not seq:
        return []
    tails: list[int] = []
    tails_idx: list[int] = []
    prev = [-1] * len(seq)
    for i, value in enumerate(seq):
        j = bisect.bisect_left(tails, value)
        if j == len(tails):
            tails.append(value)
            tails_idx.append(i)
        else:
            tails[j] = value
            tails_idx[j] = i
        prev[i] = tails_idx[j - 1] if j else -1
    out: list[int] = []
    k = tails_idx[-1]
    while k != -1:
        out.append(seq[k])
        k = prev[k]
    return out[::-1]
