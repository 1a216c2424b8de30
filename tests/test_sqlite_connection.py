"""SQLite statements run on the event loop; only a wait for another process's lock
leaves it, and this process's transactions take turns in order."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, make_url, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from db.sqlite_connection import connect_on_loop
from tests.databases import sqlite_url


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    path = tmp_path / "loop.sqlite3"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT UNIQUE)")
    return path


@pytest.fixture
async def engine(database: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url(database))

    @event.listens_for(engine.sync_engine, "connect")
    def _thread_id_function(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("thread_id", 0, threading.get_ident)

    yield engine
    await engine.dispose()


async def test_statements_run_on_the_event_loops_thread(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        ran_on = await connection.scalar(text("SELECT thread_id()"))
    assert ran_on == threading.get_ident()


async def test_waiting_for_the_lock_leaves_the_loop_free(
    engine: AsyncEngine, database: Path
) -> None:
    other = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock
    try:

        async def write() -> int | None:
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO notes (body) VALUES ('waited')"))
                return await connection.scalar(text("SELECT thread_id()"))

        writer = asyncio.create_task(write())
        ticks = 0
        for _ in range(20):
            await asyncio.sleep(0.01)
            ticks += 1
        # The loop went on ticking while the writer waited.
        assert ticks == 20
        assert not writer.done()
    finally:
        other.execute("COMMIT")
        other.close()
    ran_on = await asyncio.wait_for(writer, timeout=10)
    # Once it had the lock, the rest of the transaction came back to the loop.
    assert ran_on == threading.get_ident()
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT body FROM notes")) == "waited"
        # The wait's busy timeout is not left behind for the calls on the loop.
        assert await connection.scalar(text("PRAGMA busy_timeout")) == 0


async def test_errors_other_than_busy_are_raised_as_they_are(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO notes (body) VALUES ('once')"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO notes (body) VALUES ('once')"))

    async def count() -> int | None:
        async with engine.begin() as connection:
            return await connection.scalar(text("SELECT count(*) FROM notes"))

    # The failed transaction gave its turn back: the next one does not wait for it.
    assert await asyncio.wait_for(count(), timeout=10) == 1


async def ticks_while(task: asyncio.Task[Any], seconds: float) -> int:
    """How often the loop got round to us in `seconds` while `task` ran."""
    ticks = 0
    for _ in range(int(seconds / 0.01)):
        await asyncio.sleep(0.01)
        ticks += 1
    assert not task.done()
    return ticks


async def test_a_close_after_the_caller_gave_up_waiting_leaves_the_loop_free(
    database: Path,
) -> None:
    """A cancelled update leaves its BEGIN waiting in the thread; the pool then
    closes the connection. Run on the loop, that close would wait for SQLite's
    mutex, held by the waiting BEGIN, and stop everything."""
    connection = await connect_on_loop(make_url(sqlite_url(database)), busy_timeout_ms=10_000)()
    other = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    async def begin() -> None:
        await connection.execute("BEGIN IMMEDIATE")

    waiting = asyncio.create_task(begin())
    await asyncio.sleep(0.05)
    waiting.cancel()
    closing = asyncio.create_task(connection.close())
    try:
        assert await ticks_while(closing, 0.2) == 20
    finally:
        other.execute("COMMIT")
        other.close()
    await asyncio.wait_for(closing, timeout=10)
    with pytest.raises(asyncio.CancelledError):
        await waiting


@pytest.mark.parametrize("arrival", [["second", "third"], ["third", "second"]])
async def test_transactions_take_turns_in_the_order_they_began(
    engine: AsyncEngine, arrival: list[str]
) -> None:
    began: list[str] = []
    release = asyncio.Event()

    async def transaction(name: str) -> None:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT 1"))  # BEGIN IMMEDIATE, then this
            began.append(name)
            if name == "first":
                await release.wait()

    first = asyncio.create_task(transaction("first"))
    await asyncio.sleep(0.01)
    others = []
    for name in arrival:
        others.append(asyncio.create_task(transaction(name)))
        await asyncio.sleep(0.01)
    assert began == ["first"]  # the others wait while the first holds the turn
    release.set()
    await asyncio.wait_for(asyncio.gather(first, *others), timeout=10)
    assert began == ["first", *arrival]


async def test_waiting_longer_than_the_busy_timeout_is_database_locked(database: Path) -> None:
    connect = connect_on_loop(make_url(sqlite_url(database)), busy_timeout_ms=50)
    holder, waiter = await connect(), await connect()
    try:
        await holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            await waiter.execute("BEGIN IMMEDIATE")
        await holder.rollback()
        await waiter.execute("BEGIN IMMEDIATE")  # the turn came back with the rollback
        await waiter.rollback()
    finally:
        await holder.close()
        await waiter.close()


async def test_closing_a_connection_in_a_transaction_gives_its_turn_back(database: Path) -> None:
    connect = connect_on_loop(make_url(sqlite_url(database)), busy_timeout_ms=10_000)
    holder, waiter = await connect(), await connect()
    try:
        await holder.execute("BEGIN IMMEDIATE")
        waiting = asyncio.create_task(waiter.execute("BEGIN IMMEDIATE"))
        await asyncio.sleep(0.01)
        assert not waiting.done()
        assert waiter._in_thread == 0  # it waits for its turn here, not in SQLite's busy loop
        await holder.close()  # SQLite rolls back what the holder left open
        await asyncio.wait_for(waiting, timeout=10)
        await waiter.rollback()
    finally:
        await waiter.close()
