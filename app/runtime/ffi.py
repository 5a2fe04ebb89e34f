"""Pyodide's foreign function interface, and stand-ins that let CPython import the seam.

``js`` is this thread's JS global (the worker's, in a worker). Every proxy handed to JS
goes through ``proxy`` and ``destroy``, which count the live ones (``proxies_alive``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# js, pyodide, pyodide_js and pyscript exist only inside Pyodide, and no typed stubs of
# them are published (JS proxies are dynamic): each import of them is Any to mypy, one
# ignore per import, and only this package has them.
try:  # Pyodide
    import js  # type: ignore[import-not-found]
    from pyodide.ffi import create_proxy, jsnull, to_js  # type: ignore[import-not-found]

    IN_BROWSER = True
except ImportError:  # CPython: tests import the rest of app/ without a browser
    js = None
    jsnull = None
    IN_BROWSER = False

    def create_proxy(fn: Any) -> Any:
        return fn

    def to_js(value: Any, **_: Any) -> Any:
        return value


__all__ = [
    "IN_BROWSER",
    "create_proxy",
    "destroy",
    "is_null",
    "js",
    "js_object",
    "proxies_alive",
    "proxy",
    "to_js",
]

_live_proxies = 0


def proxies_alive() -> int:
    """Proxies made by ``proxy`` and not yet destroyed."""
    return _live_proxies


def proxy(fn: Callable[..., Any]) -> Any:
    global _live_proxies
    _live_proxies += 1
    return create_proxy(fn)


def destroy(made: Any) -> None:
    global _live_proxies
    _live_proxies -= 1
    made.destroy()


def is_null(value: Any) -> bool:
    return value is None or value is jsnull


def js_object(mapping: dict[str, Any]) -> Any:
    """A plain JS object (``to_js`` alone would make a ``Map``)."""
    return to_js(mapping, dict_converter=js.Object.fromEntries)
