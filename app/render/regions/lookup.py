"""The "find my shard" answer under the lookup field."""

from __future__ import annotations

from app.render.context import Frame, attrs
from app.render.vdom import El

__all__ = ["lookup"]


def lookup(f: Frame) -> El:
    kind, text = f.lookup
    return El("p", "#lookup-result", attrs(("data-kind", kind)), text=text)
