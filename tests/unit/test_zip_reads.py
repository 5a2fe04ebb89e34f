"""What static/sitecustomize.py changes in zipimport at the interpreter's start:
``read_zip_entries_once`` (a module in a zip is read once, not twice).
"""

from __future__ import annotations

import importlib.util
import sys
import zipfile
import zipimport
from pathlib import Path
from types import ModuleType

import pytest

SITECUSTOMIZE = Path(__file__).resolve().parents[2] / "static" / "sitecustomize.py"


@pytest.fixture
def sitecustomize(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """static/sitecustomize.py as a fresh module; the finder it installs when run goes on
    a copy of ``sys.meta_path``, and its zipimport methods are undone afterwards."""
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    for name in ("get_filename", "get_code"):
        monkeypatch.setattr(zipimport.zipimporter, name, getattr(zipimport.zipimporter, name))
    spec = importlib.util.spec_from_file_location("sitecustomize_under_test", SITECUSTOMIZE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
