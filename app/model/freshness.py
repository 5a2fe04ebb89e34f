"""Freshness of the shown stats: the staleness rule behind the connection indicator.

``freshness`` classifies the shown data as ``Freshness.NO_DATA``, ``FRESH`` or ``STALE``, which
is what the indicator shows.  ``last_success`` is when a refresh last succeeded, on the same
clock as ``now``; ``None`` means none ever has.  That is "no data", not "stale": there is nothing
old on screen to warn about, so the page shows a loading/unavailable state instead.  Stale means
strictly more than ``STALE_AFTER_INTERVALS`` (2) intervals have passed -- one missed refresh
(with the scheduler's cadence measured from completion) is tolerated, two are not.

Example:

>>> freshness(None, now=100.0, interval=15.0)
<Freshness.NO_DATA: 'no_data'>
>>> is_stale(100.0, now=129.0, interval=15.0), is_stale(100.0, now=131.0, interval=15.0)
(False, True)
>>> seconds_since(100.0, now=131.5)
31.5
"""

from __future__ import annotations

import math
from enum import Enum

__all__ = ["STALE_AFTER_INTERVALS", "Freshness", "freshness", "is_stale", "seconds_since"]

STALE_AFTER_INTERVALS = 2


class Freshness(Enum):
    """State of the data on screen, for the connection indicator."""

    NO_DATA = "no_data"
    FRESH = "fresh"
    STALE = "stale"


def seconds_since(then: float | None, now: float) -> float | None:
    """Seconds from ``then`` to ``now``, never negative (a clock step back reads as 0)."""
    if then is None:
        return None
    return max(0.0, now - then)


def freshness(last_success: float | None, now: float, interval: float) -> Freshness:
    """Classify the shown data; ``ValueError`` unless ``interval`` is finite and positive."""
    if not math.isfinite(interval) or interval <= 0:
        raise ValueError(f"interval must be a finite number > 0, got {interval!r}")
    age = seconds_since(last_success, now)
    if age is None:
        return Freshness.NO_DATA
    return Freshness.STALE if age > STALE_AFTER_INTERVALS * interval else Freshness.FRESH


def is_stale(last_success: float | None, now: float, interval: float) -> bool:
    """True once no refresh has succeeded for more than 2 intervals; False if none ever did."""
    return freshness(last_success, now, interval) is Freshness.STALE
