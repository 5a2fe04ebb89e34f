"""The link to the status server: its states and the reasons it fails, one vocabulary
shared by the transport (which reports them) and the page (which shows them).

Each ``Reason`` has an ``error.<value>`` message in every catalogue.

>>> Reason("token-http") is Reason.TOKEN_HTTP
True
>>> Reason.OFFLINE in TRANSPORT_REASONS
False
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["TRANSPORT_REASONS", "Connection", "Reason"]


class Connection(StrEnum):
    """The link to the status server, never to be confused with the bot's health.

    CONNECTING: an attempt is in flight and the page has not been connected yet.
    CONNECTED: the Socket.IO namespace is connected; answers can be asked for.
    RECONNECTING: an attempt is in flight after an earlier connection was lost.
    OFFLINE: no connection and no attempt in flight (waiting for the next one, or the
    device itself is offline).
    """

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"


class Reason(StrEnum):
    """Why live data is not coming: a stable code, localized as ``error.<code>``."""

    TOKEN_HTTP = "token-http"  # token endpoint answered with a non-2xx status
    TOKEN_BUSY = "token-busy"  # token endpoint answered 429/503 with Retry-After: the page waits
    TOKEN_TIMEOUT = "token-timeout"  # token endpoint did not answer in time
    TOKEN_NETWORK = "token-network"  # network/CORS failure reaching the token endpoint
    TOKEN_BAD_JSON = "token-bad-json"  # token endpoint answered something that is not JSON
    TOKEN_MISSING = "token-missing"  # JSON without a non-empty string "token"
    CONNECT_REFUSED = "connect-refused"  # WebSocket could not open / closed in the handshake
    CONNECT_TIMEOUT = "connect-timeout"  # WebSocket open, OPEN or namespace answer too slow
    AUTH_REJECTED = "auth-rejected"  # server answered CONNECT with connect_error
    DISCONNECTED = "disconnected"  # an established connection was lost
    CLOSED = "closed"  # the live source was closed
    NOT_CONNECTED = "not-connected"  # asked while not connected
    ACK_TIMEOUT = "ack-timeout"  # no ack within the ack timeout
    ACK_ERROR = "ack-error"  # emitting failed
    # Set by the page itself, never by the transport:
    OFFLINE = "offline"  # the visitor's device is offline
    MOCK = "mock"  # the preview data could not be read


TRANSPORT_REASONS = frozenset(set(Reason) - {Reason.OFFLINE, Reason.MOCK})
