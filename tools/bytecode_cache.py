"""The code ``@dataclass`` and ``namedtuple`` generate, compiled at build, not in the browser.

``static/_bytecode_cache.py`` (shipped as the standard library module ``_bytecode_cache``)
says why and how it is looked up. This module is the build's side: ``PATCHES`` make the
two call sites in Pyodide's standard library ask it first, and ``with_module`` puts its
source into the archive, so that precompile's own run of Pyodide (tools/precompile.py)
goes through it too, collects what was compiled (its ``MISSES``) and writes the table.

Applied with tools/lazy_imports.py's ``patched_stdlib``: a patch that no longer fits a
Pyodide upgrade stops the build, naming itself.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from tools.lazy_imports import Patch

MODULE = "_bytecode_cache"
SOURCE = Path(__file__).resolve().parents[1] / "static" / f"{MODULE}.py"
MARK = "  # statuspage build (tools/bytecode_cache.py)"

# CPython 3.14's dataclasses and collections, as in the pinned Pyodide.
PATCHES = (
    Patch(
        "dataclasses.py",
        "from reprlib import recursive_repr\n",
        f"from reprlib import recursive_repr\nimport {MODULE}{MARK}\n",
        "the table of generated methods",
    ),
    Patch(
        "dataclasses.py",
        "        exec(txt, self.globals, ns)\n",
        f'        exec({MODULE}.compiled(txt, "exec"), self.globals, ns){MARK}\n',
        "every method a dataclass gets is compiled here, one exec per class",
    ),
    Patch(
        "collections/__init__.py",
        "from _weakref import proxy as _proxy\n",
        f"from _weakref import proxy as _proxy\nimport {MODULE}{MARK}\n",
        "the table of generated methods",
    ),
    Patch(
        "collections/__init__.py",
        "    __new__ = eval(code, namespace)\n",
        f'    __new__ = eval({MODULE}.compiled(code, "eval"), namespace){MARK}\n',
        "a named tuple's __new__",
    ),
)


def with_module(archive: bytes) -> bytes:
    """``archive`` (a standard library zip) with ``_bytecode_cache.py`` added, its table
    still empty; the patched modules import it."""
    out = io.BytesIO(archive)
    with zipfile.ZipFile(out, "a") as target:
        if f"{MODULE}.py" in target.namelist():
            raise SystemExit(f"bytecode_cache: the standard library already has {MODULE}")
        info = zipfile.ZipInfo(f"{MODULE}.py", date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        target.writestr(info, SOURCE.read_bytes())
    return out.getvalue()
