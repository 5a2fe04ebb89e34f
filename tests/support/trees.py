"""View trees (``app.render.vdom.El``): compared as the DOM sees them, and read back from
the last known status's payload as static/last-known.js builds them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.render.last_known import VISIT_ONLY
from app.render.vdom import El

__all__ = ["as_next_visit", "expand", "same_tree"]


def same_tree(a: El, b: El) -> bool:
    """Equal as the DOM sees them: keys do not matter, attribute order does not either."""
    return (
        a.tag == b.tag
        and dict(a.attrs) == dict(b.attrs)
        and (a.text or None) == (b.text or None)
        and len(a.children) == len(b.children)
        and all(same_tree(x, y) for x, y in zip(a.children, b.children, strict=True))
    )


def as_next_visit(tree: El) -> El:
    """``tree`` as the last known status keeps it (``VISIT_ONLY`` applied throughout)."""
    attrs = []
    for name, value in tree.attrs:
        if name not in VISIT_ONLY:
            attrs.append((name, value))
        elif (reset := VISIT_ONLY[name]) is not None:
            attrs.append((name, reset))
    return El(tree.tag, tree.key, tuple(attrs), tree.text, tuple(map(as_next_visit, tree.children)))


def expand(payload: Mapping[str, Any]) -> dict[str, El]:
    """The regions a payload paints, as ``El`` trees (keys left empty): what
    static/last-known.js builds from it, written in Python for the tests."""
    strings: list[str] = payload["strings"]
    templates: list[list[Any]] = payload["templates"]

    def fill(template: list[Any], values: list[Any], at: int) -> tuple[El, int]:
        tag, names, text, child_templates = template
        attrs = []
        for name, fixed in names:
            if fixed is None:
                fixed, at = _value(values[at], strings), at + 1
            attrs.append((name, fixed))
        if text == 0:
            text, at = _value(values[at], strings), at + 1
        children = []
        for child_template in child_templates:
            child, at = fill(child_template, values, at)
            children.append(child)
        return El(tag, "", tuple(attrs), text, tuple(children)), at

    def build(node: list[Any]) -> El:
        if isinstance(node[0], int):
            return fill(templates[node[0]], node[1:], 0)[0]
        tag, attrs, text, children = node
        return El(tag, "", tuple(attrs.items()), text, tuple(build(c) for c in children))

    regions = {}
    for element_id, attrs, text, children in payload["regions"]:
        kids = tuple(build(c) for c in children or [])
        regions[element_id] = El("region", "", tuple(attrs.items()), text, kids)
    return regions


def _value(value: str | int, strings: list[str]) -> str:
    return strings[value] if isinstance(value, int) else value
