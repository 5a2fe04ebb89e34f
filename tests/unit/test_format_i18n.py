"""Unit tests for app.model.format (the CPython formatter) and app.model.i18n (catalogues)."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model import format as format_module
from app.model import i18n as i18n_module
from app.model.format import DurationParts, FallbackFormatter, plural_category, split_duration
from app.model.i18n import (
    BASE_LOCALE,
    LOCALES,
    Catalogue,
    MissingMessage,
    locale_from_path,
    placeholders,
)
from tests.support import messages

NNBSP = "\u202f"
SECOND, MINUTE, HOUR, DAY = 1000, 60_000, 3_600_000, 86_400_000


def test_docstring_examples_run() -> None:
    """The examples in both module docstrings are runnable and correct."""
    assert doctest.testmod(format_module).failed == 0
    assert doctest.testmod(i18n_module).failed == 0


# -- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "1,234,567"),
        ("de", "1.234.567"),
        ("fr", f"1{NNBSP}234{NNBSP}567"),
        ("es", "1.234.567"),
    ],
)
def test_number_grouping_per_locale(locale: str, expected: str) -> None:
    """Thousands are grouped with the locale's separator (a narrow no-break space in fr)."""
    assert FallbackFormatter(locale).number(1_234_567) == expected


@pytest.mark.parametrize(("value", "expected"), [(1234, "1234"), (12345, "12.345"), (999, "999")])
def test_spanish_groups_only_from_five_digits(value: int, expected: str) -> None:
    """CLDR minimumGroupingDigits=2 for es: 1234 stays ungrouped, 12.345 is grouped."""
    assert FallbackFormatter("es").number(value) == expected


@pytest.mark.parametrize("locale", ["en", "de", "fr"])
def test_four_digits_are_grouped_outside_spanish(locale: str) -> None:
    """en/de/fr group from four digits."""
    assert len(FallbackFormatter(locale).number(1234)) == 5


def test_small_numbers_are_plain() -> None:
    """Numbers below 1000 have no separator; zero is "0"."""
    fmt = FallbackFormatter("en")
    assert [fmt.number(n) for n in (0, 7, 999)] == ["0", "7", "999"]


def test_negative_numbers_keep_sign_and_grouping() -> None:
    """A negative number is its absolute value, grouped, with a leading minus."""
    assert FallbackFormatter("en").number(-1_234_567) == "-1,234,567"
    assert FallbackFormatter("es").number(-1234) == "-1234"


def test_negative_value_rounding_to_zero_has_no_minus() -> None:
    """-0.4 with no fraction digits reads "0", not "-0"."""
    assert FallbackFormatter("en").number(-0.4) == "0"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "1,234.5"), ("de", "1.234,5"), ("fr", f"1{NNBSP}234,5"), ("es", "1234,5")],
)
def test_fraction_digits_use_the_locale_decimal_mark(locale: str, expected: str) -> None:
    """Fractions use the locale's decimal mark, with trailing zeros dropped."""
    assert FallbackFormatter(locale).number(1234.50, max_fraction_digits=2) == expected


def test_fraction_is_rounded_to_max_digits() -> None:
    """Extra fraction digits are rounded away, and a zero fraction disappears."""
    fmt = FallbackFormatter("en")
    assert fmt.number(3.14159, 2) == "3.14"
    assert fmt.number(2.0, 2) == "2"
    assert fmt.number(45.6) == "46"


def test_unknown_locale_falls_back_to_english() -> None:
    """An unsupported locale formats like en."""
    fmt = FallbackFormatter("xx")
    assert fmt.locale == "en"
    assert fmt.number(1_234_567) == "1,234,567"


# -- plural categories ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "n", "category"),
    [
        ("en", 1, "one"),
        ("en", 2, "other"),
        ("en", 0, "other"),
        ("en", 1_000_000, "other"),
        ("de", 1, "one"),
        ("de", 0, "other"),
        ("fr", 0, "one"),
        ("fr", 1, "one"),
        ("fr", 1.5, "one"),
        ("fr", 2, "other"),
        ("fr", 1_000_000, "many"),
        ("fr", 2_000_000, "many"),
        ("fr", 1_000_001, "other"),
        ("es", 1, "one"),
        ("es", 0, "other"),
        ("es", 1_000_000, "many"),
    ],
)
def test_plural_category_cldr_rules(locale: str, n: float, category: str) -> None:
    """CLDR cardinal categories for en/de/fr/es, including French 0 → one and million → many."""
    assert plural_category(locale, n) == category
    assert FallbackFormatter(locale).plural(n) == category


# -- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ms", "parts"),
    [
        (3 * DAY + 4 * HOUR + 59 * SECOND, DurationParts(days=3, hours=4)),
        (4 * HOUR + 12 * MINUTE + 30 * SECOND, DurationParts(hours=4, minutes=12)),
        (12 * MINUTE + 5 * SECOND, DurationParts(minutes=12, seconds=5)),
        (12 * SECOND + 999, DurationParts(seconds=12)),
        (DAY + 59 * SECOND, DurationParts(days=1)),
        (DAY + 5 * MINUTE, DurationParts(days=1)),
        (0, DurationParts()),
        (-5 * SECOND, DurationParts()),
        (400 * DAY + 23 * HOUR, DurationParts(days=400, hours=23)),
    ],
)
def test_split_duration_keeps_the_two_largest_units(ms: float, parts: DurationParts) -> None:
    """Only the largest non-zero unit and the one right below it survive; negatives are 0."""
    assert split_duration(ms) == parts


@given(st.integers(0, 10**12))
def test_split_duration_never_exceeds_the_input(ms: int) -> None:
    """The kept units never add up to more than the duration, nor lose more than one unit."""
    parts = split_duration(ms)
    total = parts.days * DAY + parts.hours * HOUR + parts.minutes * MINUTE + parts.seconds * SECOND
    assert total <= ms
    nonzero = [v for v in (parts.days, parts.hours, parts.minutes, parts.seconds) if v]
    assert len(nonzero) <= 2


def test_duration_text_shows_non_zero_units() -> None:
    """The fallback duration text lists the non-zero units, or "0 s" for nothing."""
    fmt = FallbackFormatter("en")
    assert fmt.duration(DurationParts(days=3, hours=4)) == "3 d 4 h"
    assert fmt.duration(DurationParts()) == "0 s"


# -- catalogues -----------------------------------------------------------------------------


def test_text_fills_named_placeholders() -> None:
    """``text`` substitutes every named placeholder with its parameter."""
    c = Catalogue("en", {"greet": "Hello {name}, you have {n_items} items"})
    assert c.text("greet", name="Ada", n_items="3") == "Hello Ada, you have 3 items"


def test_text_leaves_unknown_placeholders_visible() -> None:
    """A placeholder without a parameter stays as written (visible, not silently empty)."""
    c = Catalogue("en", {"k": "{a} and {b}"})
    assert c.text("k", a="x") == "x and {b}"


def test_parameter_values_are_not_substituted_again() -> None:
    """A parameter containing ``{other}`` is inserted literally (one substitution pass)."""
    c = Catalogue("en", {"k": "{a} {b}"})
    assert c.text("k", a="{b}", b="<img src=x onerror=alert(1)>") == (
        "{b} <img src=x onerror=alert(1)>"
    )


def test_missing_text_raises_missing_message() -> None:
    """Asking for an unknown key raises MissingMessage (a KeyError) naming the key."""
    c = Catalogue("en", {"a": "A"})
    with pytest.raises(MissingMessage) as info:
        c.text("nope")
    assert isinstance(info.value, KeyError)
    assert info.value.args == ("nope",)


def test_plural_picks_the_category_form_and_fills_count() -> None:
    """``plural`` picks ``key#<category>`` and fills ``{count}`` with the formatted count."""
    c = Catalogue("en", {"s#one": "{count} shard", "s#other": "{count} shards"})
    assert c.plural("s", 1, "1") == "1 shard"
    assert c.plural("s", 1234, "1,234") == "1,234 shards"


def test_plural_falls_back_to_other_when_category_form_is_missing() -> None:
    """A category without its own form (fr "many" here) uses ``#other``."""
    fr = FallbackFormatter("fr")
    c = Catalogue("fr", {"s#one": "{count} shard", "s#other": "{count} shards"}, fr.plural)
    assert c.plural("s", 1_000_000, fr.number(1_000_000)) == f"1{NNBSP}000{NNBSP}000 shards"
    assert c.plural("s", 0, "0") == "0 shard"


def test_plural_uses_the_given_category_function() -> None:
    """The catalogue asks its plural function, not a built-in English rule."""
    c = Catalogue("x", {"s#few": "few", "s#other": "other"}, lambda n: "few" if n < 5 else "x")
    assert c.plural("s", 3, "3") == "few"
    assert c.plural("s", 9, "9") == "other"


def test_plural_passes_extra_parameters() -> None:
    """Extra parameters are filled next to ``{count}``."""
    c = Catalogue("en", {"s#other": "{count} in {where}"})
    assert c.plural("s", 2, "2", where="EU") == "2 in EU"


def test_plural_without_any_form_raises_missing_message() -> None:
    """A plural key with no ``#other`` form raises MissingMessage naming the base key."""
    c = Catalogue("en", {"s#one": "one"})
    with pytest.raises(MissingMessage) as info:
        c.plural("s", 2, "2")
    assert info.value.args == ("s",)


def test_contains_knows_plain_and_plural_keys() -> None:
    """``in`` is true for plain keys and for plural base keys (via their ``#other``)."""
    c = Catalogue("en", {"a": "A", "s#other": "S", "t#one": "T"})
    assert "a" in c
    assert "s" in c
    assert "t" not in c
    assert "b" not in c
    assert c.keys() == frozenset({"a", "s#other", "t#one"})


def test_catalogue_copies_its_messages() -> None:
    """Mutating the source mapping afterwards does not change the catalogue."""
    source = {"a": "A"}
    c = Catalogue("en", source)
    source["a"] = "changed"
    assert c.text("a") == "A"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Cluster {id}", {"id"}),
        ("{a} of {b_c} ({a})", {"a", "b_c"}),
        ("no placeholders", set()),
        ("{Upper} {1x} { spaced } {}", set()),
        ("{{double}}", {"double"}),
    ],
)
def test_placeholders_lists_named_placeholders(text: str, names: set[str]) -> None:
    """``placeholders`` returns the lowercase snake_case names in braces, once each."""
    assert placeholders(text) == frozenset(names)


def test_english_catalogue_plural_forms_always_have_other() -> None:
    """Every plural key in locales/en.json has an ``#other`` form (the fallback)."""
    en = messages("en")
    bases = {k.split("#", 1)[0] for k in en if "#" in k}
    assert bases, "expected some plural messages"
    assert all(f"{b}#other" in en for b in bases)


# -- locale from path -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "locale"),
    [
        ("/", "en"),
        ("", "en"),
        ("/index.html", "en"),
        ("/de/", "de"),
        ("/de", "de"),
        ("/de/index.html", "de"),
        ("/fr/", "fr"),
        ("/es/", "es"),
        ("/xx/", None),
        ("/en/", None),
        ("/DE/", None),
        ("/404.html", None),
    ],
)
def test_locale_from_path(path: str, locale: str | None) -> None:
    """``/`` is English; ``/de/`` etc. name a locale; unknown prefixes and ``/en/`` are None."""
    assert locale_from_path(path) == locale


def test_locale_list_starts_with_the_base() -> None:
    """The base locale is English and listed first."""
    assert BASE_LOCALE == "en"
    assert LOCALES[0] == BASE_LOCALE
    assert set(LOCALES) == {"en", "de", "fr", "es"}
