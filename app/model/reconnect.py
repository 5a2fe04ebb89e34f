"""When a dropped page tries the live connection again: the reconnect waits and ``Retry-After``.

The page is one of thousands of tabs. When the bot's Socket.IO server restarts, every
tab loses its connection in the same second, so the rule below is written for the crowd,
and ``tools/crowd.py`` measures it by running ten thousand tabs through this very code.

The reconnect rule (``ReconnectPolicy.delay``, ``DEFAULT``):

- The first wait after a drop is drawn uniformly from ``[0, first]`` ("full jitter", as
  the AWS Architecture Blog's "Exponential Backoff And Jitter" calls it). Tabs that dropped
  together therefore come back spread evenly over ``first`` seconds: 1/``first`` of them
  per second, however many they are.
- Every later wait is ``first`` again, plus up to 5 % (Socket.IO's
  ``randomizationFactor``, upwards only). Each tab keeps the phase its first wait gave it,
  so the crowd stays spread as evenly as it started: a wait never shrinks below
  ``first``, so a tab's second attempt never lands among the first attempts of others,
  and no two tabs that started apart drift into one second.

Why 8 s, and no growth: with 10,000 tabs and a token fetched on every attempt, the
client API gets at most 1/8 of the tabs in any second (the goal: at most 15 %), and a
server that is back, after six seconds or after five minutes, sees each tab within one
wait: half of them within 4.4-4.7 s, 95 % within 8.3 s (goals: 5 s and 15 s).
Exponential growth (the page's rule before: 1 s doubling to 30 s, +/- 50 %) brought every
tab back within the same second or two after a short restart, and after a long outage
made visitors wait up to 30 s for a server that was long back; "decorrelated jitter"
also drifts towards its cap. Growth spares a server that stays down, but a refused
connection costs it little; what a recovering server feels is the arrival rate, which
this rule holds at 1/8 of the crowd per second however long the outage lasted.
``tools/crowd.py`` runs both rules through ten thousand tabs and prints the figures.

``Retry-After`` (``retry_after_seconds``): a token response of 429 or 503 with the header
holds every attempt until that time (seconds, or an HTTP date), capped at ``RETRY_AFTER_CAP``.
A malformed value falls back to the normal wait, and a hold never shortens a wait: the
page never asks sooner than it would without the header.

>>> DEFAULT.delay(1, 0.5), DEFAULT.delay(2, 0.0), DEFAULT.delay(7, 0.5)
(4.0, 8.0, 8.2)
>>> socketio_like = ReconnectPolicy(1.0, 2.0, 30.0, 0.5, 1.5, spread_first=False, clamp=True)
>>> [round(socketio_like.delay(n, 0.5), 1) for n in (1, 2, 6, 7)], socketio_like.delay(7, 0.99)
([1.0, 2.0, 30.0, 30.0], 30.0)
>>> retry_after_seconds("120", now=0.0), retry_after_seconds("3600", now=0.0)
(120.0, 600.0)
>>> retry_after_seconds("Thu, 01 Jan 1970 00:01:40 GMT", now=70.0)
30.0
>>> retry_after_seconds("soon", now=0.0) is None, retry_after_seconds("-5", now=0.0) is None
(True, True)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = [
    "DEFAULT",
    "RETRY_AFTER_CAP",
    "RETRY_AFTER_STATUSES",
    "ReconnectPolicy",
    "retry_after_seconds",
]

# A Retry-After longer than this holds the page for this long (10 minutes).
RETRY_AFTER_CAP = 600.0
# A Retry-After longer than a day is taken as garbage, not as "come back tomorrow".
_RETRY_AFTER_NONSENSE = 86_400.0
# The token responses whose Retry-After the page obeys.
RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """How long a dropped page waits before each connection attempt (module docstring).

    Each wait has a centre: ``first`` for the first attempts, times ``growth`` per later
    attempt, at most ``cap``. The wait is the centre times a factor drawn uniformly from
    ``[low, high]``; with ``clamp`` it is cut at ``cap`` (Socket.IO's rule). With
    ``spread_first`` the first wait is instead uniform in ``[0, first]`` and the growth
    starts after the second.
    """

    first: float
    growth: float
    cap: float
    low: float
    high: float
    spread_first: bool = True
    clamp: bool = False

    def __post_init__(self) -> None:
        if not (0 < self.first <= self.cap and math.isfinite(self.cap)):
            raise ValueError(f"need 0 < first <= cap < inf, got {self.first}, {self.cap}")
        if not (self.growth >= 1 and 0 <= self.low <= self.high):
            raise ValueError(f"need growth >= 1 and 0 <= low <= high, got {self}")

    def delay(self, attempt: int, rnd: float) -> float:
        """The wait before attempt number ``attempt`` (1 = the first after a drop).

        ``rnd`` is uniform in [0, 1), drawn by the caller for every wait.
        """
        if attempt <= 1 and self.spread_first:
            return self.first * rnd
        steps = max(0, attempt - (2 if self.spread_first else 1))
        # Growth stops at the cap: no huge powers for a tab that retried all night.
        centre = self.first
        for _ in range(steps):
            centre *= self.growth
            if centre >= self.cap:
                centre = self.cap
                break
        wait = centre * (self.low + (self.high - self.low) * rnd)
        return min(wait, self.cap) if self.clamp else wait

    @property
    def longest(self) -> float:
        """The longest wait this rule can choose."""
        return self.cap if self.clamp else self.cap * self.high


DEFAULT = ReconnectPolicy(first=8.0, growth=1.0, cap=8.0, low=1.0, high=1.05)

_DELAY_SECONDS = re.compile(r"[0-9]{1,12}")
# IMF-fixdate, the HTTP date every server sends today: "Sun, 06 Nov 1994 08:49:37 GMT".
# (Each \x20 is the one space the format allows.)
_IMF_FIXDATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\x20([0-9]{2})\x20"
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\x20([0-9]{4})\x20"
    r"([0-9]{2}):([0-9]{2}):([0-9]{2})\x20GMT"
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Seconds to hold, from a ``Retry-After`` header read at Unix time ``now``.

    ``None`` when the header is missing or malformed (negative, garbage, more than a day):
    the caller then waits as it would without it. A date in the past holds for 0 s; a hold
    longer than ``RETRY_AFTER_CAP`` is cut to it.
    """
    if value is None:
        return None
    text = value.strip()
    if _DELAY_SECONDS.fullmatch(text):
        seconds = float(int(text))
    else:
        at = _http_date(text)
        if at is None:
            return None
        seconds = max(0.0, at - now)
    if seconds > _RETRY_AFTER_NONSENSE:
        return None
    return min(seconds, RETRY_AFTER_CAP)


def _http_date(text: str) -> float | None:
    """Unix time of an IMF-fixdate, or ``None`` (the obsolete formats are not accepted)."""
    match = _IMF_FIXDATE.fullmatch(text)
    if match is None:
        return None
    day, month_name, year, hour, minute, second = match.groups()
    month = _MONTHS.index(month_name) + 1
    d, h, m, s = int(day), int(hour), int(minute), int(second)
    if not (1 <= d <= 31 and h <= 23 and m <= 59 and s <= 60):
        return None
    return _days_from_civil(int(year), month, d) * 86_400.0 + h * 3600 + m * 60 + s


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).

    Written out so that reading a header imports neither ``calendar`` nor ``email``, which
    are not in the boot archive.
    """
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468
