"""``app.model.format.Formatter`` on the browser's ``Intl``."""

from __future__ import annotations

from typing import Any

from app.model.format import DurationParts, relative_unit
from app.runtime.ffi import js, js_object, to_js

__all__ = ["IntlFormatter"]

# Formatting caches are cleared when they reach this size. Ids and pings repeat and are
# back after one pass; guild counts and young uptimes are always new, and a tab left
# open for a week must not keep every one it ever showed (the soak test counts them).
_CACHE_LIMIT = 2048
# Each cached duration is a DurationParts object the garbage collector tracks.
_DURATION_CACHE_LIMIT = 256


class IntlFormatter:
    """``Formatter`` on the browser's ``Intl``; formatters are built once and reused."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        intl = js.Intl
        opts = js_object
        self._int = intl.NumberFormat.new(locale, opts({"maximumFractionDigits": 0}))
        self._dec: dict[int, Any] = {0: self._int}
        self._ints: dict[int, str] = {}
        self._durations: dict[DurationParts, str] = {}
        self._plural = intl.PluralRules.new(locale)
        self._relative = intl.RelativeTimeFormat.new(locale, opts({"numeric": "auto"}))
        self._clock = intl.DateTimeFormat.new(locale, opts({"timeStyle": "medium"}))
        self._duration = (
            intl.DurationFormat.new(locale, opts({"style": "long"}))
            if hasattr(intl, "DurationFormat")
            else None
        )
        self._units = {
            unit: intl.NumberFormat.new(
                locale, opts({"style": "unit", "unit": unit, "unitDisplay": "long"})
            )
            for unit in ("day", "hour", "minute", "second")
        }
        self._list = intl.ListFormat.new(locale, opts({"type": "unit", "style": "long"}))

    def number(self, value: float, max_fraction_digits: int = 0) -> str:
        # Shard ids and pings repeat every render: one JS call each per visit, not per pass.
        if max_fraction_digits == 0 and type(value) is int:
            text = self._ints.get(value)
            if text is None:
                if len(self._ints) >= _CACHE_LIMIT:
                    self._ints.clear()
                text = self._ints[value] = str(self._int.format(value))
            return text
        fmt = self._dec.get(max_fraction_digits)
        if fmt is None:
            fmt = js.Intl.NumberFormat.new(
                self.locale, js_object({"maximumFractionDigits": max_fraction_digits})
            )
            self._dec[max_fraction_digits] = fmt
        return str(fmt.format(value))

    def plural(self, count: float) -> str:
        return str(self._plural.select(count))

    def duration(self, parts: DurationParts) -> str:
        text = self._durations.get(parts)
        if text is None:
            if len(self._durations) >= _DURATION_CACHE_LIMIT:
                self._durations.clear()
            text = self._durations[parts] = self._format_duration(parts)
        return text

    def _format_duration(self, parts: DurationParts) -> str:
        values = {
            "days": parts.days,
            "hours": parts.hours,
            "minutes": parts.minutes,
            "seconds": parts.seconds,
        }
        shown = {k: v for k, v in values.items() if v}
        if not shown:
            shown = {"seconds": 0}
        if self._duration is not None:
            return str(self._duration.format(js_object(shown)))
        pieces = [self._units[k[:-1]].format(v) for k, v in shown.items()]
        return str(self._list.format(to_js(pieces)))

    def relative_time(self, seconds: float) -> str:
        """In the largest unit that fits (``app.model.format.relative_unit``)."""
        count, unit = relative_unit(seconds)
        # numeric "auto" says "now" for zero; -0.0 keeps it in the past tense.
        return str(self._relative.format(-float(count), unit))

    def clock(self, epoch_ms: float) -> str:
        return str(self._clock.format(js.Date.new(epoch_ms)))
