"""The list of recent shard state changes."""

from __future__ import annotations

from collections.abc import Iterator

from app.render.context import Frame, attrs
from app.render.vdom import El

__all__ = ["changes"]


def changes(f: Frame) -> Iterator[El]:
    recent = f.changes.recent
    yield El("p", "#changes-empty", attrs(("hidden", "" if recent else None)))
    yield El(
        "ol",
        "#changes-list",
        children=tuple(
            El("li", f"ch{c.shard_id}-{round(c.at)}", text=f.w.change_text(c)) for c in recent
        ),
    )
