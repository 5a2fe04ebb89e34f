"""The controller's side of watching for changes: a notification when an answer changes
the status.

``Watcher.answer`` is called once per accepted answer. It compares what the answer says
(the overall status, and the looked-up server's shard) with what the last one said, and
notifies while the visitor watches. The rules (what counts as a change, never preview
data, never the link's own recovery) and the wording live in ``app.model.watch``.
"""

from __future__ import annotations

from app.model.i18n import Catalogue
from app.model.page_state import SourceKind
from app.model.snapshot import Snapshot
from app.model.ui_state import UiState
from app.model.watch import Observed, alert_message, observe, observed
from app.ports import Notifications

__all__ = ["Watcher"]


class Watcher:
    def __init__(self, browser: Notifications, t: Catalogue) -> None:
        self.browser = browser
        self.t = t
        self._observed: Observed | None = None  # the last answer, as watched

    def answer(self, snapshot: Snapshot, kind: SourceKind, ui: UiState) -> None:
        """Notify (while watching) when this answer changes what the last one said."""
        guild = ui.lookup.guild_id if ui.lookup is not None else None
        now = observed(snapshot, guild, live=kind is SourceKind.LIVE)
        self._observed, alerts = observe(self._observed, now)
        for alert in alerts if ui.watch.active else ():
            self.browser.notify(*alert_message(self.t, alert))
