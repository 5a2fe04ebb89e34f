"""A TCP proxy that delays every chunk by half a round trip, in each direction.

For ``make bench`` only: it puts the token endpoint and the Socket.IO server behind a
simulated link, as they are in production (other hosts, across the visitor's network),
instead of answering over loopback, where round trips cost nothing.

    proxy = DelayProxy("127.0.0.1", backend.ws_port, rtt_s=0.06)
    proxy.start()  # listens on 127.0.0.1:proxy.port, in its own thread
    ...
    proxy.rtt_s = 0.15  # later chunks take the new delay
    proxy.close()

Each connection accepted is relayed to the target at once, so the TCP handshakes are
local (as a browser reusing a warm connection, or on a link whose handshake is not the
bottleneck); only data pays the delay. Every chunk read from one side is written to the
other ``rtt_s / 2`` after it arrived, in order, and so is the end of the stream: a
request and its answer cost exactly one round trip, with no limit on bandwidth.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

__all__ = ["DelayProxy"]

READ_SIZE = 64 * 1024


class DelayProxy:
    """Listen on ``host``:``port`` (0: any free port) and relay to ``target``, delayed."""

    def __init__(
        self, target_host: str, target_port: int, rtt_s: float, host: str = "127.0.0.1"
    ) -> None:
        self.target_host, self.target_port = target_host, target_port
        self.host = host
        self.rtt_s = rtt_s
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    def start(self, port: int = 0) -> None:
        """Start listening (in a thread of its own); ``port`` is known when this returns."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(port), self._loop)
        self.port = future.result(timeout=10)

    def close(self) -> None:
        """Stop listening, drop every relayed connection and end the thread."""
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> DelayProxy:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    async def _listen(self, port: int) -> int:
        self._server = await asyncio.start_server(self._accept, self.host, port)
        bound: int = self._server.sockets[0].getsockname()[1]
        return bound

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _accept(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            try:
                server_in, server_out = await asyncio.open_connection(
                    self.target_host, self.target_port
                )
            except OSError:
                client_out.close()  # the target is down: the client sees the connection end
                return
            try:
                await asyncio.gather(
                    self._relay(client_in, server_out), self._relay(server_in, client_out)
                )
            except asyncio.CancelledError:
                pass  # close(): the connection is dropped, as a link going down would
            finally:
                for writer in (client_out, server_out):
                    writer.close()
        finally:
            self._connections.discard(task)

    async def _relay(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        """Copy ``source`` to ``sink``, each chunk (and the end) half a round trip late."""
        loop = asyncio.get_running_loop()
        pending: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, chunk = await pending.get()
                await asyncio.sleep(max(0.0, due - loop.time()))
                if not chunk:
                    with contextlib.suppress(OSError):
                        if sink.can_write_eof():
                            sink.write_eof()
                    return
                sink.write(chunk)
                with contextlib.suppress(OSError):
                    await sink.drain()

        writer = asyncio.ensure_future(deliver())
        try:
            while True:
                try:
                    chunk = await source.read(READ_SIZE)
                except OSError:
                    chunk = b""
                pending.put_nowait((loop.time() + self.rtt_s / 2, chunk))
                if not chunk:
                    break
            await writer
        finally:
            writer.cancel()
