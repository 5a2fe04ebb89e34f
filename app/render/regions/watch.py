"""The "notify me when the status changes" toggle and the line that explains its state.

The button keeps one label (a toggle button's label must not change with its state);
``aria-pressed`` says whether watching is on, and ``#watch-status`` says what that means,
or why the browser will not show notifications (the button is then ``aria-disabled``:
still focusable, so the reason can be found, but inert).
"""

from __future__ import annotations

from collections.abc import Iterator

from app.model.watch import Permission
from app.render.context import Frame, attrs
from app.render.vdom import El

__all__ = ["watch"]


def watch(f: Frame) -> Iterator[El]:
    state = f.ui.watch
    yield El(
        "button",
        "#watch",
        attrs(
            ("aria-pressed", "true" if state.active else "false"),
            ("aria-disabled", "true" if state.blocked else None),
            ("data-permission", state.permission.value),
        ),
        text=f.w.text("watch.toggle"),
    )
    if state.permission is Permission.UNSUPPORTED:
        status = f.w.text("watch.unsupported")
    elif state.permission is Permission.DENIED:
        status = f.w.text("watch.denied")
    elif state.active:
        status = f.w.text("watch.on")
    else:
        status = ""
    yield El("p", "#watch-status", text=status)
