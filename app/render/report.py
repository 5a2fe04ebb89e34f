"""The "Copy diagnostics" text a visitor pastes into a support ticket.

>>> from app.model.i18n import Catalogue
>>> cat = Catalogue("en", {"report.title": "Report", "report.no_lookup": "Lookup: none",
...     "report.overall": "Overall: {status}", "report.time": "UTC: {time}",
...     "report.locale": "Locale: {locale}", "report.version": "Version: {version}",
...     "report.source": "Source: {source}", "report.lookup": "Lookup: {answer}"})
>>> print(diagnostics_report(
...     cat, lookup=None, overall="Fine", now_ms=0, version="1", source="live"))
Report
Lookup: none
Overall: Fine
UTC: 1970-01-01 00:00:00
Locale: en
Version: 1
Source: live
"""

from __future__ import annotations

import time

from app.model.i18n import Catalogue

__all__ = ["diagnostics_report"]


def diagnostics_report(
    catalogue: Catalogue,
    *,
    lookup: str | None,
    overall: str,
    now_ms: float,
    version: str,
    source: str,
) -> str:
    t = catalogue.text
    utc = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now_ms / 1000))
    lines = [
        t("report.title"),
        t("report.lookup", answer=lookup) if lookup else t("report.no_lookup"),
        t("report.overall", status=overall),
        t("report.time", time=utc),
        t("report.locale", locale=catalogue.locale),
        t("report.version", version=version),
        t("report.source", source=source),
    ]
    return "\n".join(lines)
