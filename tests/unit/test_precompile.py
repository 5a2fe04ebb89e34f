"""What the build leaves out of the bytecode it ships (tools/precompile.py).

precompile.py is a script that runs inside Pyodide under Node and measures the boot as
it imports: it cannot be imported here. Its docstring rule is two pure functions, taken
from its source as they are and run under CPython.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import textwrap
from collections.abc import Callable
from pathlib import Path

PRECOMPILE = Path(__file__).resolve().parents[2] / "tools" / "precompile.py"


def _rule() -> Callable[[ast.Module, bytes], ast.Module]:
    module = ast.parse(PRECOMPILE.read_text(encoding="utf-8"))
    wanted = {"without_docstrings", "_plain_class"}
    defs = [n for n in module.body if isinstance(n, ast.FunctionDef) and n.name in wanted]
    assert {d.name for d in defs} == wanted
    namespace: dict[str, object] = {"ast": ast}
    exec(compile(ast.Module(body=defs, type_ignores=[]), str(PRECOMPILE), "exec"), namespace)
    return namespace["without_docstrings"]  # type: ignore[return-value]


without_docstrings = _rule()

SOURCE = textwrap.dedent(
    '''
    """Module."""
    import dataclasses
    import enum
    import typing


    def function():
        """Function."""
        return 1


    class Plain:
        """Plain."""


    class Role(typing.Protocol):
        """Role."""

        def method(self) -> int: ...


    @dataclasses.dataclass
    class Data:
        """Data."""

        x: int = 0


    class Colour(enum.Enum):
        """Colour."""

        RED = 1


    class Kind(enum.StrEnum):
        """Kind."""

        A = "a"
    '''
)


def shipped() -> dict[str, object]:
    tree = without_docstrings(ast.parse(SOURCE), SOURCE.encode())
    namespace: dict[str, object] = {}
    exec(compile(tree, "<shipped>", "exec"), namespace)
    return namespace


def test_plain_docstrings_go_and_the_code_still_runs() -> None:
    """Module, function, plain class and protocol docstrings are left out; a class body
    left empty still defines the class."""
    ns = shipped()
    assert ns.get("__doc__") is None
    for name in ("function", "Plain", "Role"):
        assert getattr(ns[name], "__doc__", None) is None, name
    assert ns["function"]() == 1  # type: ignore[operator]


def test_dataclasses_and_enums_keep_theirs() -> None:
    """``dataclasses`` and ``enum`` would build one at import for a class without: a
    decorated class and an enum are shipped as written."""
    ns = shipped()
    data, colour, kind = ns["Data"], ns["Colour"], ns["Kind"]
    assert isinstance(data, type) and dataclasses.is_dataclass(data)
    assert (data.__doc__, colour.__doc__, kind.__doc__) == ("Data.", "Colour.", "Kind.")
    assert issubclass(colour, enum.Enum)  # type: ignore[arg-type]


def test_a_module_that_reads_its_docstrings_keeps_them_all() -> None:
    source = SOURCE + "\nTEXT = function.__doc__\n"
    tree = without_docstrings(ast.parse(source), source.encode())
    namespace: dict[str, object] = {}
    exec(compile(tree, "<shipped>", "exec"), namespace)
    assert namespace["TEXT"] == "Function."
