"""The model (and everything but the runtime seam) imports nothing from the browser.

``app/runtime/`` is the only package allowed to import ``js``, ``pyodide`` or
``pyscript``; the rest of ``app/`` receives browser capabilities by injection, which is
what lets it run and be tested under plain CPython.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support import ROOT

APP = ROOT / "app"
MODEL = APP / "model"
BROWSER_MODULES = frozenset({"js", "pyodide", "pyscript"})
MODEL_FILES = sorted(MODEL.glob("*.py"))
MODEL_MODULES = [f"app.model.{p.stem}" for p in MODEL_FILES if p.stem != "__init__"]
# Pure modules outside the model that must import under CPython with no browser at all.
PURE_MODULES = [
    *MODEL_MODULES,
    "app.render.vdom",
    "app.render.memo",
    "app.render.wording",
    "app.render.context",
    "app.render.regions.header",
    "app.render.regions.lookup",
    "app.render.regions.glance",
    "app.render.regions.clusters",
    "app.render.regions.changes",
    "app.render.regions.details",
    "app.render.regions.diagnostics",
    "app.render.page",
    "app.render.favicon",
    "app.ports",
    "app.watcher",
    "app.painter",
    "app.last_known_view",
    "app.render.last_known",
    "app.render.regions.watch",
    "app.reducer",
    "app.controller",
    "app.transport.mock",
    "app.transport.source",
]


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every absolute module name imported by ``path`` (top-level or nested), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import"
            assert node.module is not None
            found.append((node.lineno, node.module))
    return found


def test_model_files_were_found() -> None:
    """Guard: the globs see the model, so the checks below are not vacuous."""
    assert len(MODEL_MODULES) >= 10
    assert "app.model.snapshot" in MODEL_MODULES


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.name)
def test_model_module_imports_only_stdlib_and_model(path: Path) -> None:
    """Statically: each app/model file imports only the stdlib and other app.model modules."""
    bad = []
    for line, name in imported_modules(path):
        top = name.split(".")[0]
        if top in BROWSER_MODULES:
            bad.append((line, name))
        elif name.startswith("app."):
            if not name.startswith("app.model."):
                bad.append((line, name))
        elif top not in sys.stdlib_module_names:
            bad.append((line, name))
    assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


def test_import_scanner_detects_browser_and_third_party_imports(tmp_path: Path) -> None:
    """Guard: the AST scan sees top-level, nested, from- and dotted imports."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "from pyodide.ffi import to_js\n"
        "def f():\n"
        "    import js\n"
        "    import pyscript.web as w\n"
        "try:\n"
        "    import requests\n"
        "except ImportError:\n"
        "    pass\n"
    )
    names = {name for _, name in imported_modules(sample)}
    assert names == {"os", "pyodide.ffi", "js", "pyscript.web", "requests"}


IMPORT_GUARD = textwrap.dedent(
    """
    import importlib
    import importlib.abc
    import sys

    BLOCKED = {"js", "pyodide", "pyscript"}

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):
            if fullname.split(".")[0] in BLOCKED:
                raise ImportError(f"browser module imported: {fullname}")
            return None

    sys.meta_path.insert(0, Block())
    for name in BLOCKED:
        sys.modules.pop(name, None)
    for name in sys.argv[1:]:
        importlib.import_module(name)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    assert not loaded, loaded
    print("OK", len(sys.argv) - 1)
    """
)


def run_guarded(*modules: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", IMPORT_GUARD, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_pure_modules_import_under_cpython_without_browser_modules() -> None:
    """Dynamically: with js/pyodide/pyscript made unimportable, every pure module imports."""
    result = run_guarded(*PURE_MODULES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"OK {len(PURE_MODULES)}"


def test_import_guard_really_blocks_browser_modules() -> None:
    """Guard: the meta-path finder makes a browser import fail, so the test above has teeth."""
    result = run_guarded("pyodide.ffi")
    assert result.returncode != 0
    assert "browser module imported: pyodide" in result.stderr


BROWSER_IMPORT_TEXT = ("import js", "from pyodide", "from pyscript", "import pyodide")


def test_only_the_runtime_seam_mentions_browser_imports() -> None:
    """Textually: only app/runtime/ contains `import js` / `from pyodide` / … anywhere."""
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for needle in BROWSER_IMPORT_TEXT:
                # `import json` is not `import js`.
                at = line.find(needle)
                while at != -1:
                    end = at + len(needle)
                    if not (line[end : end + 1].isalnum() or line[end : end + 1] == "_"):
                        offenders.append((str(path.relative_to(ROOT)), number, line.strip()))
                    at = line.find(needle, end)
    files = {path for path, _, _ in offenders}
    assert files, "the runtime seam imports the browser somewhere"
    assert all(path.startswith("app/runtime/") for path in files), offenders


def test_runtime_seam_does_not_import_the_controller() -> None:
    """The runtime implements the ports (app.ports); it never reaches into the controller."""
    names = {name for path in (APP / "runtime").glob("*.py") for _, name in imported_modules(path)}
    assert "app.ports" in names
    assert not {n for n in names if n == "app.controller" or n.startswith("app.controller.")}
