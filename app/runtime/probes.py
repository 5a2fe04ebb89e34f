"""Figures from inside the interpreter, for tests and benchmarks (not used by the page)."""

from __future__ import annotations

import json
import sys

from app.runtime.ffi import proxies_alive

__all__ = [
    "compiled_from_source",
    "diagnostics",
    "generated_compiled",
    "import_probe",
    "live_proxy_count",
]


def live_proxy_count() -> int:
    """Proxies created through this seam and not yet destroyed (the soak test reads it)."""
    # Not imported here: in mock mode the transport (and engineio) is never loaded at all.
    sockets = sys.modules.get("app.transport.browser_socket")
    return proxies_alive() + (sockets.live_proxy_count() if sockets else 0)


def diagnostics() -> str:
    """Memory figures from inside the interpreter, as JSON (read by the soak test and bench).

    Python objects are counted after a full collection; ``wasm_bytes`` is the size of
    Pyodide's WebAssembly memory, which only ever grows.
    """
    import gc

    import pyodide_js  # type: ignore[import-not-found]

    gc.collect()
    return json.dumps(
        {
            "proxies": live_proxy_count(),
            "py_objects": len(gc.get_objects()),
            "wasm_bytes": int(pyodide_js._module.HEAPU8.length),
            "compiled_from_source": compiled_from_source(),
            "generated_compiled": generated_compiled(),
            # Every module imported so far.
            "modules": sorted(sys.modules),
        }
    )


def import_probe(name: str) -> str:
    """Import ``name`` in the page's interpreter; where it came from, as JSON.

    For tests: a standard library module outside the boot archive is fetched on demand
    (static/sitecustomize.py) and is the only thing compiled from source.
    """
    import importlib

    module = importlib.import_module(name)
    return json.dumps(
        {"file": getattr(module, "__file__", None), "compiled_from_source": compiled_from_source()}
    )


def generated_compiled() -> list[str]:
    """The first line of each source that ``@dataclass`` or ``namedtuple`` generated and
    this interpreter compiled, because the build's table (static/_bytecode_cache.py) did
    not have it; empty where the table is missing (CPython's own standard library)."""
    cache = sys.modules.get("_bytecode_cache")
    misses: list[tuple[str, str]] = getattr(cache, "MISSES", [])
    return [source.split("\n", 1)[0][:120] for _, source in misses]


def compiled_from_source() -> list[str]:
    """Modules this interpreter compiled from source instead of loading bytecode.

    The build ships bytecode for everything the page imports at boot (tools/precompile.py);
    a module listed here was compiled in the visitor's browser. Loaded as bytecode means:
    from a ``.pyc`` (in the standard library zip, or sourceless), or from a source file
    with a hash-based ``__pycache__`` entry that is unchecked or matches the source.
    """
    import importlib.util

    compiled = []
    for name, module in list(sys.modules.items()):
        if type(module).__name__ == "_LazyModule":
            continue  # imported, not run (static/sitecustomize.py): reading it would run it
        source = getattr(module, "__file__", None)
        spec = getattr(module, "__spec__", None)
        if not isinstance(source, str) or not source.endswith(".py"):
            continue  # built in, or loaded from bytecode
        if getattr(spec, "origin", None) == "frozen":
            continue  # frozen into the interpreter (its __file__ names the source)
        cached = getattr(spec, "cached", None)
        try:
            with open(cached, "rb") as cached_file:  # type: ignore[arg-type]
                header = cached_file.read(16)
            with open(source, "rb") as source_file:
                source_hash = importlib.util.source_hash(source_file.read())
        except (TypeError, OSError):  # no cache entry (e.g. a source file in a zip)
            compiled.append(name)
            continue
        flags = int.from_bytes(header[4:8], "little")
        hash_based, check_source = flags & 1, flags & 2
        if not hash_based:
            # Timestamp-based: nothing the build ships; written after compiling the source.
            compiled.append(name)
        elif check_source and header[8:16] != source_hash:
            compiled.append(name)  # checked and stale: the source was compiled instead
    return sorted(compiled)
