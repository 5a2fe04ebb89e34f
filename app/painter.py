"""One render pass, from model state to the page: the view's operations and what goes
with them (title, scrolling to the looked-up shard, the open details, the favicon, the
announcement of a changed overall status, ``data-ready``), sent as one flush.

The controller decides *when* to draw (``Controller.invalidate``); this decides *what*
a pass sends beyond the view's own operations, and remembers what it already did so a
pass repeats none of it (scrolling, repainting the favicon, announcing, marking ready).
"""

from __future__ import annotations

from collections.abc import Callable

from app.last_known_view import LastKnownView
from app.model.changelog import ChangeLog
from app.model.page_state import PageState
from app.model.snapshot import Snapshot
from app.model.ui_state import UiState
from app.model.vocabulary import OverallStatus
from app.ports import Page
from app.render.favicon import FAVICON_SIZE, favicon_drawing
from app.render.page import Rendered

__all__ = ["Painter"]


class Painter:
    def __init__(
        self, browser: Page, last_known: LastKnownView, monotonic: Callable[[], float]
    ) -> None:
        self.browser = browser
        self.last_known = last_known  # draws through the last known status while it shows
        self.monotonic = monotonic
        self.last: Rendered | None = None  # what the page says now (the diagnostics copy)
        self._focus_after: list[int] = []
        self._scrolled_to: int | None = None
        self._rendered_snapshot: Snapshot | None = None
        self._favicon_status: OverallStatus | None = None
        self._ready = False

    def focus_after_next_pass(self, shard_id: int) -> None:
        """Focus this shard once the next pass has made it its grid's tab stop."""
        self._focus_after.append(shard_id)

    def scroll_again(self) -> None:
        """The next pass scrolls to the looked-up shard even if it is the same one."""
        self._scrolled_to = None

    def paint(self, state: PageState, ui: UiState, changes: ChangeLog) -> Rendered:
        """One render pass: the view's operations and everything around them, one flush."""
        b = self.browser
        started = self.monotonic()
        now = b.now_ms()
        rendered = self.last = self.last_known.render(state, ui, now, changes)
        b.apply(rendered.ops)
        b.set_title(rendered.title)
        found = rendered.found_shard
        if found is not None and found != self._scrolled_to:
            self._scrolled_to = found
            b.scroll_to_shard(found)
        if ui.open_shard is not None:
            b.show_details(ui.open_shard)
        status = rendered.status
        if status is not None and status is not self._favicon_status:
            b.set_favicon(favicon_drawing(status), FAVICON_SIZE)
            if self._favicon_status is not None:
                # Only a change is announced; the first answer and routine refreshes are not.
                b.announce(rendered.status_label)
            self._favicon_status = status
        if not self._ready and state.snapshot is not None:
            self._ready = True
            b.mark_ready()
        for shard_id in self._focus_after:
            b.focus_shard(shard_id)
        self._focus_after.clear()
        kind = "data" if state.snapshot is not self._rendered_snapshot else "view"
        self._rendered_snapshot = state.snapshot
        b.record_render(kind, (self.monotonic() - started) * 1000)
        self.last_known.rendered(state, kind == "data", now)  # kept for the next visit if live
        # Everything above reaches the page as one call (one round trip from a worker).
        b.flush()
        return rendered
