"""The one moment the unit tests call "now", and the clusters' start a minute before it.

Epoch milliseconds, as ``BrowserPort.now_ms`` gives them. A module that needs another
moment names why next to its own constant (``tests/unit/test_reconnect.py`` counts in
seconds, as an HTTP date in ``Retry-After`` does).
"""

from __future__ import annotations

__all__ = ["CREATED", "NOW"]

NOW = 1_700_000_060_000
"""2023-11-14 22:14:20 UTC (2023-11-15 03:44:20 in Kolkata, UTC+5:30)."""

CREATED = NOW - 60_000
"""``createdAt`` of the clusters in the tests' answers: they have been up for a minute."""
