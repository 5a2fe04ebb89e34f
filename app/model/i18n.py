"""Message catalogues: flat keys, named placeholders, plural variants.

A catalogue is the parsed ``locales/<locale>.json``: a flat object of key -> text, where
text may hold named placeholders such as ``{count}``. A message with plural forms is
stored as ``<key>#<category>`` for the CLDR categories it needs, always including
``#other``; the category comes from the formatter (``Intl.PluralRules`` in the browser).
Each locale's page is served under its own path: the base locale at ``/``, the others
under ``/<locale>/`` (``locale_path``, and back with ``locale_from_path``).

>>> cat = Catalogue("en", {"shards#one": "{count} shard", "shards#other": "{count} shards"})
>>> cat.plural("shards", 2, "2")
'2 shards'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

__all__ = [
    "BASE_LOCALE",
    "LOCALES",
    "Catalogue",
    "MissingMessage",
    "locale_from_path",
    "locale_path",
    "placeholders",
]

LOCALES: tuple[str, ...] = ("en", "de", "fr", "es")
BASE_LOCALE = "en"
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class MissingMessage(KeyError):
    """A key the code asked for is not in the catalogue (a test keeps this from shipping)."""


def placeholders(text: str) -> frozenset[str]:
    return frozenset(_PLACEHOLDER.findall(text))


def locale_path(locale: str) -> str:
    """Where a locale's page is served: ``/`` for the base locale, ``/de/`` for German."""
    return "/" if locale == BASE_LOCALE else f"/{locale}/"


def locale_from_path(path: str) -> str | None:
    """``/`` -> en, ``/de/`` -> de; ``/xx/`` -> None (the 404 page is served there)."""
    first = path.strip("/").split("/", 1)[0]
    if first in ("", "index.html"):
        return BASE_LOCALE
    if first in LOCALES and first != BASE_LOCALE:
        return first
    return None


class Catalogue:
    """Look up and fill messages of one locale."""

    def __init__(
        self,
        locale: str,
        messages: Mapping[str, str],
        plural_category: Callable[[float], str] | None = None,
    ) -> None:
        self.locale = locale
        self._messages = dict(messages)
        self._plural_category = plural_category or (lambda n: "one" if n == 1 else "other")

    def __contains__(self, key: str) -> bool:
        return key in self._messages or f"{key}#other" in self._messages

    def text(self, key: str, **params: str) -> str:
        try:
            template = self._messages[key]
        except KeyError:
            raise MissingMessage(key) from None
        return _fill(template, params)

    def plural(self, key: str, count: float, count_text: str, **params: str) -> str:
        """Pick ``key#<category>`` for ``count`` (falling back to ``#other``) and fill it.

        ``count_text`` is the count already formatted for the locale; it fills ``{count}``.
        """
        category = self._plural_category(count)
        template = self._messages.get(f"{key}#{category}")
        if template is None:
            try:
                template = self._messages[f"{key}#other"]
            except KeyError:
                raise MissingMessage(key) from None
        return _fill(template, {"count": count_text, **params})

    def keys(self) -> frozenset[str]:
        return frozenset(self._messages)


class _KeepUnknown(dict[str, str]):
    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def _fill(template: str, params: Mapping[str, str]) -> str:
    # str.format_map runs in C; a page of 10,000 shards fills ~40,000 messages per render.
    # Message texts hold no literal braces (a test checks), only {name} placeholders.
    if "{" not in template:
        return template
    return template.format_map(_KeepUnknown(params))
