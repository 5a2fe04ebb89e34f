"""Refresh scheduler: when to ask the bot for fresh stats, as a pure clock-injected state machine.

Rules (every time is a ``now: float`` in seconds from one monotonic clock supplied by the driver,
e.g. ``loop.time()`` or ``performance.now() / 1000``; every random draw comes from the injected
``random``, uniform in [0, 1)):

- Visible: one request per ``interval`` seconds, measured from the *completion* of the previous
  request (not its start), so a slow ack can never make requests pile up back to back.
- Waits drift apart: each wait is the interval times a factor drawn anew, uniform within
  ``+/- spread`` (25 %), so its mean is the interval. Ten thousand tabs that a server restart
  brought back in the same few seconds spread out again within minutes instead of asking in
  step every 15 s forever.
- A busy server is asked less often: an answer slower than ``slow_answer`` (2 s), or none at
  all (the ack timed out), doubles the visible wait, up to ``max_stretch`` (4) times the
  interval; each fast answer halves it again, so a server that is fast again is back at the
  normal cadence after two answers (under two minutes). Requests that never reached the
  server (``Outcome.NOT_ASKED``: no connection) change nothing. 2 s: a healthy ack is one
  round trip, well under a second even on a phone's link; beyond 2 s the wait is the
  server's queue, not the link.
- Hidden: no requests at all, unless the visitor is watching for changes (notifications): then
  one every ``hidden_interval`` seconds (spread the same way), from the completion of the
  previous one, so the title, the favicon and the notifications stay current. Visibility is
  the authority: ``focus`` on a hidden tab is ignored.
- Becoming visible, or ``focus`` while visible, makes a request due at once -- unless a request is
  already in flight (its answer is fresh enough) or one finished less than ``debounce`` seconds ago.
  Both events firing together therefore yield exactly one request.  ``ask_now`` is the same minus
  the debounce, for events that make the last answer obsolete (the connection just came up).
- At most one request in flight.  The driver must report every started request as finished,
  including on timeout or error; retry and backoff of the connection live elsewhere
  (``app.model.reconnect``).
- A new scheduler created visible is due at once (the page has no data yet).

Example (``spread=0`` for round numbers):

>>> s = Scheduler(15.0, visible=True, now=0.0, spread=0.0)
>>> s.due(0.0)
True
>>> s.on_request_started(0.0); s.on_request_finished(0.5, Outcome.ANSWERED)
>>> s.due(10.0), s.next_wakeup(10.0)
(False, 5.5)
>>> s.on_request_started(15.5); s.on_request_finished(18.5, Outcome.ANSWERED)  # 3 s: slow
>>> s.stretch, s.next_wakeup(18.5)
(2.0, 30.0)
>>> s.on_visibility(False, 19.0); s.due(500.0), s.next_wakeup(500.0)
(False, None)
>>> s.on_visibility(True, 600.0); s.on_focus(600.0); s.due(600.0)
True
>>> w = Scheduler(15.0, visible=False, now=0.0, hidden_interval=60.0, spread=0.0)
>>> w.next_wakeup(0.0), w.set_watching(True), w.next_wakeup(0.0)
(None, None, 60.0)
"""

from __future__ import annotations

import math
import random as _random
from collections.abc import Callable
from enum import Enum

__all__ = [
    "DEFAULT_DEBOUNCE",
    "DEFAULT_HIDDEN_INTERVAL",
    "DEFAULT_INTERVAL",
    "MAX_STRETCH",
    "SLOW_ANSWER",
    "SPREAD",
    "Outcome",
    "Phase",
    "Scheduler",
]

DEFAULT_INTERVAL = 15.0
DEFAULT_DEBOUNCE = 2.0
DEFAULT_HIDDEN_INTERVAL = 60.0
SPREAD = 0.25
SLOW_ANSWER = 2.0
MAX_STRETCH = 4.0


class Outcome(Enum):
    """How a request ended, as far as it tells how busy the server is."""

    ANSWERED = "answered"  # an answer came; its speed counts (any answer, even an unusable one)
    NO_ANSWER = "no-answer"  # the server was asked and did not answer (ack timeout or error)
    NOT_ASKED = "not-asked"  # nothing reached the server (no connection, preview data)


class Phase(Enum):
    """What the scheduler is doing; ``IN_FLIGHT`` wins over ``HIDDEN`` (a hidden tab may await)."""

    HIDDEN = "hidden"
    IDLE = "idle"
    IN_FLIGHT = "in_flight"


def _check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return float(value)


class Scheduler:
    """Decides when the status page asks for fresh stats; see the module docstring for the rules."""

    __slots__ = (
        "_anchor",
        "_debounce",
        "_factor",
        "_hidden_interval",
        "_immediate",
        "_in_flight_since",
        "_interval",
        "_last_finished",
        "_last_slow",
        "_max_stretch",
        "_random",
        "_slow_answer",
        "_spread",
        "_stretch",
        "_visible",
        "_watching",
    )

    def __init__(
        self,
        interval: float = DEFAULT_INTERVAL,
        *,
        visible: bool,
        now: float,
        debounce: float = DEFAULT_DEBOUNCE,
        hidden_interval: float = DEFAULT_HIDDEN_INTERVAL,
        spread: float = SPREAD,
        slow_answer: float = SLOW_ANSWER,
        max_stretch: float = MAX_STRETCH,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self._interval = _check_positive("interval", interval)
        self._debounce = _check_positive("debounce", debounce, allow_zero=True)
        self._hidden_interval = _check_positive("hidden_interval", hidden_interval)
        if not 0 <= spread < 1:
            raise ValueError(f"spread must be in [0, 1), got {spread!r}")
        if not (math.isfinite(max_stretch) and max_stretch >= 1):
            raise ValueError(f"max_stretch must be a finite number >= 1, got {max_stretch!r}")
        self._spread = spread
        self._slow_answer = _check_positive("slow_answer", slow_answer)
        self._max_stretch = float(max_stretch)
        self._random = random
        self._stretch = 1.0
        self._last_slow = False
        self._factor = self._draw()
        self._watching = False
        self._visible = visible
        self._in_flight_since: float | None = None
        self._last_finished: float | None = None
        # The cadence counts from here: the last completion, or creation until one completes.
        self._anchor = now
        self._immediate = visible

    # --- read-only state -------------------------------------------------------------------

    @property
    def interval(self) -> float:
        """Seconds between the completion of one request and the start of the next."""
        return self._interval

    @property
    def hidden_interval(self) -> float:
        """Seconds between requests while hidden and watching."""
        return self._hidden_interval

    @property
    def stretch(self) -> float:
        """How many intervals the visible wait is now, 1 to ``max_stretch`` (busy server)."""
        return self._stretch

    @property
    def busy(self) -> bool:
        """The last request that reached the server was slow or unanswered, and the visible
        wait is stretched for it: what the page tells the visitor."""
        return self._last_slow and self._stretch > 1

    @property
    def current_interval(self) -> float:
        """The visible wait's mean now: the interval times the stretch."""
        return self._interval * self._stretch

    @property
    def watching(self) -> bool:
        """Whether a hidden tab keeps asking (the visitor is watching for changes)."""
        return self._watching

    @property
    def visible(self) -> bool:
        """Whether the tab is currently visible, as last reported."""
        return self._visible

    @property
    def in_flight(self) -> bool:
        """Whether a request has started and not yet been reported finished."""
        return self._in_flight_since is not None

    @property
    def phase(self) -> Phase:
        """The current phase (independent of the clock); a watching hidden tab is ``HIDDEN``."""
        if self._in_flight_since is not None:
            return Phase.IN_FLIGHT
        return Phase.IDLE if self._visible else Phase.HIDDEN

    # --- events ----------------------------------------------------------------------------

    def on_visibility(self, visible: bool, now: float) -> None:
        """``document.visibilitychange``: record the new visibility; a return asks at once."""
        was_visible, self._visible = self._visible, visible
        if not visible:
            self._immediate = False
        elif not was_visible:
            self._request_now(now)

    def on_focus(self, now: float) -> None:
        """``window.focus``: ask at once if visible, idle and not just refreshed."""
        if self._visible:
            self._request_now(now)

    def ask_now(self, now: float) -> None:
        """Ask at once if visible and idle, *without* the debounce (e.g. the link just came up).

        Use for events that make the last answer obsolete, unlike ``focus`` which only suggests
        the user is looking again.  Hidden tabs and in-flight requests still win.
        """
        del now  # same signature as the other events; without a debounce the time is irrelevant
        if self._visible and self._in_flight_since is None:
            self._immediate = True

    def on_request_started(self, now: float) -> None:
        """The driver started a request.  Starting a second one while in flight is a driver bug."""
        if self._in_flight_since is not None:
            raise RuntimeError("a request is already in flight; wait for due() before starting")
        self._in_flight_since = now
        self._immediate = False

    def on_request_finished(
        self, now: float, outcome: Outcome, answered_in: float | None = None
    ) -> None:
        """The request ended: answered (fast or slow), unanswered, or never sent.

        ``answered_in``: how long the server took to answer, when the driver timed the ask
        itself (without its own parsing); by default, the time since the start. Draws the
        next wait's spread and adjusts the stretch (module docstring). A finish without a
        matching start (e.g. a late callback) is ignored.
        """
        started = self._in_flight_since
        if started is None:
            return
        self._in_flight_since = None
        self._anchor = self._last_finished = now
        self._factor = self._draw()
        if outcome is Outcome.NOT_ASKED:
            return
        took = now - started if answered_in is None else answered_in
        slow = outcome is Outcome.NO_ANSWER or took > self._slow_answer
        self._last_slow = slow
        if slow:
            self._stretch = min(self._max_stretch, self._stretch * 2)
        else:
            self._stretch = max(1.0, self._stretch / 2)

    def set_watching(self, watching: bool) -> None:
        """Watching on: hidden tabs ask every ``hidden_interval``; off: hidden tabs ask nothing.

        The hidden cadence counts from the last completion, like the visible one.
        """
        self._watching = watching

    def set_interval(self, interval: float) -> None:
        """Change the cadence; the next request is due about ``interval`` (times the stretch)
        after the last completion."""
        self._interval = _check_positive("interval", interval)

    # --- queries ---------------------------------------------------------------------------

    def due(self, now: float) -> bool:
        """Should the driver start a request now?"""
        deadline = self._deadline()
        return deadline is not None and now >= deadline

    def next_wakeup(self, now: float) -> float | None:
        """Seconds until a request is due (0.0 if already due); ``None`` while in flight or
        hidden and not watching.

        ``None`` means "sleep until an event arrives": only an event can make a request due then.
        """
        deadline = self._deadline()
        return None if deadline is None else max(0.0, deadline - now)

    # --- internals -------------------------------------------------------------------------

    def _deadline(self) -> float | None:
        if self._in_flight_since is not None:
            return None
        if not self._visible:
            return self._anchor + self._hidden_interval * self._factor if self._watching else None
        if self._immediate:
            return -math.inf
        return self._anchor + self._interval * self._stretch * self._factor

    def _draw(self) -> float:
        return 1 + self._spread * (2 * self._random() - 1)

    def _request_now(self, now: float) -> None:
        if self._in_flight_since is not None:
            return
        if self._last_finished is not None and now - self._last_finished < self._debounce:
            return
        self._immediate = True
