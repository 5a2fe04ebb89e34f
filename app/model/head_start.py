"""The live connection's head start: its first requests, made before Python runs.

PyScript's worker starts seconds before Python does (on a phone, the wasm is still
downloading). The worker's first line (static/head-start.js) makes the connection's
first token request and opens its first WebSocket there, so that when Python's first
attempt begins, both answers are usually in: the attempt sends its Socket.IO CONNECT at
once instead of waiting a round trip for each (and, on a visitor's link, the WebSocket's
own TCP and TLS handshakes, which a ``preconnect`` cannot do for a WebSocket).

The crowd sees no more requests than before: one token and one socket per fresh page,
the same the first attempt made itself, only earlier. Every later attempt requests its
own fresh token and opens its own socket, as before (``app.transport.live``).

The rule here is for the token alone. A socket the server has closed meanwhile is never
used (``app.transport.browser_socket``); a token is used only if it has not waited too long:

- A token request still under way, or answered at most ``TOKEN_MAX_AGE_S`` ago, is the
  first attempt's token request (its failure, too, is that attempt's failure).
- An older answer is dropped and the attempt requests a fresh token, as it did before the
  head start: the token is short-lived, and Python may start long after the worker (a
  slow phone, a slow link). The client API's tokens must live longer than this, plus the
  CONNECT's round trip; the test servers' live 60 s.

>>> token_fresh(None), token_fresh(0.2), token_fresh(TOKEN_MAX_AGE_S), token_fresh(10.5)
(True, True, True, False)
"""

from __future__ import annotations

__all__ = ["TOKEN_MAX_AGE_S", "token_fresh"]

TOKEN_MAX_AGE_S = 10.0
"""The oldest a token answered before Python ran may be, in seconds, to be used."""


def token_fresh(answered_s_ago: float | None) -> bool:
    """Whether the head start's token request may serve the first attempt.

    ``answered_s_ago``: seconds since its answer arrived (or it failed), None while it is
    still under way.
    """
    return answered_s_ago is None or answered_s_ago <= TOKEN_MAX_AGE_S
