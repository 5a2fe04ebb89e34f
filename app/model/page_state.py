"""What the page knows at one moment: the last good data and how fresh it is.

Data flows one way: a source answers, ``PageState`` is updated by pure transitions,
the renderer draws it. Nothing here touches the DOM.

Transitions: ``initial`` (nothing received yet), ``with_snapshot`` (a good answer),
``with_rejection`` (an answer with nothing usable), ``with_connection`` (the link to the
status server changed) and ``with_cadence`` (the refresh scheduler slowed down for a busy
server, or sped up again). ``Connection`` and ``Reason`` live in ``app.model.link``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from app.model.freshness import is_stale
from app.model.link import Connection, Reason
from app.model.snapshot import Problem, Snapshot
from app.model.vocabulary import OverallStatus

__all__ = ["Connection", "PageState", "SourceKind"]


class SourceKind(StrEnum):
    LIVE = "live"
    MOCK = "mock"


@dataclass(frozen=True, slots=True)
class PageState:
    snapshot: Snapshot | None
    source: SourceKind | None
    connection: Connection
    last_success_ms: float | None
    refresh_seconds: float
    error: Reason | None = None  # why the latest attempt failed, None once it clears
    rejection: Problem | None = None  # the latest ack that had nothing usable
    # With Reason.TOKEN_BUSY: when (epoch ms) the page will try again, as the server asked.
    retry_at_ms: float | None = None
    # The last answer was slow or missing, so the page asks less often (``refresh_seconds``
    # is then the stretched interval).
    busy: bool = False

    @staticmethod
    def initial(refresh_seconds: float) -> PageState:
        return PageState(None, None, Connection.CONNECTING, None, refresh_seconds)

    @property
    def failing(self) -> bool:
        """The latest attempt failed: the link broke, or the answer had nothing usable."""
        return self.error is not None or self.rejection is not None

    @property
    def overall(self) -> OverallStatus:
        return self.snapshot.overall if self.snapshot else OverallStatus.UNKNOWN

    def is_stale(self, now_ms: float) -> bool:
        """No refresh has succeeded for twice the interval (never having data is not stale)."""
        return is_stale(self.last_success_ms, now_ms, self.refresh_seconds * 1000)

    def with_snapshot(self, snapshot: Snapshot, source: SourceKind, now_ms: float) -> PageState:
        return replace(
            self,
            snapshot=snapshot,
            source=source,
            last_success_ms=now_ms,
            error=None,
            rejection=None,
            retry_at_ms=None,
            connection=Connection.CONNECTED if source is SourceKind.LIVE else self.connection,
        )

    def with_rejection(self, problem: Problem) -> PageState:
        return replace(self, rejection=problem, error=None)

    def with_connection(
        self, connection: Connection, error: Reason | None = None, retry_at_ms: float | None = None
    ) -> PageState:
        """The link changed. A newer reason supersedes the rejected answer's (the notice shows
        only the latest); the same reason keeps its retry time unless a new one is given."""
        if retry_at_ms is None and error is self.error:
            retry_at_ms = self.retry_at_ms
        return replace(
            self,
            connection=connection,
            error=error,
            rejection=None,
            retry_at_ms=retry_at_ms if error is not None else None,
        )

    def with_cadence(self, refresh_seconds: float, busy: bool) -> PageState:
        """The scheduler's interval now, and whether it is stretched for a busy server."""
        if refresh_seconds == self.refresh_seconds and busy is self.busy:
            return self
        return replace(self, refresh_seconds=refresh_seconds, busy=busy)
