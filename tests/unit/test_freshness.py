"""Unit tests for app.model.freshness: the staleness rule, evaluated against an injected clock."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model import freshness as freshness_module
from app.model.freshness import Freshness, freshness, is_stale, seconds_since

INTERVAL = 15.0


class FakeClock:
    """A clock the test advances by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def test_module_docstring_example_runs() -> None:
    """The example in the module docstring is runnable and correct."""
    assert doctest.testmod(freshness_module).failed == 0


def test_never_succeeded_is_no_data_not_stale() -> None:
    """Before any successful refresh the page has no data, which is not reported as stale."""
    assert freshness(None, 1e9, INTERVAL) is Freshness.NO_DATA
    assert not is_stale(None, 1e9, INTERVAL)


def test_data_goes_stale_after_two_intervals_without_success() -> None:
    """Fresh up to and including 2 intervals after the last success, stale strictly after."""
    clock = FakeClock()
    last_success = clock.now
    assert freshness(last_success, clock.now, INTERVAL) is Freshness.FRESH
    clock.advance(INTERVAL + 1.0)  # one refresh missed: still fine
    assert not is_stale(last_success, clock.now, INTERVAL)
    clock.advance(INTERVAL - 1.0)  # exactly 2 intervals
    assert not is_stale(last_success, clock.now, INTERVAL)
    clock.advance(0.001)
    assert is_stale(last_success, clock.now, INTERVAL)
    assert freshness(last_success, clock.now, INTERVAL) is Freshness.STALE


def test_a_new_success_makes_stale_data_fresh_again() -> None:
    """Staleness is measured from the latest success only."""
    clock = FakeClock()
    first = clock.now
    clock.advance(100.0)
    assert is_stale(first, clock.now, INTERVAL)
    second = clock.now
    clock.advance(5.0)
    assert not is_stale(second, clock.now, INTERVAL)


def test_threshold_scales_with_the_interval() -> None:
    """A longer refresh interval allows proportionally older data."""
    assert is_stale(0.0, 61.0, 30.0) and not is_stale(0.0, 60.0, 30.0)
    assert is_stale(0.0, 11.0, 5.0) and not is_stale(0.0, 10.0, 5.0)


def test_success_in_the_future_counts_as_fresh() -> None:
    """If the clock steps back, the data reads as 0 s old rather than negative or stale."""
    assert seconds_since(100.0, 90.0) == 0.0
    assert freshness(100.0, 90.0, INTERVAL) is Freshness.FRESH


def test_seconds_since() -> None:
    """seconds_since reports elapsed time, or None when there is no reference point."""
    assert seconds_since(None, 5.0) is None
    assert seconds_since(1.5, 4.0) == 2.5
    assert seconds_since(4.0, 4.0) == 0.0


@pytest.mark.parametrize("bad", [0.0, -15.0, float("nan"), float("inf")])
def test_invalid_interval_is_rejected(bad: float) -> None:
    """A zero, negative or non-finite interval is a programming error."""
    with pytest.raises(ValueError, match="interval"):
        is_stale(0.0, 1.0, bad)


@given(
    last=st.floats(min_value=0.0, max_value=1e9),
    age=st.floats(min_value=0.0, max_value=1e6),
    interval=st.floats(min_value=0.1, max_value=3600.0),
)
def test_stale_exactly_when_older_than_twice_the_interval(
    last: float, age: float, interval: float
) -> None:
    """For any success time, age and interval: stale iff elapsed > 2 * interval."""
    now = last + age
    assert is_stale(last, now, interval) == (now - last > 2 * interval)
