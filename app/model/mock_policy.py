"""Mock-data policy: when the status page may show canned demo data instead of the live bot.

The default policy, ``AUTO``, allows mock only for local development: the ``file:`` protocol,
hostnames ``localhost`` and ``*.localhost`` (RFC 6761; browsers resolve them to loopback), any
loopback IP address -- all of ``127.0.0.0/8`` and ``::1``, bracketed (as Chromium reports it) or
not -- or a ``mock`` query parameter (``?mock``, ``?mock=1``, ``?a=1&mock``).  ``?mock=0`` /
``false`` / ``no`` / ``off`` explicitly decline.  ``0.0.0.0`` is *not* local: it is not a
loopback address.  Once live data has been shown, the page never falls back to mock
(``should_use_mock``).

Example:

>>> policy = parse_mock_policy("  Auto ")
>>> mock_allowed(policy, protocol="http:", hostname="[::1]", search="")
True
>>> mock_allowed(policy, protocol="https:", hostname="status.supportmail.dev", search="?mockery")
False
>>> should_use_mock(policy, protocol="http:", hostname="localhost", search="", live_ever_shown=True)
False
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from urllib.parse import parse_qsl

__all__ = [
    "MockPolicy",
    "has_mock_param",
    "is_local_host",
    "mock_allowed",
    "parse_mock_policy",
    "should_use_mock",
]

_DECLINE = frozenset({"0", "false", "no", "off"})


class MockPolicy(StrEnum):
    """Whether mock data may be used: only locally (``AUTO``), everywhere, or nowhere."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


def parse_mock_policy(raw: str) -> MockPolicy:
    """Parse ``raw`` ignoring case and surrounding whitespace; ``ValueError`` if unknown."""
    try:
        return MockPolicy(raw.strip().lower())
    except ValueError:
        choices = ", ".join(repr(p.value) for p in MockPolicy)
        raise ValueError(f"invalid mock policy {raw!r}: expected one of {choices}") from None


def is_local_host(hostname: str) -> bool:
    """True for ``localhost``, ``*.localhost`` and loopback IPs; case- and trailing-dot-tolerant."""
    host = hostname.strip().lower()
    if host.endswith(".") and host != ".":
        host = host[:-1]
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        return False
    if host == "localhost" or (host.endswith(".localhost") and not host.startswith(".")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # Python 3.11 says ::ffff:127.0.0.1 is not loopback; later versions say it is.
        address = address.ipv4_mapped
    return address.is_loopback


def has_mock_param(search: str) -> bool:
    """True if the query has a ``mock`` parameter not set to ``0``/``false``/``no``/``off``."""
    query = search[1:] if search.startswith("?") else search
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name.strip().lower() == "mock" and value.strip().lower() not in _DECLINE:
            return True
    return False


def mock_allowed(policy: MockPolicy, *, protocol: str, hostname: str, search: str) -> bool:
    """May mock data be used on this page, given ``location.protocol/hostname/search``?"""
    if policy is MockPolicy.ALWAYS:
        return True
    if policy is MockPolicy.NEVER:
        return False
    return protocol.strip().lower() == "file:" or is_local_host(hostname) or has_mock_param(search)


def should_use_mock(
    policy: MockPolicy, *, protocol: str, hostname: str, search: str, live_ever_shown: bool
) -> bool:
    """``mock_allowed``, but never after live data was shown: real numbers must not turn fake."""
    if live_ever_shown:
        return False
    return mock_allowed(policy, protocol=protocol, hostname=hostname, search=search)
