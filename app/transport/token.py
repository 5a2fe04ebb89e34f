"""The token of each connection attempt, from the client API.

Every attempt that opens a socket requests a fresh token, one request at a time (one
still pending when the next attempt asks is aborted), and socketio's ``auth`` gets that
request's answer. The first request of a fresh page may be the connection's head start's
(``first``: made by the worker before Python ran, used while fresh enough,
``app.model.head_start``). A token endpoint that answers 429 or 503 with ``Retry-After``
holds the next attempt until then, also when the attempt's socket failed first and the
answer is never used.

Like the rest of ``app.transport``, this never imports ``js``/``pyodide``/``pyscript``:
the request is a ``FetchJson`` built by ``app.runtime``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from app.transport.retry_client import FetchError, FetchJson, TokenError

__all__ = ["AttemptTokens", "FirstToken"]

FirstToken = Callable[[float], Awaitable[object] | None]
"""``(timeout_s) ->`` the head start's token request, answered as ``FetchJson`` answers
(its parsed JSON body), or None when there is none to use (``app.model.head_start``)."""


class AttemptTokens:
    """The token requests of one live source's connection attempts.

    ``url`` answers ``GET`` with ``{"token": "<string>"}``; each request is bounded by
    ``timeout`` seconds. ``hold(seconds)`` receives a busy answer's ``Retry-After``.
    ``fetched`` counts the tokens received; ``failure`` is why this attempt's ``auth()``
    got no token (None until it failed, and again from the next attempt on).
    """

    def __init__(
        self,
        *,
        url: str,
        fetch_json: FetchJson,
        timeout: float,
        hold: Callable[[float], None],
        first: FirstToken | None = None,
    ) -> None:
        self._url = url
        self._fetch_json = fetch_json
        self._timeout = timeout
        self._hold = hold
        self._first = first
        # The request of the attempt in flight, until its ``auth()`` takes it.
        self._pending: asyncio.Task[str] | None = None
        self.fetched = 0
        self.failure: TokenError | None = None

    @property
    def requested(self) -> bool:
        """A request was made that no ``auth()`` has taken yet."""
        return self._pending is not None

    def request(self) -> None:
        """Request this attempt's token now; a request still pending is aborted."""
        if self._pending is not None:
            self._pending.cancel()  # one request at a time; a finished one is dropped
        # The first request only: the head start's, if it made one still fresh enough.
        first, self._first = self._first, None
        task = asyncio.ensure_future(self._fetch(first))
        task.add_done_callback(self._settled)
        self._pending = task

    def new_attempt(self) -> None:
        """An attempt begins: the previous attempt's failure no longer applies."""
        self.failure = None

    async def auth(self) -> dict[str, str]:
        """socketio's ``auth`` callable: the token requested as this attempt's socket
        opened. Raises ``TokenError`` (and keeps it as ``failure``) when there is none."""
        if self._pending is None:  # pragma: no cover - every open socket requested one
            self.request()
        task, self._pending = self._pending, None
        assert task is not None
        self.failure = None
        try:
            token = await task
        except TokenError as exc:
            self.failure = exc
            raise
        return {"token": token}

    def cancel(self) -> None:
        """Abort the pending request, if any (the source is closing)."""
        if self._pending is not None:
            self._pending.cancel()

    def _settled(self, task: asyncio.Task[str]) -> None:
        """A request ended: count it, and obey the ``Retry-After`` of a busy answer."""
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            self.fetched += 1
        elif isinstance(exc, TokenError) and exc.retry_after is not None:
            self._hold(exc.retry_after)

    async def _fetch(self, first: FirstToken | None) -> str:
        """The token: the head start's request (``first``) if it has one to use, else a
        request of its own."""
        try:
            # (A timeout scope, not wait_for: the request is made in this task's first step.)
            async with asyncio.timeout(self._timeout):
                made = first(self._timeout) if first is not None else None
                if made is None:
                    made = self._fetch_json(self._url, self._timeout)
                body = await made
        except FetchError as exc:
            if exc.retry_after is not None:
                raise TokenError("busy", exc.detail, retry_after=exc.retry_after) from exc
            raise TokenError(exc.kind, exc.detail) from exc
        except TimeoutError as exc:
            raise TokenError("timeout", f"no answer within {self._timeout:g} s") from exc
        except ValueError as exc:
            raise TokenError("bad-json", str(exc)) from exc
        except Exception as exc:
            raise TokenError("network", repr(exc)) from exc
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise TokenError("no-token", "response has no string 'token'")
        return token
