"""The message catalogues in ``locales/``, read once, as the page builds them.

``catalogue(locale)`` has the plural rules of ``FallbackFormatter(locale)``, the
formatter the unit tests draw with; ``english()`` is the base locale's.
"""

from __future__ import annotations

import json
from functools import cache

from app.model.format import FallbackFormatter
from app.model.i18n import BASE_LOCALE, Catalogue
from tests.support.paths import ROOT

__all__ = ["LOCALE_DIR", "catalogue", "english", "messages"]

LOCALE_DIR = ROOT / "locales"


@cache
def _read(locale: str) -> dict[str, str]:
    data = json.loads((LOCALE_DIR / f"{locale}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"locales/{locale}.json is not an object"
    return data


def messages(locale: str) -> dict[str, str]:
    """``locales/<locale>.json`` as a dict (a fresh copy: change it freely)."""
    return dict(_read(locale))


def catalogue(locale: str) -> Catalogue:
    return Catalogue(locale, _read(locale), FallbackFormatter(locale).plural)


def english() -> Catalogue:
    return catalogue(BASE_LOCALE)
