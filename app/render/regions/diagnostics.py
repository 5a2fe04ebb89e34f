"""What was skipped or repaired in the last answer, capped at 50 lines."""

from __future__ import annotations

from app.render.context import Frame, attrs
from app.render.vdom import El

__all__ = ["diagnostics"]

_MAX_PROBLEMS_SHOWN = 50


def diagnostics(f: Frame) -> El:
    problems = f.state.snapshot.problems if f.state.snapshot else ()
    items = tuple(
        El("li", f"p{i}", text=f.w.problem_text(p))
        for i, p in enumerate(problems[:_MAX_PROBLEMS_SHOWN])
    )
    return El(
        "details",
        "#diagnostics",
        attrs(("hidden", None if problems else "")),
        children=(
            El("summary", "diag-s", text=f.w.count("diagnostics.summary", len(problems))),
            El("ul", "diag-l", children=items),
        ),
    )
