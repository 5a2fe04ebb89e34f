"""The rest of the standard library, fetched when something first imports from it.

The page's ``python_stdlib.zip`` holds only what boot imports (tools/precompile.py); the
other modules are in ``python_stdlib_rest.zip`` beside it. This module is in the small
archive as ``sitecustomize``, which CPython's ``site`` imports while the interpreter
starts, so the finder below is in place before any other code runs.

- ``RestFinder``: a ``sys.meta_path`` finder, consulted after the normal path finder
  misses. Only for a name listed in ``REST_MODULES`` (written in by the build) does it
  download the rest archive, once, synchronously; then ``zipimport`` loads the module
  (from source: a lazily imported module is compiled in the browser). A name that is
  nowhere (an optional import that is meant to fail) costs no download.

- ``LazyPackages``: a finder placed first on ``sys.meta_path`` for ``LAZY_PACKAGES``, whose
  import gives a module that runs the package on its first use (``importlib.util.LazyLoader``).
  PyScript writes its own package (``pyscript``) before every script and imports it; in a
  worker, that import asks the page synchronously for ``window``, ``document`` and a
  function built with ``Function()``, each a wait on the main thread, busy as it is while
  the page starts (66 to 250 ms of the worker's start in Chromium, 2026-12-07). The page
  uses none of the package: it reaches the page by messages (app/runtime/worker_host.py).

- ``read_zip_entries_once``: ``zipimport`` reads, inflates and unmarshals each module it
  imports twice, once to name its file (``get_filename``, which the import system asks
  while it makes the module's spec) and once to run it (``get_code``). The first read's
  code object is kept for the second: every module of the boot archive imported after
  this one, and every module of the app bundle, is read once.

- At start it copies the bytecode of PyScript's own package (``PYSCRIPT_CACHE``, in this
  archive under ``_pyscript_pycache/``) to ``pyscript/__pycache__/`` in the working
  directory, where PyScript then writes the package's sources and imports them.

Example (in the page's interpreter)::

    import xml.dom.minidom   # first import of the rest: one download, then as usual
    import pyscript          # PyScript's package, not run yet
    pyscript.window          # runs it now, then as usual

Synchronous, because ``import`` is: in PyScript's worker the request returns the bytes
(``responseType = "arraybuffer"``); on the main thread browsers refuse that for a
synchronous request, so there the body comes as "x-user-defined" text, one character
per byte (U+F780 to U+F7FF for bytes 0x80 to 0xFF), and is mapped back.
"""

import sys
import zipimport

# Imported as a module that runs the package on first use (see LazyPackages).
LAZY_PACKAGES = frozenset({"pyscript"})
# Filled in by tools/precompile.py: every module (dotted name) in the rest archive, and
# the cache paths of PyScript's package (``pyscript/__pycache__/...``).
REST_MODULES: frozenset[str] = frozenset()
PYSCRIPT_CACHE: tuple[str, ...] = ()
CACHE_DIR = "_pyscript_pycache"
ARCHIVE_NAME = "python_stdlib_rest.zip"
# Beside the small archive, under the interpreter's directory.
ARCHIVE_PATH = f"/lib/{ARCHIVE_NAME}"
_FROM_USER_DEFINED = {0xF700 + byte: byte for byte in range(0x80, 0x100)}


def fetch_bytes(url: str) -> bytes:
    """GET ``url`` synchronously in the browser; the body as bytes."""
    import js

    request = js.XMLHttpRequest.new()
    request.open("GET", url, False)
    binary = True
    try:
        request.responseType = "arraybuffer"  # in a worker
    except Exception:
        binary = False  # on the main thread: InvalidAccessError
        request.overrideMimeType("text/plain; charset=x-user-defined")
    request.send()
    if request.status != 200:
        raise ImportError(f"{url}: HTTP {request.status}")
    if binary:
        return bytes(js.Uint8Array.new(request.response).to_bytes())
    return str(request.responseText).translate(_FROM_USER_DEFINED).encode("latin-1")


class RestFinder:
    """Finds modules of the rest archive, downloading it on the first such import."""

    def __init__(self) -> None:
        self._mounted = False

    def _mount(self) -> None:
        if self._mounted:
            return
        import pyodide_js

        data = fetch_bytes(str(pyodide_js.lockfileBaseUrl) + ARCHIVE_NAME)
        with open(ARCHIVE_PATH, "wb") as archive:
            archive.write(data)
        sys.path.append(ARCHIVE_PATH)
        self._mounted = True

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> object:
        if fullname not in REST_MODULES:
            return None
        self._mount()
        parent = fullname.rpartition(".")[0]
        where = ARCHIVE_PATH + ("/" + parent.replace(".", "/") + "/" if parent else "")
        return zipimport.zipimporter(where).find_spec(fullname)

    def invalidate_caches(self) -> None:
        pass


class LazyPackages:
    """Finds ``names`` as the path finder would, with their loader made lazy: importing
    one binds a module that runs its code on the first attribute read, not before."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> object:
        if fullname not in self.names:
            return None
        from importlib.machinery import PathFinder
        from importlib.util import LazyLoader

        spec = PathFinder.find_spec(fullname, path)
        if spec is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = LazyLoader(spec.loader)
        return spec

    def invalidate_caches(self) -> None:
        pass


def read_zip_entries_once() -> None:
    """``zipimporter.get_filename`` keeps the code it had to load; ``get_code`` takes it."""
    load = zipimport._get_module_code
    kept: dict[tuple[str, str, str], object] = {}

    def get_filename(self: zipimport.zipimporter, fullname: str) -> str:
        code, _, path = load(self, fullname)
        kept[(self.archive, self.prefix, fullname)] = code
        return path

    def get_code(self: zipimport.zipimporter, fullname: str) -> object:
        code = kept.pop((self.archive, self.prefix, fullname), None)
        return load(self, fullname)[0] if code is None else code

    zipimport.zipimporter.get_filename = get_filename
    zipimport.zipimporter.get_code = get_code


def copy_pyscript_cache() -> None:
    import os

    loader = globals().get("__loader__")
    for name in PYSCRIPT_CACHE:
        os.makedirs(os.path.dirname(name), exist_ok=True)
        with open(name, "wb") as cached:
            cached.write(loader.get_data(f"{CACHE_DIR}/{name}"))  # type: ignore[union-attr]


read_zip_entries_once()
sys.meta_path.insert(0, LazyPackages(LAZY_PACKAGES))
sys.meta_path.append(RestFinder())
copy_pyscript_cache()
