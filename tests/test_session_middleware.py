"""The per-update session: an update without SQL never waits for another's
transaction, what an update loaded stays loaded, and an update is committed or
rolled back whole."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from aiogram.types import TelegramObject, Update
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.session import DbSessionMiddleware
from db.services.business import get_business
from tests.statements import recording


async def let_others_run() -> None:
    for _ in range(20):
        await asyncio.sleep(0)  # yields to the loop; no real time passes


async def test_an_update_without_sql_never_waits_for_another_ones_transaction(
    sessionmaker,
) -> None:
    """On SQLite transactions take turns (tests/test_sqlite_connection.py); a tap
    served from memory must not queue behind one that holds the turn."""
    middleware = DbSessionMiddleware(sessionmaker)
    inside, release = asyncio.Event(), asyncio.Event()
    second_done = asyncio.Event()

    async def writer(_: TelegramObject, data: dict[str, Any]) -> None:
        (await get_business(data["session"])).name = "Writing"
        await data["session"].flush()  # the transaction is open, the turn is held
        inside.set()
        await release.wait()

    async def reader(_: TelegramObject, data: dict[str, Any]) -> None:
        second_done.set()

    first = asyncio.create_task(middleware(writer, Update(update_id=1), {}))
    await inside.wait()
    second = asyncio.create_task(middleware(reader, Update(update_id=2), {}))
    await let_others_run()
    entered = second_done.is_set()
    release.set()
    await asyncio.gather(first, second)
    assert entered


async def test_a_row_loaded_once_is_not_queried_again_in_the_update(engine, sessionmaker) -> None:
    async with sessionmaker.begin() as session:
        await get_business(session)
    selects: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM business_settings" in statement:
            selects.append(statement)

    async def handler(_: TelegramObject, data: dict[str, Any]) -> None:
        session: AsyncSession = data["session"]
        await get_business(session)  # and let go of it
        gc.collect()
        await get_business(session)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        await DbSessionMiddleware(sessionmaker)(handler, Update(update_id=1), {})
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(selects) == 1


async def run_update(sessionmaker, handler) -> None:
    await DbSessionMiddleware(sessionmaker)(handler, Update(update_id=1), {})


async def test_an_update_that_writes_is_committed(sessionmaker) -> None:
    async def handler(_: TelegramObject, data: dict[str, Any]) -> None:
        (await get_business(data["session"])).name = "Committed"

    await run_update(sessionmaker, handler)
    async with sessionmaker() as other:
        assert (await get_business(other)).name == "Committed"


async def test_a_failed_update_leaves_nothing_written_and_its_connection_back(
    engine, sessionmaker
) -> None:
    async with sessionmaker.begin() as session:
        (await get_business(session)).name = "Before"

    async def handler(_: TelegramObject, data: dict[str, Any]) -> None:
        session: AsyncSession = data["session"]
        (await get_business(session)).name = "Half-written"
        await session.flush()
        raise RuntimeError("the handler failed")

    with pytest.raises(RuntimeError):
        await run_update(sessionmaker, handler)
    assert engine.sync_engine.pool.checkedout() == 0
    async with sessionmaker() as other:
        assert (await get_business(other)).name == "Before"


async def test_an_update_that_runs_no_sql_sends_none(engine, sessionmaker) -> None:
    """A tap served from memory (most screens) costs no BEGIN and no COMMIT."""

    async def handler(_: TelegramObject, data: dict[str, Any]) -> None:
        assert isinstance(data["session"], AsyncSession)

    with recording(engine) as statements:
        await run_update(sessionmaker, handler)
    assert statements == []
    assert engine.sync_engine.pool.checkedout() == 0
