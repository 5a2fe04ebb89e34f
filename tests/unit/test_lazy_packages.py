"""What static/sitecustomize.py changes in the import system at the interpreter's start:
``LazyPackages`` (a package imported at boot that the page does not use, PyScript's own,
runs on its first use, not at its import) and ``read_zip_entries_once`` (a module in a
zip is read once, not twice).

That the page's boot leaves PyScript's package unrun is checked in the browser
(tests/browser/test_boot.py, ``modules``).
"""

from __future__ import annotations

import importlib.util
import sys
import zipfile
import zipimport
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

SITECUSTOMIZE = Path(__file__).resolve().parents[2] / "static" / "sitecustomize.py"
PACKAGE = "lazy_package_under_test"


@pytest.fixture
def sitecustomize(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """static/sitecustomize.py as a fresh module; the finders it installs when run go on
    a copy of ``sys.meta_path``, and its zipimport methods are undone afterwards."""
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    for name in ("get_filename", "get_code"):
        monkeypatch.setattr(zipimport.zipimporter, name, getattr(zipimport.zipimporter, name))
    spec = importlib.util.spec_from_file_location("sitecustomize_under_test", SITECUSTOMIZE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sitecustomize: ModuleType
) -> Iterator[Path]:
    """A package whose ``__init__`` records each run in ``runs.txt`` beside it, found on
    ``sys.path`` through a ``LazyPackages`` finder; everything is restored afterwards."""
    root = tmp_path / PACKAGE
    root.mkdir()
    (root / "__init__.py").write_text(
        "from pathlib import Path\n"
        "with open(Path(__file__).with_name('runs.txt'), 'a') as runs:\n"
        "    runs.write('run\\n')\n"
        "ANSWER = 42\n"
    )
    (root / "sub.py").write_text("VALUE = 'sub'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.meta_path.insert(0, sitecustomize.LazyPackages(frozenset({PACKAGE})))
    yield root
    for name in [PACKAGE, f"{PACKAGE}.sub"]:
        sys.modules.pop(name, None)


def runs(package: Path) -> int:
    runs_file = package / "runs.txt"
    return len(runs_file.read_text().splitlines()) if runs_file.exists() else 0


def test_importing_a_lazy_package_does_not_run_it(package: Path) -> None:
    """``import name`` (as PyScript's first code does) binds the module; nothing runs."""
    module = importlib.import_module(PACKAGE)
    assert module is sys.modules[PACKAGE]
    assert runs(package) == 0


def test_the_first_use_runs_it_once_and_it_works_as_before(package: Path) -> None:
    module = importlib.import_module(PACKAGE)
    assert module.ANSWER == 42
    assert runs(package) == 1
    assert importlib.import_module(PACKAGE).ANSWER == 42
    assert runs(package) == 1


def test_from_import_and_submodules_run_it_too(package: Path) -> None:
    """``from name import x`` and ``import name.sub`` are uses: the package runs first."""
    importlib.import_module(PACKAGE)
    sub = importlib.import_module(f"{PACKAGE}.sub")
    assert sub.VALUE == "sub"
    assert runs(package) == 1


def test_other_names_are_left_to_the_usual_finders(sitecustomize: ModuleType) -> None:
    finder = sitecustomize.LazyPackages(frozenset({PACKAGE}))
    assert finder.find_spec("json") is None
    assert finder.find_spec(f"{PACKAGE}.sub") is None


def test_the_page_defers_pyscripts_own_package(sitecustomize: ModuleType) -> None:
    """PyScript's package is the one the page imports at boot and never uses there."""
    assert "pyscript" in sitecustomize.LAZY_PACKAGES


def test_a_module_in_a_zip_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sitecustomize: ModuleType
) -> None:
    """Making its spec asks the file name, running it the code: one read serves both."""
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("zipped_module_under_test.py", "VALUE = 'from the zip'\n")
    reads: list[object] = []
    real_get_data = zipimport._get_data  # type: ignore[attr-defined]

    def counting_get_data(*args: object) -> bytes:
        reads.append(args)
        return bytes(real_get_data(*args))

    monkeypatch.setattr(zipimport, "_get_data", counting_get_data)
    # What the path finder does for a zip on sys.path (without pytest's own finder,
    # which asks for every spec once more).
    spec = zipimport.zipimporter(str(archive)).find_spec("zipped_module_under_test")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.VALUE == "from the zip"
    assert module.__file__ == f"{archive}/zipped_module_under_test.py"
    assert len(reads) == 1
