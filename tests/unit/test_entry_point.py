"""``app.main`` imports only what starting the live connection needs. The controller, the
view and its regions are imported once the connection's first requests have left, so
their imports overlap its round trips instead of coming before them."""

from __future__ import annotations

import subprocess
import sys

from tests.support.paths import ROOT

LATER = {"app.controller", "app.render.page", "app.render.regions", "app.painter", "socketio"}


def modules_after(statement: str) -> set[str]:
    probe = f"import sys; {statement}; print(' '.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(out.stdout.split())


def test_the_entry_point_leaves_the_view_and_the_controller_for_later() -> None:
    modules = modules_after("import app.main")
    assert "app.main" in modules
    assert not LATER & modules


def test_the_probe_sees_them_when_they_are_imported() -> None:
    """The check above could not pass by accident: importing the controller shows up."""
    assert {"app.controller", "app.render.page"} <= modules_after("import app.controller")
