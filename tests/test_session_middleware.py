"""The per-update session: an update without SQL never waits for another's
transaction, what an update loaded stays loaded, an update is committed before
it talks to Telegram or reads its dialog from Redis and when it ends, and a
failed one leaves nothing of what it had not committed."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from aiogram import Bot
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import TelegramObject, Update
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.factory import create_bot
from bot.middlewares.dialog_storage import DialogStorageMiddleware
from bot.middlewares.session import DbSessionMiddleware
from db.services.business import get_business
from tests.statements import recording
from tests.stub_session import STUB_TOKEN, StubSession


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


class PausingTelegram(StubSession):
    """Telegram that, on each request, notes what another session sees of the
    business name, then waits until let through."""

    def __init__(self, sessionmaker) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker
        self.seen: list[str] = []
        self.requested = asyncio.Event()
        self.let_through = asyncio.Event()
        self.let_through.set()

    async def make_request(self, bot, method, timeout=None):  # noqa: ASYNC109
        async with self.sessionmaker() as other:
            self.seen.append((await get_business(other)).name)
        self.requested.set()
        await self.let_through.wait()
        return await super().make_request(bot, method, timeout)


def telegram_bot(telegram: StubSession) -> Bot:
    return create_bot(Settings(bot_token=STUB_TOKEN), session=telegram)


async def rename_and_say(data: dict[str, Any], bot: Bot, name: str) -> None:
    (await get_business(data["session"])).name = name
    await data["session"].flush()
    await bot.send_message(chat_id=1, text="Renamed")


async def test_what_an_update_wrote_is_committed_before_it_talks_to_telegram(
    sessionmaker,
) -> None:
    telegram = PausingTelegram(sessionmaker)
    bot = telegram_bot(telegram)

    async def handler(_: TelegramObject, data: dict[str, Any]) -> None:
        await rename_and_say(data, bot, "Committed first")
        raise RuntimeError("a later step fails")

    with pytest.raises(RuntimeError):
        await run_update(sessionmaker, handler)
    assert telegram.seen == ["Committed first"]  # visible to others as the request left
    async with sessionmaker() as other:  # and kept, though the update failed later
        assert (await get_business(other)).name == "Committed first"


async def test_a_transaction_does_not_wait_for_another_updates_telegram(sessionmaker) -> None:
    """On SQLite the second update needs the one write lock the first one took."""
    telegram = PausingTelegram(sessionmaker)
    telegram.let_through.clear()
    bot = telegram_bot(telegram)
    middleware = DbSessionMiddleware(sessionmaker)

    async def first(_: TelegramObject, data: dict[str, Any]) -> None:
        await rename_and_say(data, bot, "First")

    async def second(_: TelegramObject, data: dict[str, Any]) -> None:
        (await get_business(data["session"])).name = "Second"

    slow = asyncio.create_task(middleware(first, Update(update_id=1), {}))
    await telegram.requested.wait()  # the first update waits for Telegram
    await asyncio.wait_for(middleware(second, Update(update_id=2), {}), timeout=10)
    assert not slow.done()
    telegram.let_through.set()
    await slow
    async with sessionmaker() as other:
        assert (await get_business(other)).name == "Second"


async def test_a_transaction_does_not_wait_for_another_updates_redis_read(
    sessionmaker, redis_storage: RedisStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new client's first update looks up their language, then reads their dialog
    stack: that read must not hold the database (SQLite's one write lock)."""
    reading, let_through = asyncio.Event(), asyncio.Event()
    mget = redis_storage.redis.mget

    async def slow_mget(*args: Any, **kwargs: Any) -> Any:
        reading.set()
        await let_through.wait()
        return await mget(*args, **kwargs)

    monkeypatch.setattr(redis_storage.redis, "mget", slow_mget)
    dialogs, database = DialogStorageMiddleware(redis_storage), DbSessionMiddleware(sessionmaker)

    async def first(_: TelegramObject, data: dict[str, Any]) -> None:
        (await get_business(data["session"])).name = "First"
        await data["session"].flush()
        key = StorageKey(bot_id=1, chat_id=1, user_id=1, destiny="aiogd:context:x")
        await data["fsm_storage"].get_data(key)

    async def second(_: TelegramObject, data: dict[str, Any]) -> None:
        (await get_business(data["session"])).name = "Second"

    async def with_session(event: TelegramObject, data: dict[str, Any]) -> None:
        await database(first, event, data)

    slow = asyncio.create_task(dialogs(with_session, Update(update_id=1), {}))
    await reading.wait()  # the first update waits for Redis
    await asyncio.wait_for(database(second, Update(update_id=2), {}), timeout=10)
    assert not slow.done()
    let_through.set()
    await slow
    async with sessionmaker() as other:
        assert (await get_business(other)).name == "Second"


async def test_a_task_started_by_an_update_never_commits_its_session(sessionmaker) -> None:
    """The scheduler woken by a commit runs in a copy of the update's context."""
    bot = telegram_bot(StubSession())
    still_open: list[bool] = []

    async def handler(_: TelegramObject, data: dict[str, Any]) -> None:
        session: AsyncSession = data["session"]
        (await get_business(session)).name = "Mine"
        await session.flush()
        await asyncio.create_task(bot.send_message(chat_id=1, text="From another task"))
        still_open.append(session.in_transaction())

    await run_update(sessionmaker, handler)
    assert still_open == [True]
