"""Unit tests for app.model.reconnect: the reconnect waits and the reading of Retry-After."""

from __future__ import annotations

import doctest
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.model import reconnect
from app.model.reconnect import DEFAULT, RETRY_AFTER_CAP, ReconnectPolicy, retry_after_seconds

# 2026-12-07 00:00:00 UTC in seconds, not tests.support.NOW: Retry-After carries an HTTP date,
# and this is the header a server would send for it.
NOW = 1_796_601_600.0
NOW_HEADER = "Mon, 07 Dec 2026 00:00:00 GMT"
unit = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)


def test_module_docstring_example_runs() -> None:
    """The examples in the module docstring are runnable and correct."""
    assert doctest.testmod(reconnect).failed == 0


@given(rnd=unit)
def test_the_first_wait_after_a_drop_spreads_over_the_whole_window(rnd: float) -> None:
    """The first wait is first x rnd: anything in [0, 8) s, uniformly."""
    assert DEFAULT.delay(1, rnd) == pytest.approx(8.0 * rnd)


@given(attempt=st.integers(min_value=2, max_value=10_000), rnd=unit)
def test_every_later_wait_is_eight_to_eight_point_four_seconds(attempt: int, rnd: float) -> None:
    """Later waits never fall below the first window (so second attempts never land among
    the first ones of others) and never exceed the longest wait the rule names."""
    wait = DEFAULT.delay(attempt, rnd)
    assert 8.0 <= wait <= DEFAULT.longest == pytest.approx(8.4)


def test_a_crowd_that_dropped_together_comes_back_at_most_one_eighth_per_second() -> None:
    """10,000 tabs dropped in the same instant: no second of their first two attempts holds
    more than 15 % of them (the crowd goal), and every tab tried twice within 16.4 s."""
    rng = random.Random(3)
    seconds: dict[int, int] = {}
    last = 0.0
    for _ in range(10_000):
        first = DEFAULT.delay(1, rng.random())
        second = first + DEFAULT.delay(2, rng.random())
        last = max(last, second)
        for at in (first, second):
            seconds[int(at)] = seconds.get(int(at), 0) + 1
    assert max(seconds.values()) <= 1_500
    assert last <= 8.0 + 8.4


def test_the_previous_rule_is_expressible_and_bunches_the_crowd() -> None:
    """Socket.IO's rule (1 s doubling to 30 s, +/- 50 %, clamped), for the crowd benchmark:
    its first attempts land within one second of each other, and long waits pile at 30 s."""
    old = ReconnectPolicy(1.0, 2.0, 30.0, 0.5, 1.5, spread_first=False, clamp=True)
    assert [old.delay(1, 0.0), old.delay(1, 0.999999)] == pytest.approx([0.5, 1.5], abs=1e-5)
    assert old.delay(6, 0.0) == 15.0 and old.delay(6, 0.9) == 30.0 and old.longest == 30.0
    assert old.delay(60, 0.5) == 30.0  # no overflow after a night of retries


def test_growth_is_capped_without_huge_powers() -> None:
    """A growing rule stops at its cap, even after a million attempts."""
    growing = ReconnectPolicy(2.0, 3.0, 20.0, 1.0, 1.0)
    assert [growing.delay(n, 0.5) for n in (2, 3, 4, 1_000_000)] == [2.0, 6.0, 18.0, 20.0]


@pytest.mark.parametrize(
    "args",
    [(0.0, 1.0, 8.0, 1.0, 1.0), (9.0, 1.0, 8.0, 1.0, 1.0), (1.0, 0.5, 8.0, 1.0, 1.0),
     (1.0, 1.0, 8.0, 1.2, 1.0), (1.0, 1.0, float("inf"), 1.0, 1.0)],
)  # fmt: skip
def test_nonsense_rules_are_refused(args: tuple[float, float, float, float, float]) -> None:
    """A zero or over-cap first wait, shrinking growth, low > high or no cap is refused."""
    with pytest.raises(ValueError):
        ReconnectPolicy(*args)


# -- Retry-After ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("10", 10.0),
        (" 120 ", 120.0),
        ("600", 600.0),
        ("601", RETRY_AFTER_CAP),
        ("86400", RETRY_AFTER_CAP),
        (NOW_HEADER, 0.0),
        ("Mon, 07 Dec 2026 00:00:45 GMT", 45.0),
        ("Mon, 07 Dec 2026 02:00:00 GMT", RETRY_AFTER_CAP),
        ("Sun, 06 Dec 2026 23:59:00 GMT", 0.0),  # in the past: no hold
    ],
)
def test_retry_after_in_seconds_or_as_a_date(value: str, expected: float) -> None:
    """Seconds or an IMF-fixdate, relative to now, capped at 10 minutes."""
    assert retry_after_seconds(value, NOW) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "soon",
        "-5",
        "+5",
        "1.5",
        "1e3",
        "86401",
        "999999999999999999999999",
        "Monday, 07-Dec-26 00:00:00 GMT",  # the obsolete RFC 850 form
        "Mon Dec  7 00:00:00 2026",  # asctime
        "Mon, 07 Dec 2026 00:00:00 UTC",
        "Mon, 32 Dec 2026 00:00:00 GMT",
        "Mon, 07 Dec 2026 24:00:00 GMT",
        "Mon, 07 Dec 2099 00:00:00 GMT",  # decades away: garbage, not a hold
    ],
)
def test_a_missing_or_malformed_retry_after_means_the_normal_wait(value: str | None) -> None:
    """None: the page waits as it would without the header (negative, garbage, huge)."""
    assert retry_after_seconds(value, NOW) is None


@given(st.text(max_size=40))
@settings(max_examples=300)
def test_retry_after_never_raises_and_never_exceeds_the_cap(value: str) -> None:
    """Whatever a server sends, the answer is None or a hold in [0, 600] s."""
    held = retry_after_seconds(value, NOW)
    assert held is None or 0.0 <= held <= RETRY_AFTER_CAP


def test_the_date_arithmetic_matches_the_calendar() -> None:
    """The hand-written day count agrees with the standard library's, across eras."""
    import calendar
    import email.utils

    for year, month, day in [(1970, 1, 1), (2000, 2, 29), (2026, 12, 7), (2100, 3, 1)]:
        stamp = calendar.timegm((year, month, day, 12, 30, 5, 0, 0, 0))
        header = email.utils.formatdate(stamp, usegmt=True)
        assert retry_after_seconds(header, stamp - 100.0) == 100.0
