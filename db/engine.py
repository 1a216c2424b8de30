"""One engine and session factory for the process.

SQLite: WAL (readers never wait for the writer), foreign keys on, statements
run on the event loop and only a wait for the lock in a thread
(db/sqlite_connection.py), and every transaction begun with `BEGIN IMMEDIATE` — SQLAlchemy's
documented recipe for aiosqlite. Taking the write lock at BEGIN serializes the
availability check and the insert of a booking, and avoids the deadlock a
deferred transaction hits when it upgrades from reading to writing. The
overlap triggers from the migrations guard the same rule a second time.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db.sqlite_connection import connect_on_loop

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _prepare_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (see _on_begin) instead of the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _make_sqlite_folder(url: URL) -> None:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _make_sqlite_folder(url)
        engine = create_async_engine(
            url,
            async_creator=connect_on_loop(url, busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS),
            **kwargs,
        )
        _prepare_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def reach_database(database_url: str, *, timeout: float) -> None:
    """Open the database once and end a transaction in it, or raise what went wrong:
    `OSError` (a folder that cannot be made, a server out of reach), `sqlite3.Error`,
    SQLAlchemy's `DBAPIError` (the server refused) or `TimeoutError`.

    Run before the migrations, so that a database the URL cannot reach is told
    apart from a failing migration. Must be called outside a running event loop.

    SQLite is opened with `sqlite3` itself, not through aiosqlite: a failed
    aiosqlite connect leaves its worker thread to report to an event loop that may
    be closed by then, and "Event loop is closed" ends up on stderr. Taking the
    write lock once finds a read-only file here too, not halfway through a migration.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        asyncio.run(asyncio.wait_for(_reach_server(database_url), timeout))
        return
    _make_sqlite_folder(url)
    args, kwargs = url.get_dialect()().create_connect_args(url)
    connection = sqlite3.connect(*args, **{**kwargs, "timeout": timeout})
    try:
        connection.isolation_level = None
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
        connection.execute("ROLLBACK")
    finally:
        connection.close()


async def _reach_server(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
