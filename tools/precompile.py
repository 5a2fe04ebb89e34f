"""Bytecode for the browser, made by the browser's own Python.

Run inside Pyodide under Node by ``tools/precompile.mjs``; ``tools/build.py`` calls it.
Pyodide ships its standard library as source (``python_stdlib.zip``) and PyScript unpacks
our bundle as source, so without this every module imported at boot is compiled in the
visitor's browser: measured, compiling is more than half of a bare Pyodide boot and most
of the app's own start. The interpreter that writes the ``.pyc`` files here is the one
the page runs (same version, same magic number), so they load as they are.

Bytecode replaces the source (``name.py`` → ``name.pyc``, loaded as a sourceless module):
bytecode compresses about half as well as source, and shipping both would add twice
as many bytes to the first visit. Tracebacks keep file names and line numbers, not the
source lines. Column tables (PEP 657) are left out (``PYTHONNODEBUGRANGES``, set by the
launcher): they are a fifth of the bytecode and only draw the ``^^^`` under an error.

In ``/work`` (the mounted work directory), every archive of deflated entries (see
``entry``):

- ``python_stdlib.zip`` → ``python_stdlib.out.zip``, the boot archive: bytecode for every
  module imported at boot (what Pyodide imports for itself and everything the app's
  entry points import; PyScript runs no Python of its own, see tools/runtime_patches.py),
  ``sitecustomize`` (from ``sitecustomize.py``, see there), and ``_bytecode_cache``
  with the code objects for the methods dataclasses and namedtuple generated during
  this boot (``BOOT_GENERATED``; see static/_bytecode_cache.py).
- ``python_stdlib.zip`` → ``python_stdlib_rest.out.zip``: every other module, as source,
  fetched by the page only when something imports from it.
- ``app.zip`` → ``app.out.zip``: bytecode for all of ``app/`` and for the modules of the
  wheels that the app imports; the rest of the wheels is left out.

Docstrings that nothing reads are left out of the bytecode (``without_docstrings``).

The standard library it gets is already patched by tools/lazy_imports.py (imports boot
never uses moved to where they are used), and the launcher boots Pyodide on that patched
archive, so the boot set measured here is what the page imports. Frozen modules (os,
site, codecs, importlib's bootstrap, ...) are left out of it: the interpreter carries
them, and it never reads their copy in the archive.
"""

import sys

WORK = "/work"
BUNDLE = f"{WORK}/app.zip"
# The app's entry points: app.main, then what its start imports once the live connection
# is under way (the controller, which imports the view and its regions; the sources).
APP_IMPORTS = (
    "app.main",
    "app.transport.early",
    "app.transport.live",
    "app.controller",
    "app.transport.mock",
)

# The boot set is every module imported up to here: Pyodide's own start, then the entry
# points (the bundle is imported from its zip, as the page does). It is taken before this
# tool imports anything of its own: an import of, say, zipfile here would otherwise put
# zipfile in the boot archive, or hide that the page imports it.
sys.path.insert(0, BUNDLE)
for _name in APP_IMPORTS:
    __import__(_name)
# Frozen modules (os, site, codecs, importlib's bootstrap, zipimport, ...) carry a
# ``__file__`` in the archive but are loaded from the interpreter itself, never from it.
BOOT_FILES = [
    getattr(module, "__file__", None)
    for module in list(sys.modules.values())
    if getattr(getattr(module, "__spec__", None), "origin", None) != "frozen"
]
# The source that dataclasses and namedtuple generated on the way, as (mode, source): the
# page's boot generates the same (static/_bytecode_cache.py).
BOOT_GENERATED = list(sys.modules["_bytecode_cache"].MISSES)

import ast  # noqa: E402
import importlib.util  # noqa: E402
import marshal  # noqa: E402
import zipfile  # noqa: E402
from importlib._bootstrap_external import _code_to_hash_pyc  # type: ignore[attr-defined]  # noqa: E402
from pathlib import Path  # noqa: E402

# Pyodide's own packages read docstrings (``_pyodide.docstring``): compiled as they are.
KEEP_DOCSTRINGS = ("_pyodide", "pyodide")
# Filled in with the table of generated code (static/_bytecode_cache.py).
BYTECODE_CACHE = "_bytecode_cache.py"
STABLE_DATE = (2020, 1, 1, 0, 0, 0)
LEVEL = 9


def stdlib_zip_path() -> str:
    return next(path for path in sys.path if path.endswith(".zip") and path != BUNDLE)


def modules_in(archive: str) -> set[str]:
    """Paths inside ``archive`` of the modules in the boot set."""
    prefix = archive + "/"
    return {f[len(prefix) :] for f in BOOT_FILES if isinstance(f, str) and f.startswith(prefix)}


def pyc(source: bytes, filename: str, strip: bool = False) -> bytes:
    """Hash-based bytecode (PEP 552), the same as ``py_compile`` would write; with
    ``strip``, without the docstrings nothing reads (see ``without_docstrings``)."""
    tree = ast.parse(source, filename)
    if strip:
        tree = without_docstrings(tree, source)
    code = compile(tree, filename, "exec", dont_inherit=True)
    return bytes(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))


def without_docstrings(tree: ast.Module, source: bytes) -> ast.Module:
    """Module, function and plain class docstrings taken out, unless the module mentions
    ``__doc__``.

    Docstrings are a quarter of the boot bytecode and nothing at boot reads them: the
    module's own code would (``__doc__ += ...``), hence the textual check. A decorated
    class keeps its docstring (``dataclasses`` builds one from ``inspect.signature`` for
    a class without, which costs more at import than the bytes save: why ``-OO`` did not
    land), and so does an enum (``enum`` fills in its own). Line numbers are kept: a body
    left empty gets a ``pass`` on the docstring's line.
    """
    if b"__doc__" in source:
        return tree
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)) or (
            isinstance(node, ast.ClassDef) and _plain_class(node)
        ):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                docstring = body.pop(0)
                if not body:
                    body.append(ast.copy_location(ast.Pass(), docstring))
    return tree


def _plain_class(node: ast.ClassDef) -> bool:
    """Neither decorated nor an enum (a base named ``...Enum`` or ``...Flag``)."""
    if node.decorator_list:
        return False
    for base in node.bases:
        name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
        if name.endswith(("Enum", "Flag")):
            return False
    return True


def module_name(path: str) -> str | None:
    """``a/b.py`` → ``a.b``, ``a/__init__.py`` → ``a``; None for anything else."""
    if not path.endswith(".py"):
        return None
    name = path[: -len(".py")].replace("/", ".")
    return name.removesuffix(".__init__")


def entry(name: str) -> zipfile.ZipInfo:
    """A deflated entry, written with ``compresslevel=LEVEL`` (``ZipInfo.compress_level``
    exists only from Python 3.13). Stored entries, compressed by a CDN as a whole, would be
    7-14 % smaller on the wire (docs/experiments/README.md), but Cloudflare compresses only
    a fixed list of content types, which has no ``application/zip`` (adding one takes an
    Enterprise plan): it would send a stored archive uncompressed, three times as big."""
    info = zipfile.ZipInfo(name, date_time=STABLE_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def split_stdlib(archive: str, boot: set[str]) -> None:
    """The boot archive (bytecode for what boot imports, plus the lazy finder) and the
    rest archive (everything else, as source)."""
    with zipfile.ZipFile(f"{WORK}/python_stdlib.zip") as source:
        infos = source.infolist()
        rest_modules = sorted(
            name
            for info in infos
            if info.filename not in boot and (name := module_name(info.filename))
        )
        finder = Path(f"{WORK}/sitecustomize.py").read_text()
        placeholder = "REST_MODULES: frozenset[str] = frozenset()"
        if placeholder not in finder:
            raise SystemExit("precompile: sitecustomize.py has no REST_MODULES placeholder")
        finder = finder.replace(placeholder, f"REST_MODULES = frozenset({rest_modules!r})")
        with (
            zipfile.ZipFile(f"{WORK}/python_stdlib.out.zip", "w") as small,
            zipfile.ZipFile(f"{WORK}/python_stdlib_rest.out.zip", "w") as rest,
        ):
            small.writestr(
                entry("sitecustomize.pyc"),
                pyc(finder.encode(), f"{archive}/sitecustomize.py"),
                compresslevel=LEVEL,
            )
            for info in infos:
                data = source.read(info)
                if info.filename == BYTECODE_CACHE:
                    data = bytecode_cache_source(data)
                if info.filename in boot:
                    top = info.filename.split("/", 1)[0]
                    strip = top not in KEEP_DOCSTRINGS
                    code = pyc(data, f"{archive}/{info.filename}", strip=strip)
                    small.writestr(entry(info.filename + "c"), code, compresslevel=LEVEL)
                elif info.is_dir():
                    # Only in the rest: in the boot archive, a directory entry without
                    # its __init__ would make the package an empty namespace package.
                    rest.writestr(entry(info.filename), b"", compresslevel=LEVEL)
                else:
                    rest.writestr(entry(info.filename), data, compresslevel=LEVEL)
    print(f"precompile: {len(rest_modules)} standard library modules left for lazy import")


def bytecode_cache_source(source: bytes) -> bytes:
    """``_bytecode_cache.py`` with its table: the code objects for ``BOOT_GENERATED``,
    compiled as ``exec``/``eval`` would have compiled them in the page (in a module
    without ``__future__`` imports, as dataclasses and collections are)."""
    table = {
        (mode, text): compile(text, "<string>", mode, dont_inherit=True)
        for mode, text in BOOT_GENERATED
    }
    placeholder = b'MARSHALLED = b""'
    if source.count(placeholder) != 1:
        raise SystemExit("precompile: _bytecode_cache.py has no MARSHALLED placeholder")
    print(f"precompile: {len(table)} generated sources compiled at build")
    return source.replace(placeholder, b"MARSHALLED = " + repr(marshal.dumps(table)).encode())


def check_lazy_imports() -> None:
    """What tools/lazy_imports.py wrote down about the modules it made lazy holds in this
    Pyodide: asyncio's lazy names are its submodules' ``__all__``, and the constants in
    ``asyncio.events`` are the values of the names they replaced. Imported here, after
    the boot set was taken."""
    import asyncio
    import socket
    import subprocess

    lazy: dict[str, tuple[str, ...]] = asyncio._LAZY  # type: ignore[attr-defined]
    for submodule, names in lazy.items():
        module = importlib.import_module(f"asyncio.{submodule}")
        if set(names) != set(module.__all__):
            raise SystemExit(
                f"precompile: asyncio.{submodule}.__all__ is {module.__all__}, but"
                f" tools/lazy_imports.py lists {names}"
            )
    events = importlib.import_module("asyncio.events")
    expected = {
        "_AF_UNSPEC": socket.AF_UNSPEC,
        "_AI_PASSIVE": socket.AI_PASSIVE,
        "_PIPE": subprocess.PIPE,
    }
    for name, value in expected.items():
        if getattr(events, name) != value:
            raise SystemExit(f"precompile: asyncio.events.{name} is not {value!r}")


def main() -> None:
    archive = stdlib_zip_path()
    boot = modules_in(archive)
    check_lazy_imports()
    # What boot imports of the bundle: all of app/, and of the wheels only what the app
    # reaches (python-socketio and engineio also bring servers, managers, ASGI/WSGI glue).
    bundled = modules_in(BUNDLE)
    split_stdlib(archive, boot)

    compiled = dropped = 0
    with (
        zipfile.ZipFile(f"{WORK}/app.zip") as source,
        zipfile.ZipFile(f"{WORK}/app.out.zip", "w") as out,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".py"):
                if not info.filename.startswith("app/") and info.filename not in bundled:
                    dropped += 1
                    continue
                out.writestr(
                    entry(info.filename + "c"),
                    pyc(data, info.filename, strip=True),
                    compresslevel=LEVEL,
                )
                compiled += 1
            elif not info.is_dir():
                out.writestr(entry(info.filename), data, compresslevel=LEVEL)
    print(
        f"precompile: {len(boot)} standard library modules at boot,"
        f" {compiled} bundle modules, {dropped} never imported left out"
    )


main()
