"""An aiosqlite connection that runs SQLite on the event loop until SQLite must wait.

aiosqlite hands every call (execute, fetch, commit, even making a cursor) to its
worker thread and wakes the event loop when it is done, three or four hand-offs
a statement. SQLite answers our statements in microseconds; the hand-offs cost
more than SQLite and SQLAlchemy together: without them, free times of a day
took 0.69 ms of CPU instead of 1.83, and create_booking ran 354 times a second
instead of 136 (bench/availability.py, one run each).

SQLite only ever waits for another connection's lock, and then it says
SQLITE_BUSY at once when its busy timeout is zero. So this connection runs each
call right here with a zero timeout, and only a call that came back busy is run
again in aiosqlite's thread with the real timeout, where waiting blocks nothing
else. Running a call again after SQLITE_BUSY is what SQLite's own busy handler
does: a busy statement has not changed anything.

The event loop still stops for as long as SQLite computes, as it would for any
Python code; our statements are small, and the long ones (a month's calendar,
an outbox claim) take a few milliseconds.

Every transaction begins with BEGIN IMMEDIATE (db/engine.py), so SQLite has one
writer at a time. The connections of one engine take turns for it in order,
first come first served, on an asyncio lock held from BEGIN until the
transaction ends: a second BEGIN from this process never reaches SQLite's busy
handler, which sleeps and retries (up to 100 ms a try) and left unlucky updates
waiting for seconds (bench/dialog_flow.py, 10 users: p99 1.9-2.2 s, against
0.4-0.6 s taking turns). Only transactions wait: an update that runs no SQL
never does, however long another one's transaction stays open.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.engine import URL

T = TypeVar("T")


class LoopSideConnection(aiosqlite.Connection):
    """See the module docstring. Build it with `connect_on_loop`."""

    def __init__(
        self,
        connector: Callable[[], sqlite3.Connection],
        busy_timeout_ms: int,
        writer_turn: asyncio.Lock,
    ) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._busy_timeout_ms = busy_timeout_ms
        self._writer_turn = writer_turn  # shared by the engine's connections
        self._has_turn = False
        # Calls handed to the worker thread and not finished there yet. While there
        # are any, every call queues behind them, as in plain aiosqlite: above all
        # the close after a caller gave up waiting (a cancelled update), which run
        # here would wait for the connection's mutex and stop the event loop.
        self._in_thread = 0
        self._count_lock = threading.Lock()  # counted up here, down in the thread

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        if not self._has_turn and _begins_transaction(args):
            await self._take_turn()
        try:
            return await self._run(fn, *args, **kwargs)
        finally:
            if self._has_turn and not self._in_transaction():
                self._has_turn = False
                self._writer_turn.release()

    async def _take_turn(self) -> None:
        """Wait behind the engine's other transactions, as long as SQLite would."""
        try:
            async with asyncio.timeout(self._busy_timeout_ms / 1000):
                await self._writer_turn.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        self._has_turn = True

    def _in_transaction(self) -> bool:
        try:
            return self._conn.in_transaction
        except (sqlite3.ProgrammingError, ValueError):  # closed
            return False

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not self._in_thread:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
        with self._count_lock:
            self._in_thread += 1
        return await super()._execute(self._waiting, fn, args, kwargs)

    def _waiting(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        """In the worker thread: the call, allowed to wait for the lock. The count
        goes down here, not in the caller, who may have stopped waiting."""
        try:
            self._conn.execute(f"PRAGMA busy_timeout={self._busy_timeout_ms}")
            try:
                return fn(*args, **kwargs)
            finally:
                with suppress(sqlite3.ProgrammingError):  # the call was the close
                    self._conn.execute("PRAGMA busy_timeout=0")
        finally:
            with self._count_lock:
                self._in_thread -= 1


def _begins_transaction(args: tuple[Any, ...]) -> bool:
    return bool(args) and isinstance(args[0], str) and args[0].lstrip()[:5].upper() == "BEGIN"


def _is_busy(error: sqlite3.OperationalError) -> bool:
    # The extended codes (SQLITE_BUSY_RECOVERY, ...) carry SQLITE_BUSY in the low byte.
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


def connect_on_loop(url: URL, *, busy_timeout_ms: int) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine`: the URL's own connect arguments
    (path, `uri`, `timeout` aside), a connection usable from the event loop's thread.
    The connections it makes take turns for transactions (see the module docstring)."""
    args, kwargs = url.get_dialect()().create_connect_args(url)
    kwargs.update(timeout=0, check_same_thread=False)
    connector = partial(sqlite3.connect, *args, **kwargs)
    writer_turn = asyncio.Lock()

    async def connect() -> LoopSideConnection:
        connection = LoopSideConnection(connector, busy_timeout_ms, writer_turn)
        # As SQLAlchemy does for aiosqlite: an idle worker must not keep Python alive.
        connection._thread.daemon = True
        return await connection

    return connect
