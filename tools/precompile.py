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

In ``/work`` (the mounted work directory):

- ``python_stdlib.zip`` → ``python_stdlib.out.zip``: bytecode for every module imported
  at boot: what Pyodide imports for itself, what PyScript's own Python imports, and
  everything the app's entry points import. The rest stays source (compiled if ever
  imported).
- ``app.zip`` → ``app.out.zip``: bytecode for every module; plus, when the launcher found
  it (``pyscript_package/``), *checked* bytecode for PyScript's own package in
  ``pyscript/__pycache__/``. PyScript writes that package's sources at boot, right next
  to it, and imports them: the import uses the bytecode if the source's hash matches
  and compiles the source otherwise, so a PyScript upgrade can make it slower, never wrong.
"""

import importlib.util
import sys
import zipfile
from importlib._bootstrap_external import _code_to_hash_pyc  # type: ignore[attr-defined]
from pathlib import Path

WORK = "/work"
BUNDLE_DIR = "/tmp/bundle"
# Imported at boot by PyScript's own Python (pyscript.display, unpacking the bundle), which
# does not exist under Node. A module missing here still works; it is compiled at boot.
PYSCRIPT_IMPORTS = ("html", "html.entities", "encodings.cp437")
# The app's entry points (app.main imports the page; the live source and pyodide.http are
# imported lazily, when the page goes live).
APP_IMPORTS = ("app.main", "app.transport.live", "pyodide.http")
STABLE_DATE = (2020, 1, 1, 0, 0, 0)
LEVEL = 9


def stdlib_zip_path() -> str:
    return next(path for path in sys.path if path.endswith(".zip"))


def modules_in(archive: str) -> set[str]:
    """Paths inside ``archive`` of the modules imported so far."""
    prefix = archive + "/"
    files = (getattr(module, "__file__", None) for module in list(sys.modules.values()))
    return {f[len(prefix) :] for f in files if isinstance(f, str) and f.startswith(prefix)}


def pyc(source: bytes, filename: str, checked: bool = False) -> bytes:
    """Hash-based bytecode (PEP 552), the same as ``py_compile`` would write."""
    code = compile(source, filename, "exec", dont_inherit=True)
    return bytes(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=checked))


def entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=STABLE_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def main() -> None:
    archive = stdlib_zip_path()
    with zipfile.ZipFile(f"{WORK}/app.zip") as bundle:
        bundle.extractall(BUNDLE_DIR)
    sys.path.insert(0, BUNDLE_DIR)
    for name in PYSCRIPT_IMPORTS + APP_IMPORTS:
        __import__(name)
    boot = modules_in(archive)

    with (
        zipfile.ZipFile(f"{WORK}/python_stdlib.zip") as source,
        zipfile.ZipFile(f"{WORK}/python_stdlib.out.zip", "w") as out,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename in boot:
                out.writestr(
                    entry(info.filename + "c"),
                    pyc(data, f"{archive}/{info.filename}"),
                    compresslevel=LEVEL,
                )
            else:
                out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=LEVEL)

    compiled = 0
    with (
        zipfile.ZipFile(f"{WORK}/app.zip") as source,
        zipfile.ZipFile(f"{WORK}/app.out.zip", "w") as out,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".py"):
                out.writestr(
                    entry(info.filename + "c"), pyc(data, info.filename), compresslevel=LEVEL
                )
                compiled += 1
            else:
                out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=LEVEL)
        package = Path(f"{WORK}/pyscript_package")
        for path in sorted(package.rglob("*.py")):
            name = path.relative_to(package).as_posix()
            cached = importlib.util.cache_from_source(name)
            out.writestr(
                entry(cached), pyc(path.read_bytes(), name, checked=True), compresslevel=LEVEL
            )
            compiled += 1
    print(f"precompile: {len(boot)} standard library modules, {compiled} bundle modules")


main()
