"""``app.runtime.compiled_from_source``: which imported modules had no usable bytecode.

The browser test asserts the page's boot compiles nothing; this checks the detector
itself against modules whose bytecode is known (written here with py_compile).
"""

from __future__ import annotations

import importlib
import py_compile
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.runtime import compiled_from_source

MODULES = (
    "bc_unchecked",
    "bc_unchecked_stale",
    "bc_checked",
    "bc_checked_stale",
    "bc_timestamp",
    "bc_source",
    "bc_zipped",
)


@pytest.fixture
def imported(tmp_path: Path) -> Iterator[None]:
    def write(name: str, text: str = "VALUE = 1\n") -> Path:
        path = tmp_path / f"{name}.py"
        path.write_text(text)
        return path

    hashed = py_compile.PycInvalidationMode
    for name, mode in (
        ("bc_unchecked", hashed.UNCHECKED_HASH),
        ("bc_unchecked_stale", hashed.UNCHECKED_HASH),
        ("bc_checked", hashed.CHECKED_HASH),
        ("bc_checked_stale", hashed.CHECKED_HASH),
        ("bc_timestamp", hashed.TIMESTAMP),
    ):
        py_compile.compile(str(write(name)), invalidation_mode=mode, doraise=True)
    # Bytecode that no longer matches the source: checked is recompiled, unchecked is not.
    write("bc_checked_stale", "VALUE = 2\n")
    write("bc_unchecked_stale", "VALUE = 2\n")
    write("bc_source")
    with zipfile.ZipFile(tmp_path / "lib.zip", "w") as archive:
        archive.writestr("bc_zipped.py", "VALUE = 1\n")
    sys.path[:0] = [str(tmp_path), str(tmp_path / "lib.zip")]
    importlib.invalidate_caches()
    try:
        for name in MODULES:
            importlib.import_module(name)
        yield
    finally:
        del sys.path[:2]
        for name in MODULES:
            sys.modules.pop(name, None)


def test_modules_loaded_from_hash_based_bytecode_are_not_listed(imported: None) -> None:
    """Unchecked bytecode is used as it is (even stale); checked bytecode when it matches."""
    compiled = set(compiled_from_source())
    assert sys.modules["bc_unchecked_stale"].VALUE == 1  # the bytecode ran, not the source
    assert not {"bc_unchecked", "bc_unchecked_stale", "bc_checked"} & compiled


def test_modules_compiled_from_source_are_listed(imported: None) -> None:
    """No bytecode, checked bytecode that does not match, timestamp bytecode (what an
    interpreter writes after compiling), and source inside a zip."""
    compiled = set(compiled_from_source())
    assert sys.modules["bc_checked_stale"].VALUE == 2  # the source was compiled
    assert {"bc_source", "bc_checked_stale", "bc_timestamp", "bc_zipped"} <= compiled


def test_frozen_and_builtin_modules_are_not_listed() -> None:
    compiled = set(compiled_from_source())
    assert "sys" not in compiled
    assert "os" not in compiled  # frozen into CPython; its __file__ still names os.py
