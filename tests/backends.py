"""Moved to ``tests/support/backends.py``. Kept for tests/browser/test_crowd_rules.py and
test_service_worker.py, which still import ``Backend`` from here."""

from __future__ import annotations

from tests.support.backends import Backend, BackendError

__all__ = ["Backend", "BackendError"]
