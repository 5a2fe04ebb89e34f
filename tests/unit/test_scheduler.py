"""Unit tests for app.model.scheduler: cadence, visibility, focus debounce and in-flight limits.

Most tests drive the scheduler the way the browser driver does -- start a request whenever
``due(now)`` says so, otherwise sleep ``next_wakeup(now)`` or until the next event -- against a
fake clock, and inspect the resulting request start/finish times.
"""

from __future__ import annotations

import doctest
import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.model import scheduler as scheduler_module
from app.model.scheduler import DEFAULT_DEBOUNCE, DEFAULT_INTERVAL, Outcome, Phase, Scheduler

HIDE, SHOW, FOCUS = "hide", "show", "focus"

# The cadence's mechanics with round numbers: no spread between waits and no stretch for
# slow answers (both are the page's defaults; the tests at the end of this module cover them).
steady = functools.partial(Scheduler, spread=0.0, max_stretch=1.0)


@dataclass(frozen=True)
class Request:
    start: float
    finish: float | None
    visible_at_start: bool
    visible_at_finish: bool = False


def run(
    sched: Scheduler,
    *,
    start: float = 0.0,
    until: float,
    events: Sequence[tuple[float, str]] = (),
    latency: float | Callable[[int], tuple[float, bool]] = 0.2,
) -> list[Request]:
    """Simulate the driver loop on a fake clock and return every request it made."""
    pending = sorted(events, key=lambda e: e[0])
    requests: list[Request] = []
    in_flight: tuple[float, float, bool] | None = None  # (start, finish_at, ok)
    now = start
    while True:
        candidates = []
        if pending:
            candidates.append(pending[0][0])
        if in_flight is not None:
            candidates.append(in_flight[1])
        wake = sched.next_wakeup(now)
        if wake is not None:
            candidates.append(now + wake)
        if not candidates:
            break
        now = max(now, min(candidates))
        if now > until:
            break
        if in_flight is not None and in_flight[1] <= now:
            started, finished, ok = in_flight
            sched.on_request_finished(finished, Outcome.ANSWERED if ok else Outcome.NOT_ASKED)
            requests[-1] = Request(started, finished, requests[-1].visible_at_start, sched.visible)
            in_flight = None
        while pending and pending[0][0] <= now:
            _, kind = pending.pop(0)
            if kind == FOCUS:
                sched.on_focus(now)
            else:
                sched.on_visibility(kind == SHOW, now)
        if sched.due(now):
            sched.on_request_started(now)
            duration, ok = latency(len(requests)) if callable(latency) else (latency, True)
            requests.append(Request(now, None, sched.visible))
            in_flight = (now, now + duration, ok)
    return requests


def starts(requests: Sequence[Request]) -> list[float]:
    return [round(r.start, 6) for r in requests]


def test_module_docstring_example_runs() -> None:
    """The example in the module docstring is runnable and correct."""
    assert doctest.testmod(scheduler_module).failed == 0


def test_visible_tab_asks_at_once_then_every_interval_after_completion() -> None:
    """A visible page asks immediately, then ``interval`` seconds after each completion."""
    s = steady(15.0, visible=True, now=0.0)
    reqs = run(s, until=60.0, latency=0.5)
    # 0 -> done 0.5 -> 15.5 -> done 16 -> 31 -> done 31.5 -> 46.5 -> done 47 -> (62 > 60)
    assert starts(reqs) == [0.0, 15.5, 31.0, 46.5]


def test_default_interval_is_fifteen_seconds() -> None:
    """Without an explicit interval the cadence is the documented 15 s."""
    s = steady(visible=True, now=0.0)
    assert s.interval == DEFAULT_INTERVAL == 15.0
    assert starts(run(s, until=31.0, latency=0.0)) == [0.0, 15.0, 30.0]


def test_hidden_tab_sends_no_request_for_an_hour() -> None:
    """A tab hidden from the start never asks, however long it stays hidden."""
    s = steady(15.0, visible=False, now=0.0)
    assert run(s, until=3600.0) == []
    assert s.phase is Phase.HIDDEN
    assert s.next_wakeup(3600.0) is None


def test_hiding_stops_the_cadence() -> None:
    """Once hidden, no further request is made until the tab is visible again."""
    s = steady(15.0, visible=True, now=0.0)
    reqs = run(s, until=3600.0, events=[(20.0, HIDE)], latency=0.0)
    assert starts(reqs) == [0.0, 15.0]


def test_return_to_visible_asks_exactly_once_at_once_then_resumes_cadence() -> None:
    """Becoming visible asks immediately, once; the cadence restarts from that request."""
    s = steady(15.0, visible=True, now=0.0)
    reqs = run(s, until=1050.0, events=[(5.0, HIDE), (1000.0, SHOW)], latency=1.0)
    # 0 (done 1) ... hidden 5..1000 ... 1000 (done 1001) -> 1016 (done 1017) -> 1032 -> 1048
    assert starts(reqs) == [0.0, 1000.0, 1016.0, 1032.0, 1048.0]


@pytest.mark.parametrize(
    "events",
    [
        [(100.0, SHOW), (100.0, FOCUS)],
        [(100.0, FOCUS), (100.0, SHOW)],
        [(100.0, SHOW), (100.05, FOCUS)],  # focus lands while the request is in flight
        [(100.0, SHOW), (101.0, FOCUS)],  # focus lands just after the ack
        [(99.9, FOCUS), (100.0, SHOW)],  # focus on the still-hidden window
    ],
    ids=["show-focus", "focus-show", "focus-in-flight", "focus-after-ack", "focus-first"],
)
def test_visibilitychange_and_focus_together_ask_once(events: list[tuple[float, str]]) -> None:
    """visibilitychange + window focus in any order and spacing produce exactly one request."""
    s = steady(15.0, visible=False, now=0.0)
    reqs = run(s, until=110.0, events=events, latency=0.5)
    assert starts(reqs) == [100.0]


def test_focus_while_hidden_does_nothing() -> None:
    """Visibility is the authority: focus on a hidden window does not ask."""
    s = steady(15.0, visible=False, now=0.0)
    s.on_focus(50.0)
    assert not s.due(50.0)
    assert s.next_wakeup(50.0) is None
    assert run(s, start=50.0, until=500.0, events=[(60.0, FOCUS), (70.0, FOCUS)]) == []


def test_focus_while_visible_and_idle_asks_at_once() -> None:
    """Focus on a visible, idle tab whose data is older than the debounce asks at once."""
    s = steady(15.0, visible=True, now=0.0)
    reqs = run(s, until=20.0, events=[(8.0, FOCUS)], latency=1.0)
    # 0 (done 1) -> focus at 8 -> 8 (done 9) -> 24 > 20
    assert starts(reqs) == [0.0, 8.0]


def test_focus_within_debounce_of_a_finished_request_is_ignored() -> None:
    """A focus less than the debounce after the last ack does not cause a duplicate request."""
    s = steady(15.0, visible=True, now=0.0)
    reqs = run(s, until=20.0, events=[(1.0 + DEFAULT_DEBOUNCE - 0.01, FOCUS)], latency=1.0)
    assert starts(reqs) == [0.0, 16.0]


def test_brief_hide_within_debounce_does_not_ask_again() -> None:
    """Hiding and showing right after an ack keeps the cadence instead of asking again."""
    s = steady(15.0, visible=True, now=0.0)
    reqs = run(s, until=20.0, events=[(1.2, HIDE), (1.5, SHOW)], latency=1.0)
    assert starts(reqs) == [0.0, 16.0]


def test_ask_now_skips_the_debounce_but_not_hidden_or_in_flight() -> None:
    """ask_now (link came up) asks even right after a failure, but never while hidden or busy."""
    s = steady(15.0, visible=True, now=0.0)
    s.on_request_started(0.0)
    s.ask_now(0.1)  # in flight: the pending answer will do
    s.on_request_finished(0.2, Outcome.NOT_ASKED)
    assert not s.due(0.5)
    s.on_focus(0.5)  # within the debounce: ignored
    assert not s.due(0.5)
    s.ask_now(0.6)
    s.on_focus(0.6)
    assert s.due(0.6)
    s.on_request_started(0.6)
    s.on_request_finished(0.7, Outcome.ANSWERED)
    s.on_visibility(False, 1.0)
    s.ask_now(1.0)
    assert not s.due(1.0) and s.next_wakeup(1.0) is None


def test_slow_ack_longer_than_interval_never_overlaps() -> None:
    """While a 40 s ack is outstanding no tick, focus or return starts a second request."""
    s = steady(15.0, visible=True, now=0.0)
    events = [(10.0, FOCUS), (20.0, HIDE), (25.0, SHOW), (30.0, FOCUS)]
    reqs = run(s, until=100.0, events=events, latency=40.0)
    # 0 (done 40) -> 55 (done 95) -> 110 > 100
    assert starts(reqs) == [0.0, 55.0]
    for earlier, later in itertools.pairwise(reqs):
        assert earlier.finish is not None and later.start >= earlier.finish


def test_a_request_that_never_reached_the_server_keeps_the_normal_cadence() -> None:
    """A refresh that failed without a connection is followed by the next one ``interval``
    later: no fast retry (reconnecting lives elsewhere), and no stretch (the server was not
    asked, so it says nothing about its load)."""
    s = steady(15.0, visible=True, now=0.0)
    outcomes = [(0.5, False), (0.5, True), (0.5, False), (0.5, True)]
    reqs = run(s, until=50.0, latency=lambda i: outcomes[i])
    assert starts(reqs) == [0.0, 15.5, 31.0, 46.5]


def test_next_wakeup_is_none_while_in_flight_and_counts_down_when_idle() -> None:
    """next_wakeup tells the driver how long to sleep, or None when only events matter."""
    s = steady(10.0, visible=True, now=0.0)
    assert s.next_wakeup(0.0) == 0.0
    s.on_request_started(0.0)
    phases = [s.phase]
    assert s.in_flight
    assert s.next_wakeup(3.0) is None
    assert not s.due(100.0)
    s.on_request_finished(2.0, Outcome.ANSWERED)
    phases.append(s.phase)
    assert phases == [Phase.IN_FLIGHT, Phase.IDLE]
    assert s.next_wakeup(5.0) == pytest.approx(7.0)
    assert s.next_wakeup(50.0) == 0.0
    assert s.due(12.0) and not s.due(11.999)


def test_finishing_while_hidden_asks_again_on_return() -> None:
    """A request that completes after the tab was hidden leaves it idle; the return asks."""
    s = steady(15.0, visible=True, now=0.0)
    s.on_request_started(0.0)
    s.on_visibility(False, 1.0)
    phases = [s.phase]
    s.on_request_finished(3.0, Outcome.ANSWERED)
    phases.append(s.phase)
    assert phases == [Phase.IN_FLIGHT, Phase.HIDDEN]
    assert not s.due(100.0)
    s.on_visibility(True, 100.0)
    assert s.due(100.0)


def test_starting_twice_is_a_driver_bug_and_a_stray_finish_is_ignored() -> None:
    """The scheduler refuses a second concurrent start and ignores a finish with no start."""
    s = steady(15.0, visible=True, now=0.0)
    # A stray finish must not disturb the initial immediate ask.
    s.on_request_finished(0.0, Outcome.ANSWERED)
    assert s.due(0.0)
    s.on_request_started(0.0)
    with pytest.raises(RuntimeError, match="in flight"):
        s.on_request_started(0.1)


def test_set_interval_applies_from_the_last_completion() -> None:
    """Changing the interval reschedules relative to the last ack, not to the change."""
    s = steady(15.0, visible=True, now=0.0)
    s.on_request_started(0.0)
    s.on_request_finished(1.0, Outcome.ANSWERED)
    s.set_interval(5.0)
    assert s.interval == 5.0
    assert s.due(6.0) and not s.due(5.9)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_invalid_interval_is_rejected(bad: float) -> None:
    """Zero, negative and non-finite intervals raise ValueError."""
    with pytest.raises(ValueError, match="interval"):
        steady(bad, visible=True, now=0.0)
    with pytest.raises(ValueError, match="interval"):
        steady(15.0, visible=True, now=0.0).set_interval(bad)


def test_hidden_at_start_asks_when_first_shown() -> None:
    """A page loaded in a background tab asks as soon as it is first shown."""
    s = steady(15.0, visible=False, now=0.0)
    assert starts(run(s, until=40.0, events=[(30.0, SHOW)], latency=0.0)) == [30.0]


_EVENT = st.tuples(
    st.floats(min_value=0.0, max_value=300.0, allow_nan=False), st.sampled_from([HIDE, SHOW, FOCUS])
)


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(_EVENT, max_size=30),
    interval=st.floats(min_value=1.0, max_value=60.0),
    latencies=st.lists(
        st.tuples(st.floats(min_value=0.0, max_value=90.0), st.booleans()), min_size=1
    ),
    visible=st.booleans(),
)
def test_driver_invariants_hold_for_any_event_sequence(
    events: list[tuple[float, str]],
    interval: float,
    latencies: list[tuple[float, bool]],
    visible: bool,
) -> None:
    """For any events and ack latencies: no overlap, no hidden starts, cadence kept, never stuck."""
    until = 400.0
    s = steady(interval, visible=visible, now=0.0)
    reqs = run(s, until=until, events=events, latency=lambda i: latencies[i % len(latencies)])
    asked_at = {round(t, 9) for t, kind in events if kind in (SHOW, FOCUS)}
    hides = sorted(t for t, kind in events if kind == HIDE)
    for r in reqs:
        assert r.visible_at_start
    for earlier, later in itertools.pairwise(reqs):
        assert earlier.finish is not None
        gap = later.start - earlier.finish
        assert gap >= 0.0  # never two in flight
        if gap < interval - 1e-9:
            # Only a return/focus may shorten the wait, and never inside the debounce window.
            assert round(later.start, 9) in asked_at
            assert gap >= DEFAULT_DEBOUNCE
    for i, r in enumerate(reqs):
        if r.finish is None or r.finish + interval > until:
            continue
        hidden_meanwhile = any(r.finish <= t <= r.finish + interval for t in hides)
        if r.visible_at_finish and not hidden_meanwhile:
            assert i + 1 < len(reqs) and reqs[i + 1].start <= r.finish + interval + 1e-9


# -- watching (issue 15): a hidden tab keeps asking, at its own cadence ----------------------


def test_watching_hidden_tab_asks_every_hidden_interval_after_completion() -> None:
    """Hidden and watching: one request every ``hidden_interval`` from each completion."""
    s = steady(15.0, visible=True, now=0.0, hidden_interval=60.0)
    s.set_watching(True)
    reqs = run(s, until=200.0, events=[(20.0, HIDE)], latency=0.5)
    # 0 (done .5) -> 15.5 (done 16) -> hidden at 20 -> 76 (done 76.5) -> 136.5 -> 197
    assert starts(reqs) == [0.0, 15.5, 76.0, 136.5, 197.0]
    assert not any(r.visible_at_start for r in reqs[2:])


def test_not_watching_hidden_tab_asks_nothing_whatever_the_hidden_interval() -> None:
    s = steady(15.0, visible=False, now=0.0, hidden_interval=5.0)
    assert run(s, until=3600.0) == []
    assert s.next_wakeup(3600.0) is None


def test_watching_while_visible_keeps_the_visible_cadence() -> None:
    s = steady(15.0, visible=True, now=0.0, hidden_interval=60.0)
    s.set_watching(True)
    assert starts(run(s, until=31.0, latency=0.0)) == [0.0, 15.0, 30.0]


def test_turning_watching_off_while_hidden_stops_the_heartbeat() -> None:
    s = steady(15.0, visible=False, now=0.0, hidden_interval=10.0)
    s.set_watching(True)
    assert starts(run(s, until=25.0, latency=0.0)) == [10.0, 20.0]
    s.set_watching(False)
    assert run(s, start=25.0, until=3600.0) == []


def test_return_to_visible_while_watching_still_asks_at_once() -> None:
    s = steady(15.0, visible=True, now=0.0, hidden_interval=60.0)
    s.set_watching(True)
    reqs = run(s, until=100.0, events=[(1.0, HIDE), (90.0, SHOW)], latency=0.0)
    assert starts(reqs) == [0.0, 60.0, 90.0]


@pytest.mark.parametrize("bad", [0.0, -5.0, float("nan"), float("inf")])
def test_invalid_hidden_interval_is_rejected(bad: float) -> None:
    with pytest.raises(ValueError, match="hidden_interval"):
        steady(15.0, visible=True, now=0.0, hidden_interval=bad)


# -- waits that drift apart, and a busy server asked less often ------------------------------


class Draws:
    """An injected random source: plays ``values`` in a loop."""

    def __init__(self, *values: float) -> None:
        self.values = itertools.cycle(values)

    def __call__(self) -> float:
        return next(self.values)


def waits(s: Scheduler, asks: int, *, latency: float = 0.1, start: float = 0.0) -> list[float]:
    """Drive ``s`` (visible, due now) through ``asks`` answers; the waits between them."""
    now, gaps = start, []
    for _ in range(asks):
        assert s.due(now)
        s.on_request_started(now)
        now += latency
        s.on_request_finished(now, Outcome.ANSWERED)
        wait = s.next_wakeup(now)
        assert wait is not None
        gaps.append(wait)
        now += wait
    return gaps


def test_waits_spread_within_twenty_percent_around_the_interval() -> None:
    """The wait after each answer is the interval times 1 +/- 25 %, drawn anew each time."""
    s = Scheduler(15.0, visible=True, now=0.0, random=Draws(0.0, 0.5, 0.999999))
    # The draw at creation (0.0) is used by nothing: a visible tab asks at once.
    assert waits(s, 6) == pytest.approx([15.0, 18.75, 11.25, 15.0, 18.75, 11.25], abs=1e-4)


@given(st.integers(min_value=0, max_value=2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_waits_keep_their_mean_and_bounds_for_any_random_source(seed: int) -> None:
    """Over many asks the mean wait is the configured interval (within 3 %), and no wait
    leaves [0.75, 1.25] x the interval."""
    import random

    s = Scheduler(15.0, visible=True, now=0.0, random=random.Random(seed).random)
    gaps = waits(s, 400)
    assert all(11.25 - 1e-9 <= g <= 18.75 + 1e-9 for g in gaps)
    assert abs(sum(gaps) / len(gaps) - 15.0) < 15.0 * 0.03
    assert max(gaps) - min(gaps) > 3.0  # they really vary


def test_the_hidden_heartbeat_spreads_the_same_way() -> None:
    """A hidden, watching tab waits hidden_interval +/- 25 %."""
    s = Scheduler(15.0, visible=False, now=0.0, hidden_interval=60.0, random=Draws(0.0))
    s.set_watching(True)
    assert s.next_wakeup(0.0) == pytest.approx(45.0)


def test_events_that_bring_fresh_data_still_ask_at_once() -> None:
    """Becoming visible, focus and a new connection ask at once, whatever the spread."""
    s = Scheduler(15.0, visible=True, now=0.0, random=Draws(0.999))
    waits(s, 1)
    s.on_focus(10.0)
    assert s.due(10.0)
    s.on_request_started(10.0)
    s.on_request_finished(10.1, Outcome.ANSWERED)
    s.on_visibility(False, 11.0)
    s.on_visibility(True, 20.0)
    assert s.due(20.0)


def test_slow_answers_stretch_the_interval_up_to_four_times() -> None:
    """Answers slower than 2 s double the wait each time, to at most 4 x the interval; the
    page says it is busy meanwhile."""
    s = Scheduler(15.0, visible=True, now=0.0, spread=0.0)
    assert waits(s, 1, latency=2.0) == [15.0]  # 2 s is not slow yet
    assert not s.busy
    gaps = waits(s, 3, latency=3.0, start=17.0)
    assert gaps == [30.0, 60.0, 60.0]
    assert s.stretch == 4.0 and s.busy and s.current_interval == 60.0


def test_unanswered_asks_stretch_and_unasked_ones_do_not() -> None:
    """An ack that never came counts as a busy server; a refresh without a connection does
    not touch the stretch either way."""
    s = Scheduler(15.0, visible=True, now=0.0, spread=0.0)
    s.on_request_started(0.0)
    s.on_request_finished(10.0, Outcome.NO_ANSWER)
    assert s.stretch == 2.0 and s.next_wakeup(10.0) == 30.0
    s.on_request_started(40.0)
    s.on_request_finished(40.0, Outcome.NOT_ASKED)
    assert s.stretch == 2.0 and s.busy


def test_fast_answers_bring_the_interval_back_within_two_minutes() -> None:
    """From the full stretch, fast answers halve it: 60 s, then 30 s, then the normal 15 s;
    the worst case (waits at +25 %) is back to normal 75 + 37.6 s after acks are fast."""
    s = Scheduler(15.0, visible=True, now=0.0, random=Draws(0.999999))
    waits(s, 3, latency=3.0)
    assert s.stretch == 4.0
    gaps = waits(s, 3, latency=0.05, start=1000.0)
    assert gaps == pytest.approx([37.5, 18.75, 18.75], abs=1e-3)
    assert s.stretch == 1.0 and not s.busy
    assert 75.0 + 0.05 + gaps[0] + 0.05 < 120.0


def test_a_fast_answer_clears_the_busy_notice_at_once() -> None:
    """The visitor is told about slowness only while the latest answer was slow."""
    s = Scheduler(15.0, visible=True, now=0.0, spread=0.0)
    waits(s, 2, latency=5.0)
    assert s.busy
    waits(s, 1, latency=0.1, start=100.0)
    assert not s.busy and s.stretch == 2.0


def test_bad_spread_and_stretch_are_refused() -> None:
    """Spread outside [0, 1) and a stretch below 1 are programming errors."""
    for kwargs in ({"spread": 1.0}, {"spread": -0.1}, {"max_stretch": 0.5}):
        with pytest.raises(ValueError):
            Scheduler(15.0, visible=True, now=0.0, **kwargs)  # type: ignore[arg-type]


def test_the_drivers_own_timing_of_the_answer_decides_what_is_slow() -> None:
    """A driver that timed the ask itself (3 s of its own parsing after a 0.3 s answer)
    is not taken for a busy server."""
    s = Scheduler(15.0, visible=True, now=0.0, spread=0.0)
    s.on_request_started(0.0)
    s.on_request_finished(3.3, Outcome.ANSWERED, answered_in=0.3)
    assert s.stretch == 1.0 and not s.busy
