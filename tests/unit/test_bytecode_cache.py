"""The table of generated code: tools/bytecode_cache.py (build side) and
static/_bytecode_cache.py (in the page's standard library).

That the page's boot finds every generated method in the table is checked in the browser
(tests/browser/test_boot.py, ``generated_compiled``).
"""

from __future__ import annotations

import importlib.util
import io
import marshal
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from tools import bytecode_cache
from tools.lazy_imports import PATCHES, patched_stdlib

STDLIB = Path(__file__).resolve().parents[2] / "node_modules" / "pyodide" / "python_stdlib.zip"


def load_cache_module(table: dict[tuple[str, str], object] | None = None) -> ModuleType:
    """static/_bytecode_cache.py as a fresh module, its table filled the way
    tools/precompile.py fills it."""
    source = bytecode_cache.SOURCE.read_text()
    if table is not None:
        source = source.replace('MARSHALLED = b""', f"MARSHALLED = {marshal.dumps(table)!r}")
    spec = importlib.util.spec_from_loader("_bytecode_cache_under_test", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, str(bytecode_cache.SOURCE), "exec"), module.__dict__)
    return module


def test_both_call_sites_in_the_pinned_pyodide_ask_the_table() -> None:
    """The patches fit this Pyodide's dataclasses and collections: each exec/eval of
    generated source goes through ``_bytecode_cache.compiled``; the module is added."""
    archive = bytecode_cache.with_module(
        patched_stdlib(STDLIB.read_bytes(), PATCHES + bytecode_cache.PATCHES)
    )
    with zipfile.ZipFile(io.BytesIO(archive)) as patched:
        dataclasses_source = patched.read("dataclasses.py").decode()
        collections_source = patched.read("collections/__init__.py").decode()
        added = patched.read("_bytecode_cache.py")
    assert "exec(txt, self.globals, ns)" not in dataclasses_source
    assert '_bytecode_cache.compiled(txt, "exec")' in dataclasses_source
    assert "eval(code, namespace)" not in collections_source
    assert '_bytecode_cache.compiled(code, "eval")' in collections_source
    for source in (dataclasses_source, collections_source):
        assert "\nimport _bytecode_cache" in source
    assert added == bytecode_cache.SOURCE.read_bytes()


def test_the_module_is_added_once() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("_bytecode_cache.py", "")
    with pytest.raises(SystemExit, match="already has _bytecode_cache"):
        bytecode_cache.with_module(buffer.getvalue())


def test_a_source_in_the_table_is_answered_with_its_code_object() -> None:
    source = "def __create_fn__():\n def __init__(self, x):\n  self.x = x\n return (__init__,)"
    code = compile(source, "<string>", "exec")
    cache = load_cache_module({("exec", source): code})
    assert cache.compiled(source, "exec") == code
    assert cache.MISSES == []
    namespace: dict[str, object] = {}
    exec(cache.compiled(source, "exec"), {}, namespace)
    assert callable(namespace["__create_fn__"])


def test_a_source_the_build_never_saw_is_compiled_as_before_and_listed() -> None:
    """A miss (a class changed, or one the build did not import) returns the source
    itself, for exec/eval to compile, and is listed for the diagnostics."""
    cache = load_cache_module({("exec", "x = 1"): compile("x = 1", "<string>", "exec")})
    assert cache.compiled("lambda _cls, a: (a,)", "eval") == "lambda _cls, a: (a,)"
    assert cache.compiled("x = 1", "eval") == "x = 1"  # same text, other mode: a miss
    assert cache.MISSES == [("eval", "lambda _cls, a: (a,)"), ("eval", "x = 1")]


def test_without_a_table_everything_is_compiled_as_before() -> None:
    cache = load_cache_module()
    assert cache.compiled("x = 1", "exec") == "x = 1"
    assert cache.MISSES == [("exec", "x = 1")]
