"""The controller's side of the last known status at first paint.

``static/last-known.js`` may have painted the status stored by an earlier visit before
Python started. ``LastKnownView`` wraps each render pass of ``Controller.paint``: while the
painted view shows, Python's operations stay off the regions it painted; the first pass
with data takes over (``dropLastKnown`` is queued ahead of that pass's operations, in the
same batch, and the view draws those regions from scratch); after a pass that drew new
live data, what is on screen is stored for the next visit. The rules and the payload
live in ``app.render.last_known``.
"""

from __future__ import annotations

import dataclasses

from app.model.changelog import ChangeLog
from app.model.page_state import PageState, SourceKind
from app.model.ui_state import UiState
from app.ports import LastKnown
from app.render.last_known import LastKnownPaint
from app.render.page import PageView, Rendered

__all__ = ["LastKnownView"]


class LastKnownView:
    def __init__(self, browser: LastKnown, view: PageView, locale: str, version: str) -> None:
        self.browser = browser
        self.view = view
        self.locale = locale
        self.version = version
        self.paint = LastKnownPaint(shown=bool(browser.last_known_shown()))

    def render(self, state: PageState, ui: UiState, now_ms: float, changes: ChangeLog) -> Rendered:
        """``view.render``, with the painted view dropped or held as it must be."""
        if self.paint.take_over(state.snapshot is not None):
            self.browser.drop_last_known()
        rendered = self.view.render(state, ui, now_ms, changes)
        if not self.paint.shown:
            return rendered
        ops = self.paint.hold(rendered.ops)
        # What was held back never reached the page: the takeover draws it from scratch.
        self.view.forget(self.paint.held_keys())
        return dataclasses.replace(rendered, ops=ops)

    def rendered(self, state: PageState, data: bool, now_ms: float) -> None:
        """After a pass (its render recorded): keep a pass of new live data for next time."""
        if data and state.source is SourceKind.LIVE:
            self.browser.store_last_known(
                self.paint.payload(
                    self.view.rendered(),
                    saved_at_ms=state.last_success_ms or now_ms,
                    locale=self.locale,
                    version=self.version,
                )
            )
