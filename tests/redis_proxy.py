"""Redis going away and coming back: a TCP proxy in front of the test Redis.

`down()` stops listening (new connections are refused) and cuts the open ones,
as a Redis restart or a network failure does; `up()` serves again on the same
port. Everything in between reaches the real Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit, urlunsplit


class RedisProxy:
    def __init__(self, redis_url: str) -> None:
        self._target = urlsplit(redis_url)
        self._server: asyncio.Server | None = None
        self._port = 0  # chosen by the first `up`, kept after
        self._open: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        """The test Redis's URL (same database), through the proxy."""
        return urlunsplit(self._target._replace(netloc=f"127.0.0.1:{self._port}"))

    async def up(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self._port)
        self._port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._open):
            writer.close()
        self._open.clear()

    async def _serve(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        try:
            redis, to_redis = await asyncio.open_connection(
                self._target.hostname, self._target.port or 6379
            )
        except OSError:
            to_client.close()
            return
        self._open.update({to_client, to_redis})
        await asyncio.gather(_pipe(client, to_redis), _pipe(redis, to_client))


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    sink.close()
