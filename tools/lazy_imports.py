"""Imports the page never uses at boot, made lazy in the standard library it ships.

Pyodide as shipped imports 194 modules before the page's own code runs, and each one
that is not frozen into the interpreter goes into the boot archive (tools/precompile.py):
it crosses the visitor's link and is loaded before Python can start. Some come in only
because one module imports another at its top for a function that boot never calls:
Pyodide's package loader imports ``zipfile``, ``shutil`` and ``tempfile`` (and through
them bz2, lzma, zstd) to install wheels, the page installs none; ``asyncio`` imports its
streams, subprocesses and the Unix selector loop, and Pyodide replaces that loop with
its own.

Each ``Patch`` here moves such an import to where it is used. The module still works
as before when its function is called: the import then happens, from the rest archive
(``static/sitecustomize.py``), on first use. ``patched_stdlib`` applies the table to
Pyodide's ``python_stdlib.zip`` before precompile runs Pyodide on it, so the boot set
that precompile measures is the patched one.

A patch whose text is not found exactly once stops the build, naming it: a Pyodide
upgrade changed that module, and the patch must be checked against the new source, not
skipped. The asyncio name lists are checked against the modules' ``__all__`` by
precompile (``check_lazy_imports``), inside the Pyodide that will run them.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class Patch:
    path: str  # inside the archive
    old: str
    new: str
    why: str
    count: int = 1  # how often ``old`` is there; every occurrence is replaced


def moved_import(path: str, statement: str, first_use: str, why: str) -> tuple[Patch, Patch]:
    """The two patches that take the top-level ``statement`` out of ``path`` and put it,
    indented alike, on the line before ``first_use`` (a line of the function using it)."""
    indent = first_use[: len(first_use) - len(first_use.lstrip())]
    return (
        Patch(path, f"{statement}\n", "", why),
        Patch(path, first_use, f"{indent}{statement}\n\n{first_use}", "first use"),
    )


MARK = "# statuspage build (tools/lazy_imports.py): "

LAZY_SHUTIL = f"""{MARK}shutil (and zipfile, tarfile, bz2, lzma, zstd
# behind it) is imported on first use, with the wheel format registered then.
class _LazyShutil:
    def __getattr__(self, name: str) -> Any:
        import shutil as module

        globals()["shutil"] = module
        if IN_PYODIDE:
            _register_wheel_format()
        return getattr(module, name)


shutil = _LazyShutil()


def NamedTemporaryFile(*args: Any, **kwargs: Any) -> Any:
    from tempfile import NamedTemporaryFile

    return NamedTemporaryFile(*args, **kwargs)


def ZipFile(*args: Any, **kwargs: Any) -> Any:
    from zipfile import ZipFile

    return ZipFile(*args, **kwargs)
"""

ASYNCIO_LAZY = f"""{MARK}these submodules (and
# selector_events, base_subprocess behind the Unix loop) are imported on first use of
# one of their names; Pyodide runs its own loop (pyodide.webloop). Names checked
# against each module's __all__ at build time.
_LAZY = {{
    "base_events": ("BaseEventLoop", "Server"),
    "streams": (
        "StreamReader", "StreamWriter", "StreamReaderProtocol", "open_connection",
        "start_server",
    ),
    "subprocess": ("create_subprocess_exec", "create_subprocess_shell"),
    "unix_events": ("SelectorEventLoop", "EventLoop"),
}}
"""

EVENTS_DEFAULTS = f"""
{MARK}socket and subprocess are imported by the
# loops that use them, not here; these are the values of the defaults that named them
# (checked at build time).
_AF_UNSPEC = 0  # socket.AF_UNSPEC
_AI_PASSIVE = 1  # socket.AI_PASSIVE
_PIPE = -1  # subprocess.PIPE
"""

ASYNCIO_GETATTR = f"""    {MARK}the lazy submodules.
    for submodule, names in _LAZY.items():
        if name in names:
            import importlib

            return getattr(importlib.import_module(f"{{__name__}}.{{submodule}}"), name)
    raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")
"""

PATCHES = (
    Patch(
        "pyodide/_package_loader.py",
        "import shutil\n",
        "",
        "wheel installation only; the page installs no package",
    ),
    Patch(
        "pyodide/_package_loader.py",
        "from tempfile import NamedTemporaryFile\n",
        "",
        "see LAZY_SHUTIL",
    ),
    Patch(
        "pyodide/_package_loader.py",
        "from zipfile import ZipFile\n",
        "",
        "see LAZY_SHUTIL",
    ),
    Patch(
        "pyodide/_package_loader.py",
        "from .ffi import IN_PYODIDE, JsArray, JsBuffer, to_js\n",
        "from .ffi import IN_PYODIDE, JsArray, JsBuffer, to_js\n\n" + LAZY_SHUTIL,
        "the stand-ins, after IN_PYODIDE and Any are defined",
    ),
    Patch(
        "pyodide/_package_loader.py",
        "if IN_PYODIDE:\n    shutil.register_archive_format(",
        "def _register_wheel_format() -> None:\n    shutil.register_archive_format(",
        "registered on first use of shutil (LAZY_SHUTIL), not at import",
    ),
    *moved_import(
        "pyodide/common.py",
        "import shutil",
        "            shutil.copy2(src_file, dst_file)",
        "install_files only",
    ),
    *moved_import(
        "html/__init__.py",
        "from html.entities import html5 as _html5",
        "        if s in _html5:",
        "the entity table (30 KB) serves unescape only; PyScript imports html for escape",
    ),
    *moved_import(
        "subprocess.py",
        "import locale",
        "        return locale.getencoding()",
        "the locale encoding is read for text mode only, which the page never runs",
    ),
    Patch("asyncio/events.py", "import socket\n", "", "see EVENTS_DEFAULTS"),
    Patch("asyncio/events.py", "import subprocess\n", "", "see EVENTS_DEFAULTS"),
    Patch(
        "asyncio/events.py",
        "from . import format_helpers\n",
        "from . import format_helpers\n" + EVENTS_DEFAULTS,
        "the defaults' values",
    ),
    Patch("asyncio/events.py", "=socket.AF_UNSPEC,", "=_AF_UNSPEC,", "create_server's default"),
    Patch("asyncio/events.py", "=socket.AI_PASSIVE,", "=_AI_PASSIVE,", "create_server's default"),
    Patch(
        "asyncio/events.py",
        "=subprocess.PIPE,",
        "=_PIPE,",
        "subprocess_shell's and subprocess_exec's defaults",
        count=6,
    ),
    Patch(
        "pyodide/webloop.py",
        "class WebLoopPolicy(asyncio.DefaultEventLoopPolicy):",
        "class WebLoopPolicy(asyncio.events._BaseDefaultEventLoopPolicy):",
        "the Unix policy only adds the selector loop factory, which WebLoopPolicy replaces",
    ),
    Patch(
        "asyncio/__init__.py",
        "import sys\n",
        "import sys\n\n" + ASYNCIO_LAZY,
        "the lazy submodules' names",
    ),
    Patch(
        "asyncio/__init__.py",
        "from .base_events import *\n",
        "",
        "the base selector/proactor loop: socket, ssl, subprocess; WebLoop is not one",
    ),
    Patch(
        "asyncio/__init__.py",
        "__all__ = (base_events.__all__ +\n",
        '__all__ = (_LAZY["base_events"] +\n',
        "__all__ stays complete",
    ),
    Patch(
        "asyncio/__init__.py",
        "from .streams import *\nfrom .subprocess import *\n",
        "",
        "streams and subprocesses: sockets and processes, neither exists in a tab",
    ),
    Patch(
        "asyncio/__init__.py",
        "           streams.__all__ +\n           subprocess.__all__ +\n",
        '           _LAZY["streams"] +\n           _LAZY["subprocess"] +\n',
        "__all__ stays complete",
    ),
    Patch(
        "asyncio/__init__.py",
        "    from .unix_events import *  # pragma: no cover\n    __all__ += unix_events.__all__\n",
        '    __all__ += _LAZY["unix_events"]\n',
        "the selector loop: Pyodide sets WebLoopPolicy at start",
    ),
    Patch(
        "asyncio/__init__.py",
        "            return unix_events._DefaultEventLoopPolicy",
        "            from . import unix_events\n\n"
        "            return unix_events._DefaultEventLoopPolicy",
        "the deprecated alias still works",
    ),
    Patch(
        "asyncio/__init__.py",
        "            # Else fall through to the AttributeError below.\n\n"
        '    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")\n',
        "            # Else fall through to the AttributeError below.\n\n" + ASYNCIO_GETATTR,
        "names of the lazy submodules",
    ),
)


# python-engineio 4.15.1 (pinned), in the app bundle (tools/python_bundle.py ``app_bundle``).
BUNDLE_PATCHES = (
    *moved_import(
        "engineio/async_client.py",
        "from http.cookies import SimpleCookie",
        "                ck = SimpleCookie(headers[header])",
        "cookies from the HTTP transport; the page's transport is the browser's WebSocket",
    ),
    *moved_import(
        "engineio/async_client.py",
        "import ssl",
        "            ssl_context = ssl.create_default_context()",
        "an SSL context for aiohttp's WebSocket; the browser's WebSocket does its own TLS",
    ),
)


def patched_source(path: str, source: str, patches: tuple[Patch, ...] = PATCHES) -> str:
    """``source`` of ``path`` with every patch for it applied, in table order."""
    for patch in patches:
        if patch.path != path:
            continue
        if source.count(patch.old) != patch.count:
            raise SystemExit(
                f"lazy_imports: {path}: the text to patch ({patch.why}) is not there"
                f" {patch.count} time(s); check the patch against this release's source:\n"
                f"{patch.old}"
            )
        source = source.replace(patch.old, patch.new)
    return source


def patched_stdlib(archive: bytes, patches: tuple[Patch, ...] = PATCHES) -> bytes:
    """Pyodide's ``python_stdlib.zip`` with ``patches`` applied (by default this module's
    table); entries keep their order, names and compression."""
    paths = {patch.path for patch in patches}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w") as target:
        missing = paths - set(source.namelist())
        if missing:
            raise SystemExit(f"lazy_imports: not in the standard library: {sorted(missing)}")
        for info in source.infolist():
            data = source.read(info)
            if info.filename in paths:
                data = patched_source(info.filename, data.decode(), patches).encode()
            target.writestr(info, data)
    return out.getvalue()
