"""Comparing view trees (``app.render.vdom.El``) as the DOM sees them."""

from __future__ import annotations

from app.render.last_known import VISIT_ONLY
from app.render.vdom import El

__all__ = ["as_next_visit", "same_tree"]


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
