"""Where dialogs live: Redis when `REDIS_URL` is set, memory (with a warning) otherwise."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage

from bot.config import Settings
from bot.storage import create_storage
from tests.databases import redis_url

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
DAY_SECONDS = 24 * 60 * 60


class ProbeSG(StatesGroup):
    waiting = State()


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, bot_token=TOKEN, **values)  # type: ignore[call-arg]


def unique_key() -> StorageKey:
    user_id = 7_000_000 + secrets.randbelow(1_000_000)
    return StorageKey(bot_id=123456789, chat_id=user_id, user_id=user_id, destiny="probe")


async def test_redis_storage_keeps_dialogs_per_destiny_and_expires_them() -> None:
    storage = create_storage(settings(redis_url=redis_url(), redis_state_ttl_days=3))
    assert isinstance(storage, RedisStorage)
    assert isinstance(storage.key_builder, DefaultKeyBuilder)
    key = unique_key()
    state_key = storage.key_builder.build(key, "state")
    data_key = storage.key_builder.build(key, "data")
    try:
        assert key.destiny in state_key  # aiogram-dialog keeps each dialog under its own key
        await storage.set_state(key, ProbeSG.waiting)
        await storage.set_data(key, {"step": 1})
        assert await storage.get_state(key) == ProbeSG.waiting.state
        for name in (state_key, data_key):
            ttl = await storage.redis.ttl(name)
            assert 3 * DAY_SECONDS - 60 < ttl <= 3 * DAY_SECONDS
    finally:
        await storage.redis.delete(state_key, data_key)
        await storage.close()


def test_without_redis_dialogs_stay_in_memory_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        storage = create_storage(settings(redis_url=None))
    assert isinstance(storage, MemoryStorage)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "REDIS_URL" in warnings[0].getMessage()
    assert "restart" in warnings[0].getMessage()
