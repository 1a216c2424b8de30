"""The per-update session: on SQLite updates take their database turns in order
(background re-renders never wait), what an update loaded stays loaded, and an
update is committed or rolled back whole."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from aiogram.types import Chat, TelegramObject, Update, User
from aiogram_dialog.api.entities import DialogAction, DialogUpdate, DialogUpdateEvent
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.session import DbSessionMiddleware
from db.services.business import get_business
from tests.statements import recording


def re_render() -> DialogUpdate:
    return DialogUpdate(
        aiogd_update=DialogUpdateEvent(
            from_user=User(id=1, is_bot=False, first_name="A"),
            chat=Chat(id=1, type="private"),
            action=DialogAction.UPDATE,
            data={},
            intent_id=None,
            stack_id=None,
            thread_id=None,
            business_connection_id=None,
        )
    )


async def let_others_run() -> None:
    for _ in range(20):
        await asyncio.sleep(0)  # yields to the loop; no real time passes


async def entered_while_first_holds(sessionmaker, second_event: TelegramObject) -> bool:
    middleware = DbSessionMiddleware(sessionmaker)
    inside, release = asyncio.Event(), asyncio.Event()
    second_entered = asyncio.Event()

    async def first(_: TelegramObject, data: dict[str, Any]) -> None:
        inside.set()
        await release.wait()

    async def second(_: TelegramObject, data: dict[str, Any]) -> None:
        second_entered.set()

    first_task = asyncio.create_task(middleware(first, Update(update_id=1), {}))
    await inside.wait()
    second_task = asyncio.create_task(middleware(second, second_event, {}))
    await let_others_run()
    entered = second_entered.is_set()
    release.set()
    await asyncio.gather(first_task, second_task)
    assert second_entered.is_set()
    return entered


async def test_updates_wait_for_their_turn_only_on_sqlite(sessionmaker) -> None:
    on_sqlite = sessionmaker.kw["bind"].dialect.name == "sqlite"
    assert await entered_while_first_holds(sessionmaker, Update(update_id=2)) is not on_sqlite


async def test_background_re_renders_never_wait(sessionmaker) -> None:
    assert await entered_while_first_holds(sessionmaker, re_render()) is True


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
