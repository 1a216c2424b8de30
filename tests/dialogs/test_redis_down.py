"""Redis going away: every update still gets an answer, nothing escapes the
dispatcher, and the chat works again once Redis is back.

aiogram-dialog handles an update's error by reading the dialog stack again; with
Redis gone that read fails too and aiogram's error handlers never run. The
dispatcher then answers itself (bot/dispatcher.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import AnswerCallbackQuery, SendMessage

from locales import get_translator
from tests.conftest import isolated_redis_storage
from tests.databases import redis_url
from tests.dialogs.conftest import Chat
from tests.factories import World
from tests.redis_proxy import RedisProxy

APOLOGY = get_translator("ru")("error-generic")


@pytest.fixture
async def redis() -> AsyncIterator[RedisProxy]:
    proxy = RedisProxy(redis_url())
    await proxy.up()
    yield proxy
    await proxy.down()


@pytest.fixture
async def dialog_storage(redis: RedisProxy) -> AsyncIterator[BaseStorage]:
    """The dialogs on Redis through the proxy (instead of memory and Redis)."""
    async with isolated_redis_storage(redis.url) as storage:
        yield storage
        await redis.up()  # back for the cleanup, whatever the test left


async def test_a_message_gets_the_apology_and_the_next_one_the_menu(
    chat: Chat, world: World, redis: RedisProxy
) -> None:
    await chat.send("/start")
    await redis.down()

    await asyncio.wait_for(chat.send("/start"), timeout=10)  # nothing escapes

    assert chat.requests(SendMessage)[-1].text == APOLOGY
    await redis.up()
    await chat.send("/start")
    assert "Здравствуйте" in chat.text


async def test_a_button_is_answered_with_the_apology(
    chat: Chat, world: World, redis: RedisProxy
) -> None:
    await chat.send("/start")
    await redis.down()

    callback_id = await asyncio.wait_for(chat.tap("📅 .*"), timeout=10)

    (answer,) = [
        a for a in chat.requests(AnswerCallbackQuery) if a.callback_query_id == callback_id
    ]
    assert (answer.text, answer.show_alert) == (APOLOGY, True)
    await redis.up()
    await chat.tap("📅 .*")
    assert "Выберите услугу" in chat.text
