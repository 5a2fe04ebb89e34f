"""tools/lazy_imports.py: the patches fit the pinned Pyodide, and a patch that no longer
fits stops the build instead of being skipped."""

import io
import zipfile
from pathlib import Path

import pytest

from tools.lazy_imports import MARK, PATCHES, Patch, patched_source, patched_stdlib

STDLIB = Path(__file__).resolve().parents[2] / "node_modules" / "pyodide" / "python_stdlib.zip"


def test_every_patch_fits_the_pinned_pyodide_and_nothing_else_changes() -> None:
    """Each patched module differs from Pyodide's; nothing else in the archive changes
    (names, order, compression, bytes)."""
    original = STDLIB.read_bytes()
    patched = patched_stdlib(original)
    paths = {patch.path for patch in PATCHES}
    with (
        zipfile.ZipFile(io.BytesIO(original)) as before,
        zipfile.ZipFile(io.BytesIO(patched)) as after,
    ):
        assert [i.filename for i in after.infolist()] == [i.filename for i in before.infolist()]
        for old, new in zip(before.infolist(), after.infolist(), strict=True):
            assert new.compress_type == old.compress_type
            if old.filename in paths:
                assert after.read(new) != before.read(old), old.filename
            else:
                assert after.read(new) == before.read(old), old.filename


def test_imports_made_lazy_are_gone_from_the_top_of_each_module() -> None:
    """The point of the table: these top-level imports no longer run at import time."""
    with zipfile.ZipFile(io.BytesIO(patched_stdlib(STDLIB.read_bytes()))) as archive:
        loader = archive.read("pyodide/_package_loader.py").decode()
        asyncio_init = archive.read("asyncio/__init__.py").decode()
        events = archive.read("asyncio/events.py").decode()
    for line in ("import shutil", "from zipfile import ZipFile", "from tempfile import"):
        assert f"\n{line}" not in loader
    assert MARK in loader and MARK in asyncio_init and MARK in events
    for submodule in ("base_events", "streams", "subprocess", "unix_events"):
        assert f"from .{submodule} import *" not in asyncio_init
    assert "\nimport socket\n" not in events and "\nimport subprocess\n" not in events


def test_a_patch_that_no_longer_fits_stops_the_build_naming_it() -> None:
    patch = Patch("m.py", "import shutil\n", "", "wheel installation only")
    with pytest.raises(SystemExit, match=r"m\.py: the text to patch \(wheel installation only\)"):
        patched_source("m.py", "import os\n", (patch,))


def test_a_patch_found_more_often_than_counted_stops_the_build() -> None:
    patch = Patch("m.py", "x = 1\n", "x = 2\n", "one assignment", count=1)
    with pytest.raises(SystemExit, match="1 time"):
        patched_source("m.py", "x = 1\nx = 1\n", (patch,))


def test_a_counted_patch_replaces_every_occurrence() -> None:
    patch = Patch("m.py", "=subprocess.PIPE,", "=_PIPE,", "defaults", count=2)
    source = "def f(a=subprocess.PIPE,\n      b=subprocess.PIPE,): ...\n"
    assert patched_source("m.py", source, (patch,)).count("=_PIPE,") == 2


def test_patches_for_other_files_leave_a_module_alone() -> None:
    patch = Patch("other.py", "import os\n", "", "not this one")
    assert patched_source("m.py", "import os\n", (patch,)) == "import os\n"


def test_a_patched_file_missing_from_the_archive_stops_the_build() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("os.py", "")
    with pytest.raises(SystemExit, match="not in the standard library"):
        patched_stdlib(buffer.getvalue())
