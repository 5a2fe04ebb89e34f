"""The runtime as the site serves it: no string ever becomes code, no foreign origin, and
no Python the page does not use.

PyScript 0.7.31 (with polyscript and coincident bundled into its ``core-*.js`` chunk)
turns strings into code on its way to a worker, which a Content-Security-Policy without
``'unsafe-eval'`` blocks, and starts that worker from a ``blob:`` URL, which Trusted Types
block. Found by serving the built site with the strict policy in Chromium and reading the
``securitypolicyviolation`` events, page and worker (docs/experiments/README.md):

- PyScript's ``createFunction`` (core/src/hooks.js) composes the worker's JS hooks with
  ``Function("return(w,x)=>…")`` whenever one is registered, and PyScript always
  registers one: ``onBeforeRunAsync``, which gives the worker's Python the ``_pyscript``
  module. polyscript sends the hooks to the worker as source text and revives them there
  with ``Function()`` again (esm/utils.js ``createFunction``).
- When starting the worker throws, polyscript quietly runs the script on the main thread
  instead, with PyScript's default interpreter: Pyodide from a public CDN.
- Pyodide asks whether it runs in a classic worker by calling
  ``importScripts("data:text/javascript,")``: a Trusted Types sink, reported as a
  violation in the worker even though the call's failure is the answer it wants.

And before every script PyScript runs a Python prelude (core/src/stdlib.js) that imports
``pathlib``, writes its own package (``pyscript/``, 15 modules) to the file system as
source and imports it. The page uses none of it: it reaches the page through polyscript's
``xworker`` and its own messages (app/runtime/). Measured in Chromium over loopback
(2026-12-07, 8 interleaved cold runs), leaving the prelude out takes 136 ms off
data-ready (2103 → 1967 ms).

And while it boots, the worker waits on the page: it calls the page's main thread
synchronously (coincident's proxies, over SharedArrayBuffer where the engine has it),
and each call waits until that thread, at its busiest then (the first paint, the last
known status, the boot status), gets to it. Three calls forward each of PyScript's eight
``py:progress`` events before ``boot.py`` to the page; five or more find the ``<script>``
element and dispatch ``py:ready`` and ``py:done`` on it. Nothing of the page listens to
those events (it learns that Python runs from Python's own first call, ``boot()`` in
static/apply.js), and without ``py:done`` PyScript's ``py:all-done`` never fires either.
And before it loads Pyodide, PyScript opens an IndexedDB package cache (creating the
database on a first visit) for a page that installs no packages. Measured in Chromium
over loopback (2026-12-07, 9 interleaved cold runs, docs/experiments/README.md): the
first forwarded event alone held the worker ~50 ms before it asked for the wasm; without
those calls and the cache, the worker asks for the wasm 51 ms sooner, starts ``boot.py``
55 ms sooner, and the page has its data 82 ms sooner.

``patches()`` below removes each of them from the npm packages' files at build time. Each
patch is named and expects its exact text a given number of times; if the text (or its
file) is not there, the build stops and names the patch: an upgrade of PyScript or
Pyodide is checked against it, never silently skipped. ``patched_files`` applies them;
tools/build.py serves the results under content-hashed paths (the files change, so their
immutable URLs must too).

The worker's first lines are the page's own: they report policy violations to the page,
and (``patches(head_start)``, tools/page_scripts.py) start the live connection's first
requests while Pyodide downloads (``app.model.head_start``). ``PATCHES`` is the table
without a head start.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from app.seam import HostCall

# The chunk of @pyscript/core's dist/ that holds PyScript's core, polyscript, coincident
# and the worker's source (a string literal). Its name carries a content hash: another
# release has another name, and the build stops here. Paths are under node_modules/.
CORE_CHUNK = "@pyscript/core/dist/core-C9KDLldu.js"
# What the page's worker posts for each policy violation it sees, and the page counts
# (static/apply.js, static/boot-status.js: window.statuspageBoot().violations).
VIOLATION_MESSAGE = ("statuspage", HostCall.VIOLATION.value)


@dataclass(frozen=True)
class Patch:
    name: str  # what the build names when the text is not found
    path: str  # under node_modules/
    old: str
    new: str
    count: int = 1  # how often ``old`` is there; every occurrence is replaced


class PatchError(SystemExit):
    """A patch whose text is not where it should be: the build stops, naming it."""


# Reports each violation the worker sees to the page, from the worker's first line on:
# prepended to polyscript's worker source.
_WORKER_VIOLATIONS = (
    'addEventListener("securitypolicyviolation",e=>postMessage(['
    + ",".join(json.dumps(part) for part in VIOLATION_MESSAGE)
    + ",`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`]));"
)

# PyScript's own worker hook, run by the worker itself instead of revived from text
# (core/src/hooks.js, hooks.worker.onBeforeRunAsync): the same module, the same values.
_PYSCRIPT_MODULE = (
    'w.registerJSModule(y,"_pyscript",{fs:{ERROR:"storage permissions not granted",'
    'NAMESPACE:"@pyscript.fs"},interpreter:y}),'
)

# Starts polyscript's worker from a blob: URL that the page's policy blesses (a plain
# string is refused where Trusted Types are enforced). Hoisted, so usable anywhere in
# the chunk. static/apply.js defines statuspageBlobURL: it takes a Blob, not a string, so
# it blesses only URLs it created itself.
_BLOB_URL = (
    "\nfunction statuspageWorkerURL(blob){"
    "return globalThis.statuspageBlobURL?globalThis.statuspageBlobURL(blob)"
    ":URL.createObjectURL(blob)}\n"
)

# (No single quotes: the worker's copy sits inside a single-quoted string.)
_NO_CDN = '()=>{throw new Error("{what} is never loaded from a public CDN here")}'


# What PyScript's Pyodide engine calls on its package cache when there are no packages
# to install (sync, clear, close), each doing nothing.
_NO_PACKAGE_CACHE = "{sync(){},clear(){},close(){}}"


def patches(head_start: str = "") -> tuple[Patch, ...]:
    """The patches, in order; ``head_start`` (a classic script, or "") is put at the top
    of PyScript's worker, after the violation reporter."""
    return (
        Patch(
            "worker hooks are not composed with Function()",
            CORE_CHUNK,
            's=n.map(_o).join(", ");return Function(`return(w,x)=>(${r})(w,x,...[${s}])`)()',
            # Only PyScript's own onBeforeRunAsync hook is expected (run by the worker
            # itself, see "_pyscript in the worker"); any other worker hook would need code
            # from text, so it stops the boot loudly instead.
            's=n.map(_o).join(", ");if(n.length>("onBeforeRunAsync"===t?1:0))'
            'throw new Error("statuspage: a PyScript worker hook would be code made from text")',
        ),
        Patch(
            "_pyscript in the worker",
            CORE_CHUNK,
            'w.registerJSModule(y,"polyscript",{',
            _PYSCRIPT_MODULE + 'w.registerJSModule(y,"polyscript",{',
        ),
        Patch(
            "the worker revives no hook from text",
            CORE_CHUNK,
            "It=e=>Function(`\\'use strict\\';return (${e})`)()",
            'It=e=>{throw new Error("statuspage: no worker hook is revived from text")}',
        ),
        Patch(
            "the worker cannot make the page evaluate text",
            CORE_CHUNK,
            "t=Function(`return(${e}).apply(null,arguments)`);",
            't=()=>{throw new Error("statuspage: the page evaluates no text")};',
        ),
        Patch(
            "pyscript.js_import without window.Function",
            CORE_CHUNK,
            "js_import=window.Function('return (...urls) => Promise.all(urls.map((url) => "
            "import(url)))')()",
            "js_import=None",
        ),
        Patch(
            "the worker starts from a blessed blob: URL",
            CORE_CHUNK,
            'new zr(URL.createObjectURL(new Blob(["/*@*/"+\'',
            'new zr(statuspageWorkerURL(new Blob(["/*@*/"+'
            + json.dumps(_WORKER_VIOLATIONS + head_start)
            + "+'",
        ),
        Patch(
            "statuspageWorkerURL",
            CORE_CHUNK,
            "\n//# sourceMappingURL=",
            _BLOB_URL + "//# sourceMappingURL=",
        ),
        Patch(
            "no Pyodide from a public CDN",
            CORE_CHUNK,
            'module:(e="314.0.2")=>`https://cdn.jsdelivr.net/pyodide/v${e}/full/pyodide.mjs`',
            "module:" + _NO_CDN.replace("{what}", "Pyodide"),
            count=2,  # the page's copy and the worker's
        ),
        *(
            Patch(
                "Pyodide's classic-worker test calls no importScripts",
                path,
                '{try{return globalThis.importScripts("data:text/javascript,"),!0}catch{return!1}}',
                # The page starts Pyodide only in module workers (or on the main thread), where
                # that call could only fail: the answer it gives is "not a classic worker".
                "{return!1}",
            )
            for path in ("pyodide/pyodide.mjs", "pyodide/pyodide.asm.mjs")
        ),
        Patch(
            "no Python prelude before each script",
            CORE_CHUNK,
            # core/src/hooks.js codeFor: the prelude as codeBeforeRun(Async) of both types.
            'Bo=(e,t)=>{const n="mpy"===t?Ao.replace(bo,""):Ao,',
            'Bo=(e,t)=>{const n="",',
        ),
        Patch(
            "the worker forwards no progress event to the page",
            CORE_CHUNK,
            '(Er||kr)&&addEventListener("py:progress",({type:e,detail:t})=>'
            "{vr.dispatchEvent(new vr.CustomEvent(e,{detail:t}))})",
            "void 0",
        ),
        Patch(
            "the worker looks up no script element on the page",
            CORE_CHUNK,
            # polyscript's currentScript and target stay null in the worker, and so no
            # py:ready or py:done is dispatched from it.
            "(Er||kr)&&(({CustomEvent:A,document:k}=vr),v=o&&k.getElementById(o)||null,"
            "E=e=>Ct(v,u||l,e,!0,A));",
            "",
        ),
        # The engine's own copy (Python on the page's main thread), then the worker's; the
        # packages are `a` in one and `o` in the other.
        Patch(
            "no package cache without packages (page)",
            CORE_CHUNK,
            "l=new h(`${c}@${t}`)",
            "l=a?new h(`${c}@${t}`):" + _NO_PACKAGE_CACHE,
        ),
        Patch(
            "no package cache without packages (worker)",
            CORE_CHUNK,
            "l=new i(`${c}@${t}`)",
            "l=o?new i(`${c}@${t}`):" + _NO_PACKAGE_CACHE,
        ),
        Patch(
            "no MicroPython from a public CDN",
            CORE_CHUNK,
            'module:(e="1.28.0-6")=>`https://cdn.jsdelivr.net/npm/@micropython/'
            "micropython-webassembly-pyscript@${e}/micropython.mjs`",
            "module:" + _NO_CDN.replace("{what}", "MicroPython"),
            count=2,
        ),
    )


PATCHES = patches()


def patched_text(path: str, text: str, patches: tuple[Patch, ...] = PATCHES) -> str:
    """``text`` of ``path`` with every patch for it applied, in table order."""
    for patch in patches:
        if patch.path != path:
            continue
        found = text.count(patch.old)
        if found != patch.count:
            raise PatchError(
                f"runtime_patches: patch {patch.name!r} expects its text in {path}"
                f" {patch.count} time(s), found {found}; check it against this release:\n"
                f"{patch.old}"
            )
        text = text.replace(patch.old, patch.new)
    return text


def patched_files(
    root: Path, paths: list[str], patches: tuple[Patch, ...] = PATCHES
) -> dict[str, bytes]:
    """The files ``paths`` (under ``root``, node_modules/) as the site serves them.

    Every patch must be for one of ``paths``: a patch for a file the build no longer
    serves (or that is not there) stops the build too, naming the patch.
    """
    for patch in patches:
        if patch.path not in paths or not (root / patch.path).is_file():
            raise PatchError(
                f"runtime_patches: patch {patch.name!r} expects {patch.path}, which the build"
                " does not serve; check it against this release"
            )
    patched = {patch.path for patch in patches}
    files = {}
    for path in paths:
        data = (root / path).read_bytes()
        if path in patched:
            data = patched_text(path, data.decode(), patches).encode()
        files[path] = data
    return files


def digest(files: dict[str, bytes]) -> str:
    """A short hash of files (by name and content), for their immutable path."""
    hashed = hashlib.sha256()
    for name in sorted(files):
        hashed.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return hashed.hexdigest()[:10]
