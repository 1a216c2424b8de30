"""What an update reads from the dialog storage: the dialog's own keys, never aiogram's
FSM state (on Redis every read is a round trip)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiogram.fsm.storage.base import StorageKey
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.factory import create_dispatcher
from bot.middlewares.throttling import ThrottlingMiddleware
from tests.conftest import FrozenClock
from tests.dialogs.conftest import TOKEN, Chat, ReplyKeyboardMessageManager
from tests.factories import World
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
    manager = ReplyKeyboardMessageManager()
    dp = create_dispatcher(
        Settings(bot_token=TOKEN, default_locale="en"),
        sessionmaker,
        storage=storage,
        clock=clock,
        message_manager=manager,
        throttling=ThrottlingMiddleware(burst=10_000, rate=10_000.0),
    )
    chat = Chat(dp, manager, StubSession(now=clock.now), user_id=5, language="en")

    await chat.send("/start")
    await chat.tap("📅 .*")
    await chat.tap("Haircut · .*")

    assert "Haircut" in chat.text  # the dialog went on: its stack and context were read
    assert storage.calls["get_data"] > 0
    assert storage.calls["get_state"] == 0
