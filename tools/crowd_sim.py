"""The crowd model and its engine: ten thousand tabs through the page's own rules, simulated.

``tools/crowd.py`` runs it and prints the tables.

A discrete-event simulation (simulated seconds, not wall-clock time) of a crowd of status
page tabs talking to the bot's Socket.IO server and to its token endpoint (the client API).
Every decision a tab takes comes from the page's own policy code, called as the page calls
it: ``app.model.scheduler.Scheduler`` decides when a tab asks for fresh stats (``due``,
``on_request_started``, ``on_request_finished``, ``next_wakeup``, ``ask_now``), and
``app.model.reconnect`` decides how long a dropped tab waits before each connection attempt
(``ReconnectPolicy.delay``, ``retry_after_seconds``). Nothing here restates their rules.

"now" is the page's rules as they are (``Scheduler``'s defaults, ``reconnect.DEFAULT``,
``Retry-After`` obeyed); "before" is its previous rules expressed with the same code
(``Scheduler(spread=0, max_stretch=1)``, Socket.IO's own backoff: 1 s doubling to 30 s,
+/- 50 %, clamped; ``Retry-After`` ignored).

Assumptions (the model, not measurements):

- Every tab is visible (the scenarios) and holds one Socket.IO connection; each tab draws
  from its own ``random.Random`` seeded with ``"<seed>/<tab index>"``, which feeds both its
  scheduler's spread and its reconnect waits.
- Tabs open at uniformly random times in the first 15 s and connect at once (a first
  connection is not a reconnect: no wait), so their asks are spread in phase before the
  incident; the steady state runs until t = 120 s (its figures: t = 30-120 s).
- A connection attempt is a token request to the client API, a WebSocket and a Socket.IO
  CONNECT: two round trips at an RTT of 0.1 s (the token is requested in parallel with the
  WebSocket's opening), so a successful attempt is connected 0.2 s after it starts; a
  refused one (server down, or a 503 from the client API) fails after 0.1 s. Attempts are
  numbered from 1 after each drop and start again at 1 after a success.
- One token request per connection attempt, counted when the attempt starts. Exact: the
  page requests the token as each attempt's WebSocket is created, in parallel with its
  opening, so a refused attempt costs the client API one request too.
- When the server goes down every connected tab loses its connection at that moment: an
  ask awaiting its ack ends as ``Outcome.NOT_ASKED`` and the retry loop starts with attempt
  1's wait. A refresh due while disconnected ends at once as ``NOT_ASKED`` (no traffic).
- A connection coming up calls ``ask_now``. An ask reaches the server RTT/2 after it starts
  (asks are counted per second of arrival) and its ack is back after RTT plus the ack
  latency: 0.02 s, or 3 s while the server is slow (an ask that arrives then).
- With the "now" rules a 503 from the client API with ``Retry-After: 10`` makes the next
  attempt wait ``max(the rule's wait, the hold)``, as the page does.
- A tab has fresh data once it gets its first answer after the server is back.
"""

from __future__ import annotations

import heapq
import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.model.reconnect import DEFAULT, ReconnectPolicy, retry_after_seconds
from app.model.scheduler import DEFAULT_INTERVAL, MAX_STRETCH, SPREAD, Outcome, Scheduler

__all__ = [
    "ACK_LATENCY",
    "AFTER",
    "BEFORE",
    "CONNECT_TIME",
    "EPOCH",
    "INCIDENT_AT",
    "NOW",
    "RATE_TOLERANCE",
    "REFUSED_TIME",
    "RETRY_AFTER",
    "RTT",
    "SCENARIOS",
    "SLOW_ACK_LATENCY",
    "START_WINDOW",
    "STEADY",
    "Result",
    "Rules",
    "Scenario",
    "simulate",
]

RTT = 0.1  # seconds, one round trip between a tab and the bot
CONNECT_TIME = 2 * RTT  # WebSocket with the token request beside it, then Socket.IO CONNECT
REFUSED_TIME = RTT  # a refused attempt fails after one round trip
ACK_LATENCY = 0.02  # the server's own time to answer an ask, normally
SLOW_ACK_LATENCY = 3.0  # ... while it is slow (scenario 4)
START_WINDOW = 15.0  # tabs open at uniformly random times in [0, 15) s
INCIDENT_AT = 120.0  # the steady state runs until then
STEADY = (30, 120)  # the steady-state window (whole seconds) for the mean and its peak
AFTER = 300.0  # simulated seconds after the server is back (acks fast again)
RETRY_AFTER = "10"  # the client API's Retry-After while it answers 503 (scenario 3)
EPOCH = 1_700_000_000.0  # Unix time at simulated t = 0 (for Retry-After)

# The goal Result.rate_back is held to (the other goals are tools/crowd.py's).
RATE_TOLERANCE = 0.05  # asks per visible tab per 15 s: 1 +/- 5 %

_ATTEMPT, _CONNECTED, _WAKE, _ANSWER = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Scenario:
    """What happens to the bot: windows ``(from, until)`` in simulated seconds."""

    name: str
    title: str
    # The Socket.IO server is down: connections drop at ``from``, attempts fail until ``until``.
    down: tuple[float, float] | None = None
    # The client API answers 503 with ``Retry-After`` (``RETRY_AFTER``): attempts fail.
    unavailable: tuple[float, float] | None = None
    # Every ask arriving in this window takes ``SLOW_ACK_LATENCY`` to answer.
    slow: tuple[float, float] | None = None
    # Whether the time-to-fresh-data goals apply (otherwise the figures are reported).
    fresh_goal: bool = False
    visible: bool = True
    watching: bool = False
    # Simulated time to stop at; ``None``: ``AFTER`` seconds after recovery.
    until: float | None = None

    @property
    def incident(self) -> float | None:
        """When the incident starts (the drop, or the first slow ack)."""
        window = self.down or self.slow
        return None if window is None else window[0]

    @property
    def recovery(self) -> float | None:
        """When the server is back (or fast again)."""
        window = self.down or self.slow
        return None if window is None else window[1]

    @property
    def end(self) -> float:
        if self.until is not None:
            return self.until
        recovery = self.recovery
        return (INCIDENT_AT if recovery is None else recovery) + AFTER


@dataclass(frozen=True, slots=True)
class Rules:
    """One set of the page's rules, as parameters of the page's own code."""

    name: str
    spread: float
    max_stretch: float
    reconnect: ReconnectPolicy
    obey_retry_after: bool


NOW = Rules("now", SPREAD, MAX_STRETCH, DEFAULT, obey_retry_after=True)
BEFORE = Rules(
    "before",
    spread=0.0,
    max_stretch=1.0,
    reconnect=ReconnectPolicy(1.0, 2.0, 30.0, 0.5, 1.5, spread_first=False, clamp=True),
    obey_retry_after=False,
)

SCENARIOS = (
    Scenario(
        "restart",
        "the Socket.IO server restarts: down for 6 s",
        down=(INCIDENT_AT, INCIDENT_AT + 6),
        fresh_goal=True,
    ),
    Scenario(
        "outage", "the Socket.IO server is down for 5 min", down=(INCIDENT_AT, INCIDENT_AT + 300)
    ),
    Scenario(
        "restart + 503",
        f"down for 6 s, the client API answers 503, Retry-After: {RETRY_AFTER}",
        down=(INCIDENT_AT, INCIDENT_AT + 6),
        unavailable=(INCIDENT_AT, INCIDENT_AT + 6),
    ),
    Scenario(
        "slow",
        f"every ack takes {SLOW_ACK_LATENCY:g} s for 5 min (server up)",
        slow=(INCIDENT_AT, INCIDENT_AT + 300),
    ),
)


@dataclass(frozen=True, slots=True)
class Result:
    """What one run produced; the figures are computed from it."""

    scenario: Scenario
    rules: Rules
    tabs: int
    seed: int
    # Asks reaching the server, per second of arrival (index = whole simulated second).
    asks: tuple[int, ...]
    # Token requests to the client API, per second.
    tokens: tuple[int, ...]
    # Per tab: seconds from recovery to its first answer after it (``inf``: none).
    fresh: tuple[float, ...]
    # Per tab: seconds from acks fast again until its stretch is 1 for good (``inf``: never).
    normal: tuple[float, ...]
    # Tabs connected at the end.
    connected: int

    # --- figures ------------------------------------------------------------------------

    @property
    def mean(self) -> float:
        """Asks per second in the steady state before the incident."""
        lo, hi = STEADY
        return sum(self.asks[lo:hi]) / (hi - lo)

    @property
    def asks_per_tab_per_15s(self) -> float:
        return self.mean * 15.0 / self.tabs

    @property
    def peak_before(self) -> float:
        lo, hi = STEADY
        return max(self.asks[lo:hi]) / self.mean

    def peak_after(self, start: float = 0.0, stop: float | None = None) -> float | None:
        """Busiest second in ``[recovery + start, recovery + stop)``, times the mean."""
        recovery = self.scenario.recovery
        if recovery is None:
            return None
        lo = math.ceil(recovery + start)
        hi = int(self.scenario.end) if stop is None else math.ceil(recovery + stop)
        return max(self.asks[lo:hi]) / self.mean

    @property
    def all_fresh(self) -> float:
        """When the last tab had fresh data (the end if one never did)."""
        recovery = self.scenario.recovery
        worst = max(self.fresh, default=math.inf)
        if recovery is None or math.isinf(worst):
            return self.scenario.end
        return recovery + worst

    @property
    def token_peak_share(self) -> float | None:
        """Token requests in the busiest second from the drop until every tab is fresh."""
        if self.scenario.down is None:
            return None
        lo = int(self.scenario.down[0])
        return max(self.tokens[lo : int(self.all_fresh) + 1]) / self.tabs

    @property
    def fresh_median(self) -> float | None:
        return statistics.median(self.fresh) if self.fresh else None

    @property
    def fresh_p95(self) -> float | None:
        return _percentile(self.fresh, 0.95)

    @property
    def slow_asks_per_30s(self) -> float | None:
        """Asks per tab per 30 s while slow, after the first minute of slowness."""
        slow = self.scenario.slow
        if slow is None:
            return None
        lo, hi = math.ceil(slow[0] + 60), int(slow[1])
        return sum(self.asks[lo:hi]) / self.tabs / ((hi - lo) / 30)

    @property
    def normal_median(self) -> float | None:
        return statistics.median(self.normal) if self.normal else None

    @property
    def normal_max(self) -> float | None:
        return max(self.normal) if self.normal else None

    @property
    def rate_back(self) -> float | None:
        """Seconds after acks are fast again until every later 15 s window's ask rate stays
        within 5 % of the steady mean (``inf``: not before the end)."""
        slow = self.scenario.slow
        if slow is None:
            return None
        mean, start, end = self.mean, math.ceil(slow[1]), int(self.scenario.end)
        prefix = [0]
        for count in self.asks[: end + 1]:
            prefix.append(prefix[-1] + count)
        back = math.inf
        for t in range(end - 15, start - 1, -1):
            if abs((prefix[t + 15] - prefix[t]) / 15 - mean) > RATE_TOLERANCE * mean:
                break
            back = t - slow[1]
        return back


def _percentile(values: Sequence[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class _Tab:
    """One tab's state outside the scheduler; ``*_at`` is the time of its pending event
    of that kind (-1: none), which also tells a live event from a stale one."""

    __slots__ = (
        "answer_at",
        "attempt",
        "attempt_at",
        "code",
        "connect_at",
        "connected",
        "fresh",
        "normal",
        "random",
        "sched",
        "wake_at",
    )

    def __init__(self, code: int, sched: Scheduler, draw: Callable[[], float]) -> None:
        self.code = code
        self.sched = sched
        self.random = draw
        self.connected = False
        self.attempt = 0  # the number of the attempt being made (0: the first connection)
        self.attempt_at = -1.0
        self.connect_at = -1.0
        self.wake_at = -1.0
        self.answer_at = -1.0
        self.fresh = -1.0
        self.normal = -1.0


def simulate(scenario: Scenario, rules: Rules, tabs: int, seed: int) -> Result:
    """Run ``tabs`` tabs with ``rules`` through ``scenario``; deterministic for a seed."""
    inf = math.inf
    end = scenario.end
    asks = [0] * (int(end) + 2)
    tokens = [0] * (int(end) + 2)
    heap: list[tuple[float, int]] = []
    push, pop = heapq.heappush, heapq.heappop
    answered, not_asked = Outcome.ANSWERED, Outcome.NOT_ASKED
    delay = rules.reconnect.delay
    down_from, down_until = scenario.down or (inf, inf)
    refuse_from, refuse_until = scenario.unavailable or (inf, inf)
    slow_from, slow_until = scenario.slow or (inf, inf)
    recovery = scenario.recovery
    fresh_from = inf if recovery is None or scenario.down is None else recovery
    fast_from = slow_until
    obey = rules.obey_retry_after
    half_rtt = RTT / 2

    crowd: list[_Tab] = []
    for index in range(tabs):
        rng = random.Random(f"{seed}/{index}")
        opened = START_WINDOW * rng.random()
        sched = Scheduler(
            DEFAULT_INTERVAL,
            visible=scenario.visible,
            now=opened,
            spread=rules.spread,
            max_stretch=rules.max_stretch,
            random=rng.random,
        )
        sched.set_watching(scenario.watching)
        tab = _Tab(index * 4, sched, rng.random)
        tab.attempt_at = opened
        push(heap, (opened, tab.code + _ATTEMPT))
        crowd.append(tab)

    def drive(tab: _Tab, now: float) -> None:
        """The page's refresh loop: ask when due, else sleep until the next wakeup."""
        sched = tab.sched
        if sched.due(now):
            sched.on_request_started(now)
            if tab.connected:
                arrival = now + half_rtt
                asks[int(arrival)] += 1
                latency = SLOW_ACK_LATENCY if slow_from <= arrival < slow_until else ACK_LATENCY
                tab.answer_at = at = now + RTT + latency
                tab.wake_at = -1.0
                push(heap, (at, tab.code + _ANSWER))
                return
            sched.on_request_finished(now, not_asked)
        wait = sched.next_wakeup(now)
        if wait is None:
            return
        at = now + wait
        if at <= now:  # a wait under one ulp of the clock: step past it
            at = math.nextafter(now, inf)
        if at != tab.wake_at:
            tab.wake_at = at
            push(heap, (at, tab.code + _WAKE))

    def run(until: float) -> None:
        while heap and heap[0][0] < until:
            now, code = pop(heap)
            tab = crowd[code >> 2]
            kind = code & 3
            if kind == _WAKE:
                if tab.wake_at != now:
                    continue
                tab.wake_at = -1.0
                drive(tab, now)
            elif kind == _ANSWER:
                if tab.answer_at != now:
                    continue
                tab.answer_at = -1.0
                sched = tab.sched
                sched.on_request_finished(now, answered)
                if now >= fresh_from and tab.fresh < 0:
                    tab.fresh = now
                if now >= fast_from:
                    if sched.stretch > 1:
                        tab.normal = -1.0
                    elif tab.normal < 0:
                        tab.normal = now
                drive(tab, now)
            elif kind == _ATTEMPT:
                if tab.attempt_at != now:
                    continue
                tab.attempt_at = -1.0
                tokens[int(now)] += 1
                refused = refuse_from <= now < refuse_until
                if refused or down_from <= now < down_until:
                    failed = now + REFUSED_TIME
                    tab.attempt += 1
                    wait = delay(tab.attempt, tab.random())
                    if refused and obey:
                        hold = retry_after_seconds(RETRY_AFTER, EPOCH + failed)
                        if hold is not None and hold > wait:
                            wait = hold
                    tab.attempt_at = at = failed + wait
                    push(heap, (at, tab.code + _ATTEMPT))
                else:
                    tab.connect_at = at = now + CONNECT_TIME
                    push(heap, (at, tab.code + _CONNECTED))
            else:
                if tab.connect_at != now:
                    continue
                tab.connect_at = -1.0
                tab.connected = True
                tab.attempt = 0
                tab.sched.ask_now(now)
                drive(tab, now)

    def drop(now: float) -> None:
        """The server goes down: every connection (or connection being made) is lost."""
        for tab in crowd:
            if not (tab.connected or tab.connect_at >= 0):
                continue
            tab.connected = False
            tab.connect_at = -1.0
            if tab.answer_at >= 0:
                tab.answer_at = -1.0
                tab.sched.on_request_finished(now, not_asked)
            tab.attempt = 1
            tab.attempt_at = at = now + delay(1, tab.random())
            push(heap, (at, tab.code + _ATTEMPT))
            drive(tab, now)

    def fast_again(now: float) -> None:
        for tab in crowd:
            tab.normal = now if tab.sched.stretch <= 1 else -1.0

    events: list[tuple[float, Callable[[float], None]]] = []
    if scenario.down is not None:
        events.append((down_from, drop))
    if scenario.slow is not None:
        events.append((fast_from, fast_again))
    for at, action in sorted(events, key=lambda event: event[0]):
        run(at)
        action(at)
    run(end)

    def since(t: float, origin: float) -> float:
        return inf if t < 0 else t - origin

    return Result(
        scenario=scenario,
        rules=rules,
        tabs=tabs,
        seed=seed,
        asks=tuple(asks),
        tokens=tuple(tokens),
        fresh=tuple(since(tab.fresh, fresh_from) for tab in crowd) if fresh_from < inf else (),
        normal=tuple(since(tab.normal, fast_from) for tab in crowd) if fast_from < inf else (),
        connected=sum(tab.connected for tab in crowd),
    )
