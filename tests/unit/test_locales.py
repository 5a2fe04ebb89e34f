"""The message catalogues in ``locales/``: parity, usage, typography and plural selection.

- Every locale has the same base keys and, per key, the same placeholders; plural keys
  (``key#<category>``) always have ``#other`` and exactly the CLDR integer categories of
  their locale (French and Spanish have ``#many``: "1 000 000 de shards").
- Every key is used by the code or the HTML templates, and every key they use exists.
  Dynamic key families such as ``f"problem.{code}"`` are enumerated from the enums and
  tables in ``app/``; a new family in the code fails the test until it is mapped here.
- No user-visible text is hard-coded in ``app/`` (an AST scan with a short allowlist).
- Translations are not English left-overs and follow each language's typography.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from app.model.changelog import ChangeLog
from app.model.format import FallbackFormatter, plural_category
from app.model.i18n import (
    BASE_LOCALE,
    LOCALES,
    Catalogue,
    MissingMessage,
    locale_from_path,
    locale_path,
    placeholders,
)
from app.model.link import Reason
from app.model.page_state import Connection, PageState, SourceKind
from app.model.shard_lookup import GuildInputError, parse_guild_input
from app.model.snapshot import Problem, ProblemCode, Snapshot, parse_ack
from app.model.ui_state import OpenReason, Popover, UiState
from app.model.vocabulary import (
    CLUSTER_STYLES,
    HEALTH_LABEL_KEYS,
    OVERALL_STYLES,
    SHARD_STYLES,
    Health,
    ShardState,
)
from app.render.context import link
from app.render.page import PageView
from app.render.report import diagnostics_report
from tests.support import NOW, ROOT, catalogue, messages
from tests.support.catalogues import LOCALE_DIR

APP = ROOT / "app"
TEMPLATES = (ROOT / "index.html", ROOT / "404.html")
# Besides app/, the build reads a few messages itself (locale names, the version line;
# the link previews and manifests, tools/share.py).
KEY_USERS = (ROOT / "tools" / "build.py", ROOT / "tools" / "share.py")
# The boot status script shows messages before Python runs (quoted key literals).
JS_KEY_USERS = (ROOT / "static" / "boot-status.js",)
NNBSP = "\u202f"
TRANSLATED = [loc for loc in LOCALES if loc != BASE_LOCALE]

KEY_SHAPE = re.compile(r"^[a-z][a-z_]*(\.[a-z0-9_-]+)+$")
FAMILY_PREFIX = re.compile(r"^[a-z][a-z_]*(\.[a-z0-9_]+)*\.$")
TEMPLATE_KEY = re.compile(r"\{\{t:([^}]+)\}\}")
UNFILLED = re.compile(r"\{[a-z_][a-z0-9_]*\}")


# -- reading the catalogues -------------------------------------------------------------------


def base_of(key: str) -> str:
    return key.partition("#")[0]


def variants(locale: str) -> dict[str, dict[str | None, str]]:
    """base key -> {plural category or None: text}."""
    out: dict[str, dict[str | None, str]] = {}
    for key, text in messages(locale).items():
        base, _, category = key.partition("#")
        out.setdefault(base, {})[category or None] = text
    return out


def reference_text(base: str) -> str:
    """The English text a translation is compared against (``#other`` for plurals)."""
    en = messages(BASE_LOCALE)
    return en.get(base, en.get(f"{base}#other", ""))


def cldr_integer_categories(locale: str) -> set[str]:
    samples = (*range(0, 1001), 1_000_000, 2_000_000, 1_000_000_000)
    return {plural_category(locale, n) for n in samples}


# -- parity -----------------------------------------------------------------------------------


def test_there_is_one_message_file_per_locale() -> None:
    assert sorted(p.stem for p in LOCALE_DIR.glob("*.json")) == sorted(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_messages_are_non_empty_strings(locale: str) -> None:
    bad = [k for k, v in messages(locale).items() if not isinstance(v, str) or not v.strip()]
    assert bad == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_locale_has_the_same_base_keys(locale: str) -> None:
    en, other = set(variants(BASE_LOCALE)), set(variants(locale))
    assert sorted(en - other) == [], f"missing in {locale}.json"
    assert sorted(other - en) == [], f"only in {locale}.json"


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_keys_have_exactly_the_locales_cldr_categories(locale: str) -> None:
    """A key is plural in every locale or in none; plural keys carry #other and each CLDR
    category the locale uses for integers, and nothing else (fr/es: one, many, other)."""
    expected = cldr_integer_categories(locale)
    en_plural = {b for b, v in variants(BASE_LOCALE).items() if None not in v}
    for base, forms in variants(locale).items():
        if None in forms:
            assert len(forms) == 1, f"{locale}: {base} is both plain and plural"
            assert base not in en_plural, f"{locale}: {base} is plural in en"
            continue
        assert base in en_plural, f"{locale}: {base} is plural only here"
        assert set(forms) == expected, f"{locale}: {base} has {sorted(map(str, forms))}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_has_the_placeholders_of_its_english_original(locale: str) -> None:
    wrong = {
        key: sorted(placeholders(text))
        for key, text in messages(locale).items()
        if placeholders(text) != placeholders(reference_text(base_of(key)))
    }
    assert wrong == {}


# -- translations are real and typeset for their language ---------------------------------------

# Messages that may read exactly as in English: symbols, placeholders, proper names and
# loanwords the language really uses (Discord's German says "Server", "Shard", "Live").
SAME_AS_ENGLISH = {
    "*": {
        "value.none",
        "summary.of",
        "legend.item_title",
        "legend.health_line",
        "details.title",
        "details.ping",
        "shard.accessible_name",
        "problem.line",
        "changes.line",
    },
    "de": {
        "connection.connected",
        "cluster.name",
        "cluster.shards",
        "footer.version",
        "details.cluster",
        "problem.where.cluster",
    },
    "fr": {
        "cluster.name",
        "cluster.shards",
        "clusters.heading",
        "footer.version",
        "details.cluster",
        "count.clusters",
        "count.shards",
        "problem.where.cluster",
        "problem.where.shard",
    },
    "es": {"cluster.shards", "count.shards"},
}


@pytest.mark.parametrize("locale", TRANSLATED)
def test_no_english_is_left_over(locale: str) -> None:
    allowed = SAME_AS_ENGLISH["*"] | SAME_AS_ENGLISH[locale]
    en = messages(BASE_LOCALE)
    same = sorted(
        key
        for key, text in messages(locale).items()
        if en.get(key, en.get(f"{base_of(key)}#other")) == text and base_of(key) not in allowed
    )
    assert same == []


def test_locale_names_are_in_their_own_language() -> None:
    names = {loc: messages(loc)["locale.name"] for loc in LOCALES}
    assert names == {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_use_typographic_punctuation(locale: str) -> None:
    for key, text in messages(locale).items():
        assert '"' not in text, f"{locale} {key}: straight double quote"
        assert "..." not in text, f"{locale} {key}: three dots instead of …"
        assert "“" not in text or locale == "de", f"{locale} {key}: English quotes"


def test_french_has_narrow_no_break_spaces_and_guillemets() -> None:
    for key, text in messages("fr").items():
        assert "'" not in text, f"fr {key}: straight apostrophe instead of \u2019"
        for match in re.finditer(r"[;:!?»]", text):
            before = text[match.start() - 1] if match.start() else ""
            assert before == NNBSP, f"fr {key}: no narrow no-break space before {match[0]!r}"
        for match in re.finditer("«", text):
            assert text[match.end() : match.end() + 1] == NNBSP, f"fr {key}: after «"
        assert "„" not in text and "“" not in text, f"fr {key}: German or English quotes"


def test_german_quotes_are_low_high_pairs() -> None:
    for key, text in messages("de").items():
        assert text.count("„") == text.count("“"), f"de {key}: unbalanced „…“"
        assert "«" not in text and "”" not in text, f"de {key}: foreign quotes"


def test_spanish_questions_and_exclamations_are_opened() -> None:
    for key, text in messages("es").items():
        assert text.count("¿") == text.count("?"), f"es {key}: ¿…? unbalanced"
        assert text.count("¡") == text.count("!"), f"es {key}: ¡…! unbalanced"


def test_german_uses_du_french_vous_spanish_tu() -> None:
    """One register per language, the one Discord itself uses (de: du, es: tú; fr: vous)."""
    de = " ".join(messages("de").values())
    fr = " ".join(messages("fr").values())
    es = " ".join(messages("es").values())
    assert re.search(r"\b(dein|du|dir)\b", de, re.IGNORECASE)
    assert not re.search(r"\b(Ihr|Ihre|Ihren|Ihrem|Ihnen)\b", de)
    assert re.search(r"\bvous\b|\bvotre\b", fr, re.IGNORECASE)
    assert not re.search(r"\b(tu|ton|ta|tes|toi)\b", fr, re.IGNORECASE)
    assert re.search(r"\btu\b", es, re.IGNORECASE)
    assert not re.search(r"\b(usted|su servidor)\b", es, re.IGNORECASE)


# -- which keys the code uses -----------------------------------------------------------------


def python_files() -> list[Path]:
    return sorted(APP.rglob("*.py"))


@cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def docstring_nodes(tree: ast.AST) -> set[int]:
    """Module/class/function docstrings and bare string statements (attribute docs)."""
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            found.add(id(node.value))
    return found


def string_constants(tree: ast.AST) -> Iterator[ast.Constant]:
    docs = docstring_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node


def branches(node: ast.expr) -> Iterator[ast.expr]:
    """The values an expression can take: both arms of ``a if c else b``, tuple items."""
    if isinstance(node, ast.IfExp):
        yield from branches(node.body)
        yield from branches(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from branches(value)
    else:
        yield node


def namespaces() -> set[str]:
    return {key.split(".", 1)[0] for key in variants(BASE_LOCALE)}


def literal_keys(path: Path) -> set[str]:
    """String literals shaped like a message key in one of the catalogue's namespaces."""
    spaces = namespaces()
    return {
        node.value
        for node in string_constants(parsed(path))
        if KEY_SHAPE.match(node.value) and node.value.split(".", 1)[0] in spaces
    }


def requested_keys(path: Path) -> set[str]:
    """Literal first arguments of ``.text(...)``, ``.plural(...)`` and ``t(...)`` calls."""
    out = set()
    for node in ast.walk(parsed(path)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in ("text", "plural", "t"):
            continue
        for value in branches(node.args[0]):
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                out.add(value.value)
    return out


def family_prefixes(path: Path) -> set[str]:
    """Leading literal parts of keys built at run time: ``f"problem.{code}"``, ``"a." + b``."""
    out = set()
    for node in ast.walk(parsed(path)):
        first: ast.expr | None = None
        if isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            first = node.left
        if (
            isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and FAMILY_PREFIX.match(first.value)
            and first.value.split(".", 1)[0] in namespaces()
        ):
            out.add(first.value)
    return out


class RecordingCatalogue(Catalogue):
    """A catalogue that remembers every key asked for."""

    def __init__(self, locale: str) -> None:
        super().__init__(locale, messages(locale), FallbackFormatter(locale).plural)
        self.asked: set[str] = set()

    def text(self, key: str, **params: str) -> str:
        self.asked.add(key)
        return super().text(key, **params)

    def plural(self, key: str, count: float, count_text: str, **params: str) -> str:
        self.asked.add(key)
        return super().plural(key, count, count_text, **params)


def mock_snapshot(scenario: str) -> Snapshot:
    data = json.loads((ROOT / "mock" / f"{scenario}.json").read_text(encoding="utf-8"))
    for cluster in data:
        if "createdAt" in cluster:
            cluster["createdAt"] = NOW - 3 * 86_400_000 - 4 * 3_600_000
    snapshot = parse_ack({"success": True, "data": data}, NOW)
    assert isinstance(snapshot, Snapshot)
    return snapshot


def render_everything(t: Catalogue) -> list[object]:
    """Render a full page (lookup, filter, open details, change log) and return the ops."""
    fmt = FallbackFormatter(t.locale)
    view = PageView(t, fmt)
    snapshot = mock_snapshot("degraded")
    state = PageState.initial(15).with_snapshot(snapshot, SourceKind.LIVE, NOW - 60_000)
    changes = ChangeLog()
    for at, status in ((NOW - 90_000, 0), (NOW - 30_000, 2)):
        changes.observe(
            at,
            (
                (c.id, ((s.id, status if s.id == 0 else int(s.state), s.ping_ms) for s in c.shards))
                for c in snapshot.clusters
            ),
        )
    ui = UiState(
        problems_only=True,
        popover=Popover(0, OpenReason.CLICK),
        copy_status="copy.done",
        lookup=parse_guild_input("81384788765712384"),
    )
    ops: list[object] = list(view.render(state, ui, NOW, changes).ops)
    ui = replace(ui, state_filter=ShardState.READY, problems_only=False, collapsed=frozenset({0}))
    ops += view.render(state.with_connection(Connection.OFFLINE, "offline"), ui, NOW, changes).ops
    return ops


@cache
def family_values() -> dict[str, set[str]]:
    """Every dynamic key family in app/, with the values its suffix can take."""
    rendered = RecordingCatalogue(BASE_LOCALE)
    render_everything(rendered)
    states = [PageState.initial(15).with_connection(connection) for connection in Connection] + [
        PageState.initial(15).with_snapshot(mock_snapshot("empty"), SourceKind.MOCK, NOW)
    ]
    return {
        "connection.": {link(state) for state in states},
        # Every reason the transport reports or the controller sets is a Reason.
        "error.": {reason.value for reason in Reason},
        "problem.": {code.value for code in ProblemCode},
        "lookup.error.": {error.value for error in GuildInputError},
        "lookup.verdict.": {health.value for health in Health},
        "legend.shape.": {health.value for health in Health},
        # Fact and detail rows are fixed tuples in the view: one render shows them all.
        "cluster.": {k.removeprefix("cluster.") for k in rendered.asked if k[:8] == "cluster."},
        "details.": {k.removeprefix("details.") for k in rendered.asked if k[:8] == "details."},
    }


def template_keys() -> set[str]:
    return {key for path in TEMPLATES for key in TEMPLATE_KEY.findall(path.read_text())}


def table_keys() -> set[str]:
    """Label keys held in the vocabulary tables."""
    styles = (*SHARD_STYLES.values(), *CLUSTER_STYLES.values(), *OVERALL_STYLES.values())
    return {style.label_key for style in styles} | set(HEALTH_LABEL_KEYS.values())


def js_keys() -> set[str]:
    """Quoted literals shaped like a message key in the catalogue's namespaces."""
    spaces = namespaces()
    return {
        key
        for path in JS_KEY_USERS
        for key in re.findall(r'"([a-z][a-z_]*(?:\.[a-z0-9_-]+)+)"', path.read_text())
        if key.split(".", 1)[0] in spaces
    }


def used_keys() -> set[str]:
    keys = template_keys() | table_keys() | js_keys()
    for path in (*python_files(), *KEY_USERS):
        keys |= literal_keys(path) | requested_keys(path)
    for prefix, suffixes in family_values().items():
        keys |= {prefix + suffix for suffix in suffixes}
    return keys


def test_every_dynamic_key_family_is_enumerated_here() -> None:
    """A new ``f"family.{x}"`` in app/ must be added to ``family_values``."""
    found = set().union(*(family_prefixes(p) for p in python_files()))
    assert found <= set(family_values()), sorted(found - set(family_values()))


def test_the_key_scan_sees_the_obvious_users() -> None:
    """Sanity check of the scanners themselves."""
    keys = used_keys()
    assert {"overall.connecting", "copy.done", "locale.name", "footer.version"} <= keys
    assert {"error.offline", "error.mock", "connection.preview", "cluster.uptime"} <= keys
    assert "notfound.title" in template_keys()
    assert {"boot.reload", "boot.reason.download-stalled"} <= js_keys()


def test_every_key_the_code_uses_exists() -> None:
    en = catalogue(BASE_LOCALE)
    assert sorted(k for k in used_keys() if k not in en) == []


def test_every_message_is_used() -> None:
    unused = set(variants(BASE_LOCALE)) - used_keys()
    assert sorted(unused) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_a_full_render_fills_every_message(locale: str) -> None:
    """No missing key and no unfilled ``{placeholder}`` anywhere in a full render."""
    t = catalogue(locale)
    ops = render_everything(t)
    text = json.dumps(ops, ensure_ascii=False)
    assert not UNFILLED.search(text), UNFILLED.findall(text)
    view = PageView(t, FallbackFormatter(locale))
    for code in ProblemCode:
        for problem in (Problem(code, True, 1, 2), Problem(code, False, index=3)):
            assert not UNFILLED.search(view.wording.problem_text(problem))
    report = diagnostics_report(t, lookup="x", overall="y", now_ms=NOW, version="1", source="live")
    assert not UNFILLED.search(report)


# -- nothing user-visible is hard-coded in app/ ------------------------------------------------

LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log", "warn"}
# (file relative to app/, literal) -> why it is not user-visible text.
ALLOWED_LITERALS = {
    ("render/report.py", "%Y-%m-%d %H:%M:%S"): "strftime format of the UTC time",
    ("transport/browser_socket.py", "client close"): "WebSocket close reason (protocol, not shown)",
}
# Attributes whose values are read out or shown to the visitor.
VISIBLE_ATTRIBUTES = {"aria-label", "aria-description", "title", "placeholder", "alt"}


def _with_parents(tree: ast.AST) -> dict[int, ast.AST]:
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents


def _for_developers(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """Inside a raise, an exception class, an assert or a logging call."""
    current: ast.AST | None = node
    while current is not None:
        if isinstance(current, ast.Raise | ast.Assert):
            return True
        if isinstance(current, ast.ClassDef) and current.name.endswith(("Error", "Exception")):
            return True
        if (
            isinstance(current, ast.Call)
            and isinstance(current.func, ast.Attribute)
            and current.func.attr in LOG_METHODS
        ):
            return True
        if isinstance(current, ast.Call) and getattr(current.func, "id", "").endswith("Error"):
            return True
        current = parents.get(id(current))
    return False


def _looks_like_prose(text: str) -> bool:
    return bool(re.search(r"[^\W\d_]", text)) and " " in text.strip()


def _is_word(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and bool(re.search(r"[^\W\d_]", node.value))
    )


def prose_literals(rel: str, tree: ast.Module) -> list[str]:
    """Literals with a letter and a space that are not for developers nor allowlisted."""
    parents = _with_parents(tree)
    return [
        f"{rel}:{node.lineno}: {node.value!r}"
        for node in string_constants(tree)
        if _looks_like_prose(node.value)
        and (rel, node.value) not in ALLOWED_LITERALS
        and not _for_developers(node, parents)
    ]


def visible_literals(rel: str, tree: ast.Module) -> list[str]:
    """Targeted checks: an element's text or a visible attribute given as a literal."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "El":
            texts = [kw.value for kw in node.keywords if kw.arg == "text"] + node.args[3:4]
            found += [
                f"{rel}:{v.lineno}: El text {v.value!r}"
                for value in texts
                for v in branches(value)
                if _is_word(v)
            ]
        if (
            isinstance(node, ast.Tuple)
            and len(node.elts) == 2
            and isinstance(node.elts[0], ast.Constant)
            and node.elts[0].value in VISIBLE_ATTRIBUTES
        ):
            found += [
                f"{rel}:{v.lineno}: {node.elts[0].value}={v.value!r}"
                for v in branches(node.elts[1])
                if _is_word(v)
            ]
    return found


def app_trees() -> Iterator[tuple[str, ast.Module]]:
    for path in python_files():
        yield path.relative_to(APP).as_posix(), parsed(path)


def test_no_user_visible_text_is_hard_coded_in_app() -> None:
    """Prose literals in app/ are docstrings, log or exception messages, or allowlisted."""
    assert [hit for rel, tree in app_trees() for hit in prose_literals(rel, tree)] == []


def test_element_texts_and_visible_attributes_come_from_the_catalogue() -> None:
    assert [hit for rel, tree in app_trees() for hit in visible_literals(rel, tree)] == []


def test_the_hard_coded_text_scans_catch_what_they_should() -> None:
    """Both scans flag text given to an element; neither flags logs, errors or keys."""
    tree = ast.parse(
        "import logging\n"
        "logging.getLogger('x').info('this is for developers')\n"
        "def f(t):\n"
        "    if t is None:\n"
        "        raise ValueError('no catalogue given')\n"
        "    El('p', 'a', (('aria-label', t.text('nav.skip')),), t.text('site.name'))\n"
        "    return El('p', 'k', (('title', 'Hover'),), 'Hello there')\n"
    )
    assert sorted(prose_literals("x.py", tree)) == ["x.py:7: 'Hello there'"]
    assert sorted(visible_literals("x.py", tree)) == [
        "x.py:7: El text 'Hello there'",
        "x.py:7: title='Hover'",
    ]


# -- plural selection and formatting with the real catalogues ---------------------------------


@pytest.mark.parametrize(
    ("locale", "key", "n", "expected"),
    [
        ("en", "count.shards", 0, "0 shards"),
        ("en", "count.shards", 1, "1 shard"),
        ("en", "count.shards", 2, "2 shards"),
        ("en", "count.clusters", 1_234, "1,234 clusters"),
        ("de", "count.shards", 1, "1 Shard"),
        ("de", "count.shards", 2, "2 Shards"),
        ("de", "count.clusters", 1_234, "1.234 Cluster"),
        ("fr", "count.shards", 0, "0 shard"),
        ("fr", "count.shards", 1, "1 shard"),
        ("fr", "count.shards", 2, "2 shards"),
        ("fr", "count.clusters", 1_000_000, f"1{NNBSP}000{NNBSP}000 de clusters"),
        ("es", "count.shards", 0, "0 shards"),
        ("es", "count.clusters", 1, "1 clúster"),
        ("es", "count.clusters", 2, "2 clústeres"),
        ("es", "count.clusters", 1_000_000, "1.000.000 de clústeres"),
    ],
)
def test_catalogue_plural_with_the_real_messages(
    locale: str, key: str, n: int, expected: str
) -> None:
    fmt = FallbackFormatter(locale)
    assert catalogue(locale).plural(key, n, fmt.number(n)) == expected


def test_diagnostics_summary_agrees_in_number() -> None:
    fr, es, de = catalogue("fr"), catalogue("es"), catalogue("de")
    assert fr.plural("diagnostics.summary", 1, "1").startswith("1 entrée de la dernière")
    assert "ont été ignorées" in fr.plural("diagnostics.summary", 3, "3")
    assert es.plural("diagnostics.summary", 1, "1").startswith("Se omitió")
    assert es.plural("diagnostics.summary", 3, "3").startswith("Se omitieron")
    assert de.plural("diagnostics.summary", 1, "1").startswith("1 Eintrag")


def test_missing_keys_raise() -> None:
    with pytest.raises(MissingMessage):
        catalogue("de").text("no.such.key")


# -- locale paths -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "locale"),
    [
        ("/", "en"),
        ("", "en"),
        ("/index.html", "en"),
        ("/de/", "de"),
        ("/de", "de"),
        ("/fr/", "fr"),
        ("/es/index.html", "es"),
        ("/en/", None),
        ("/xx/", None),
        ("/DE/", None),
        ("/deutsch/", None),
    ],
)
def test_locale_from_path(path: str, locale: str | None) -> None:
    assert locale_from_path(path) == locale


@pytest.mark.parametrize("locale", LOCALES)
def test_locale_path_round_trips(locale: str) -> None:
    assert locale_from_path(locale_path(locale)) == locale
