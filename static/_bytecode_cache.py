"""Bytecode for the code that ``@dataclass`` and ``namedtuple`` write while classes are made.

Both generate Python source when a class is created (``__init__``, ``__repr__``,
``__eq__``, ... for a dataclass; ``__new__`` for a named tuple) and compile it with
``exec``/``eval``. Everything else the page imports at boot is shipped as bytecode
(tools/precompile.py), but this source is written at run time, so the visitor's browser
compiled it: 45 compiles of 73,000 characters, about 280 ms of the worker's start
(Chromium, 2026-12-03).

The build runs the same imports inside the same Pyodide, compiles every source they
generated, and writes the code objects into this module (``MARSHALLED``). The standard
library's two call sites, patched at build (tools/bytecode_cache.py), ask ``compiled``
first. The key is what the call would have compiled, the source and the mode, so a class
the build never saw, or one that changed, is simply compiled as before; such misses are
listed in ``MISSES`` (the page's diagnostics report them).

Example (the patched line in ``dataclasses``)::

    exec(_bytecode_cache.compiled(txt, "exec"), self.globals, ns)

In the archive as ``_bytecode_cache``: imported by ``collections``, before any code of the
page's runs, so it imports nothing itself that is not already loaded.
"""

import marshal

# Filled in by tools/precompile.py: {(mode, source): code object}, marshalled.
MARSHALLED = b""
_TABLE = marshal.loads(MARSHALLED) if MARSHALLED else {}
# (mode, source) of each source compiled here because the table did not have it.
MISSES = []


def compiled(source, mode):
    """The code object the build compiled from ``source`` in ``mode`` ("exec" or "eval"),
    or ``source`` itself for ``exec``/``eval`` to compile."""
    code = _TABLE.get((mode, source))
    if code is None:
        MISSES.append((mode, source))
        return source
    return code
