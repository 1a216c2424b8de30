"""What an update reads from and writes to the dialog storage: the dialog's own keys,
never aiogram's FSM state, and on Redis one round trip each way (every round trip
costs a tap time and CPU)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.factory import create_dispatcher
from bot.middlewares.throttling import ThrottlingMiddleware
from tests.conftest import FrozenClock
from tests.dialogs.conftest import TOKEN, Chat, ReplyKeyboardMessageManager
from tests.factories import World
from tests.redis_count import count_round_trips
from tests.stub_session import StubSession


class CountingStorage(JsonMemoryStorage):
    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()

    async def get_state(self, key: StorageKey) -> str | None:
        self.calls["get_state"] += 1
        return await super().get_state(key)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        self.calls["get_data"] += 1
        return await super().get_data(key)


async def test_updates_read_the_dialog_stack_but_not_the_fsm_state(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    world: World,
) -> None:
    storage = CountingStorage()
    chat = chat_on(storage, sessionmaker, clock, user_id=5)

    await chat.send("/start")
    await chat.tap("📅 .*")
    await chat.tap("Haircut · .*")

    assert "Haircut" in chat.text  # the dialog went on: its stack and context were read
    assert storage.calls["get_data"] > 0
    assert storage.calls["get_state"] == 0


async def test_on_redis_a_tap_is_one_round_trip_to_read_and_one_to_write(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    world: World,
    redis_storage: RedisStorage,
) -> None:
    """The button's context and the chat's stack are read in one MGET; both, changed,
    are written in one EVAL (the mock message manager gives every window a new
    message id, so the stack changes on every tap too)."""
    tally = count_round_trips(redis_storage)
    chat = chat_on(redis_storage, sessionmaker, clock, user_id=5)
    await chat.send("/start")
    for button in ("📅 .*", "Haircut · .*", "Staff 1"):
        tally.clear()
        await chat.tap(button)
        assert tally == Counter(MGET=1, EVAL=1), button
    assert "Staff 1" in chat.text  # and the dialog went on, through what it stored


def chat_on(
    storage: BaseStorage,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    *,
    user_id: int,
) -> Chat:
    manager = ReplyKeyboardMessageManager()
    dp = create_dispatcher(
        Settings(bot_token=TOKEN, default_locale="en"),
        sessionmaker,
        storage=storage,
        clock=clock,
        message_manager=manager,
        throttling=ThrottlingMiddleware(burst=10_000, rate=10_000.0),
    )
    return Chat(dp, manager, StubSession(now=clock.now), user_id=user_id, language="en")


async def test_on_redis_a_new_clients_start_reads_its_stack_before_any_sql(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    world: World,
    redis_storage: RedisStorage,
    engine: AsyncEngine,
) -> None:
    """The language lookup and the client's creation share one transaction: the
    stack was read before it began, so nothing commits early to wait for Redis."""
    chat = chat_on(redis_storage, sessionmaker, clock, user_id=6)
    transactions: list[object] = []
    count = transactions.append
    event.listen(engine.sync_engine, "begin", count)
    try:
        await chat.send("/start")
    finally:
        event.remove(engine.sync_engine, "begin", count)
    assert "Welcome" in chat.text
    assert len(transactions) == 1
