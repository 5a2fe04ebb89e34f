"""Locale formatting behind one interface: ``Intl`` in the browser, a fallback in CPython.

The runtime seam implements ``Formatter`` with ``Intl.NumberFormat``, ``PluralRules``,
``DurationFormat``, ``RelativeTimeFormat`` and ``DateTimeFormat``. ``FallbackFormatter``
implements the same rules for en/de/fr/es in plain Python (numbers, CLDR plural
categories, …) so the model and renderers are testable under CPython. An uptime is
shown in its two largest units (``split_duration``).

>>> FallbackFormatter("de").number(1234567)
'1.234.567'
>>> split_duration(3 * 86_400_000 + 4 * 3_600_000 + 59_000)
DurationParts(days=3, hours=4, minutes=0, seconds=0)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "DurationParts",
    "FallbackFormatter",
    "Formatter",
    "plural_category",
    "split_duration",
]


@dataclass(frozen=True, slots=True)
class DurationParts:
    """An uptime reduced to its two largest non-zero units (the rest are zero)."""

    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0


def split_duration(ms: float) -> DurationParts:
    """Keep the two largest units: "3 days, 4 hours", "4 hours, 12 minutes", "12 seconds"."""
    # Straight-line on purpose: every running cluster's uptime is split on every pass.
    days, rest = divmod(max(0, int(ms // 1000)), 86_400)
    if days:
        return DurationParts(days=days, hours=rest // 3_600)
    hours, rest = divmod(rest, 3_600)
    if hours:
        return DurationParts(hours=hours, minutes=rest // 60)
    minutes, seconds = divmod(rest, 60)
    return DurationParts(minutes=minutes, seconds=seconds)


# How an elapsed time is worded ("Updated 2 minutes ago"), on both sides of the seam:
# the last known status's marker (static/last-known.js) reads this table from the build.
# Each row: unit, its length in seconds, and the elapsed seconds below which it is used
# (None: no limit).
RELATIVE_UNITS: tuple[tuple[str, int, int | None], ...] = (
    ("second", 1, 60),
    ("minute", 60, 3_600),
    ("hour", 3_600, None),
)


def relative_unit(seconds: float) -> tuple[int, str]:
    """The elapsed time in the largest unit that fits, rounded: (count, unit).

    >>> relative_unit(42), relative_unit(126), relative_unit(5400)
    ((42, 'second'), (2, 'minute'), (2, 'hour'))
    """
    elapsed = max(0, round(abs(seconds)))
    for unit, length, below in RELATIVE_UNITS:
        if below is None or elapsed < below:
            return round(elapsed / length), unit
    raise AssertionError("RELATIVE_UNITS ends with an unbounded unit")


class Formatter(Protocol):
    locale: str

    def number(self, value: float, max_fraction_digits: int = 0) -> str: ...
    def plural(self, count: float) -> str: ...
    def duration(self, parts: DurationParts) -> str: ...
    def relative_time(self, seconds: float) -> str: ...
    def clock(self, epoch_ms: float) -> str: ...


_GROUP = {"en": ",", "de": ".", "fr": "\u202f", "es": "."}
_DECIMAL = {"en": ".", "de": ",", "fr": ",", "es": ","}
# CLDR minimumGroupingDigits: Spanish writes 1234 but 12.345.
_MIN_GROUPING = {"es": 2}


def plural_category(locale: str, n: float) -> str:
    """CLDR cardinal rules for our locales (integers and plain decimals)."""
    if locale == "fr":
        if 0 <= n < 2:
            return "one"
        if n != 0 and n == int(n) and n % 1_000_000 == 0:
            return "many"
        return "other"
    if locale == "es" and n != 0 and n == int(n) and n % 1_000_000 == 0:
        return "many"
    return "one" if n == 1 else "other"


class FallbackFormatter:
    """Plain-Python stand-in for ``Intl``; used by unit tests and nowhere in the browser."""

    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in _GROUP else "en"

    def number(self, value: float, max_fraction_digits: int = 0) -> str:
        rounded = round(value, max_fraction_digits)
        negative = rounded < 0
        integer, _, fraction = f"{abs(rounded):.{max_fraction_digits}f}".partition(".")
        fraction = fraction.rstrip("0")
        if len(integer) >= 4 + _MIN_GROUPING.get(self.locale, 1) - 1:
            groups: list[str] = []
            while len(integer) > 3:
                groups.insert(0, integer[-3:])
                integer = integer[:-3]
            integer = _GROUP[self.locale].join([integer, *groups])
        text = integer + (_DECIMAL[self.locale] + fraction if fraction else "")
        return ("-" if negative else "") + text

    def plural(self, count: float) -> str:
        return plural_category(self.locale, count)

    def duration(self, parts: DurationParts) -> str:
        units = zip((parts.days, parts.hours, parts.minutes, parts.seconds), "dhms", strict=True)
        shown = [f"{self.number(v)} {u}" for v, u in units if v]
        return " ".join(shown) or f"{self.number(0)} s"

    def relative_time(self, seconds: float) -> str:
        count, unit = relative_unit(seconds)
        return f"-{self.number(count)} {unit[0]}"

    def clock(self, epoch_ms: float) -> str:
        return time.strftime("%H:%M:%S", time.gmtime(epoch_ms / 1000))
