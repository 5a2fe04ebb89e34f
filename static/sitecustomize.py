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

- ``read_zip_entries_once``: ``zipimport`` reads, inflates and unmarshals each module it
  imports twice, once to name its file (``get_filename``, which the import system asks
  while it makes the module's spec) and once to run it (``get_code``). The first read's
  code object is kept for the second: every module of the boot archive imported after
  this one, and every module of the app bundle, is read once.

Example (in the page's interpreter)::

    import xml.dom.minidom   # first import of the rest: one download, then as usual

Synchronous, because ``import`` is: in PyScript's worker the request returns the bytes
(``responseType = "arraybuffer"``); on the main thread browsers refuse that for a
synchronous request, so there the body comes as "x-user-defined" text, one character
per byte (U+F780 to U+F7FF for bytes 0x80 to 0xFF), and is mapped back.
"""

import sys
import zipimport

# Filled in by tools/precompile.py: every module (dotted name) in the rest archive.
REST_MODULES: frozenset[str] = frozenset()
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


read_zip_entries_once()
sys.meta_path.append(RestFinder())
