"""Dialogs on Redis within one update: read once, written once, atomically."""

from __future__ import annotations

import secrets
from collections import Counter

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from bot.buffered_storage import BufferedRedisStorage
from tests.conftest import REDIS_TTL_DAYS
from tests.redis_count import count_round_trips

TTL_SECONDS = REDIS_TTL_DAYS * 24 * 60 * 60
CONTEXT = {"id": "abc", "state": "Booking:day", "dialog_data": {"service_id": 1}}
STACK = {"_id": "", "intents": ["abc"], "last_message_id": 7}


@pytest.fixture
def chat_id() -> int:
    return 8_000_000 + secrets.randbelow(1_000_000)


@pytest.fixture
def keys(chat_id: int) -> tuple[StorageKey, StorageKey]:
    """aiogram-dialog's keys of one chat: a context and the chat's stack."""

    def key(destiny: str) -> StorageKey:
        return StorageKey(bot_id=123456789, chat_id=chat_id, user_id=chat_id, destiny=destiny)

    return key("aiogd:context:abc"), key("aiogd:stack:")


@pytest.fixture
def tally(redis_storage: RedisStorage) -> Counter[str]:
    return count_round_trips(redis_storage)


async def test_a_context_is_read_with_its_stack_in_one_round_trip(
    redis_storage: RedisStorage, keys: tuple[StorageKey, StorageKey], tally: Counter[str]
) -> None:
    context, stack = keys
    await redis_storage.set_data(context, CONTEXT)
    await redis_storage.set_data(stack, STACK)
    tally.clear()

    buffered = BufferedRedisStorage(redis_storage)
    assert await buffered.get_data(context) == CONTEXT
    assert await buffered.get_data(stack) == STACK
    assert tally == Counter(MGET=1)


async def test_writes_wait_for_the_flush_and_what_did_not_change_is_not_sent(
    redis_storage: RedisStorage, keys: tuple[StorageKey, StorageKey], tally: Counter[str]
) -> None:
    context, stack = keys
    await redis_storage.set_data(context, CONTEXT)
    await redis_storage.set_data(stack, STACK)
    buffered = BufferedRedisStorage(redis_storage)
    moved = {**CONTEXT, "state": "Booking:time"}
    await buffered.set_data(context, moved)
    await buffered.set_data(stack, dict(await buffered.get_data(stack)))  # as it was
    tally.clear()

    assert await buffered.get_data(context) == moved  # the update sees its own write
    assert await redis_storage.get_data(context) == CONTEXT  # nobody else does yet
    await buffered.flush()

    assert tally == Counter(GET=1, EVAL=1)  # the read above, and the one change
    assert await redis_storage.get_data(context) == moved
    assert TTL_SECONDS - 60 < await _ttl(redis_storage, context) <= TTL_SECONDS


async def test_several_changes_go_out_in_one_atomic_command(
    redis_storage: RedisStorage, keys: tuple[StorageKey, StorageKey], tally: Counter[str]
) -> None:
    context, stack = keys
    await redis_storage.set_data(context, CONTEXT)
    buffered = BufferedRedisStorage(redis_storage)
    await buffered.set_data(context, {})  # a dialog that ended: its context goes
    await buffered.set_data(stack, STACK)
    tally.clear()

    await buffered.flush()

    assert tally == Counter(EVAL=1)
    assert await redis_storage.redis.exists(_name(redis_storage, context)) == 0
    assert await redis_storage.get_data(stack) == STACK
    assert TTL_SECONDS - 60 < await _ttl(redis_storage, stack) <= TTL_SECONDS


async def test_after_the_flush_calls_go_straight_to_redis(
    redis_storage: RedisStorage, keys: tuple[StorageKey, StorageKey]
) -> None:
    """Error handlers run after the update's middlewares and still use the dialogs."""
    context, _ = keys
    buffered = BufferedRedisStorage(redis_storage)
    await buffered.flush()
    await buffered.set_data(context, CONTEXT)
    assert await redis_storage.get_data(context) == CONTEXT
    await redis_storage.set_data(context, {"id": "abc", "state": "Booking:time"})
    assert (await buffered.get_data(context))["state"] == "Booking:time"


def _name(redis_storage: RedisStorage, key: StorageKey) -> str:
    return redis_storage.key_builder.build(key, "data")


async def _ttl(storage: RedisStorage, key: StorageKey) -> int:
    return int(await storage.redis.ttl(_name(storage, key)))
