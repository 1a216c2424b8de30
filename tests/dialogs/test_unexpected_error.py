"""A bug in a handler: the user still gets an apology and nothing is half-written."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram import Dispatcher, F
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import CallbackQuery, Message
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Client
from locales import get_translator
from tests.dialogs.conftest import Chat, client_of
from tests.factories import World


async def _write_then_fail(event: Message | CallbackQuery, session: AsyncSession) -> None:
    session.add(Client(telegram_id=event.from_user.id, name="Half-written"))
    await session.flush()
    raise RuntimeError("a bug")


def _install_failing_handlers(dp: Dispatcher) -> None:
    # Registered on the dispatcher itself, so they run before the routers.
    dp.message.register(_write_then_fail, F.text == "/boom")
    dp.callback_query.register(_write_then_fail, F.data == "boom")


async def test_failed_message_gets_apology_and_writes_nothing(
    dp: Dispatcher, chat: Chat, session: AsyncSession
) -> None:
    _install_failing_handlers(dp)
    await chat.send("/boom")

    apology = get_translator("ru")("error-generic")
    assert [request.text for request in chat.requests(SendMessage)] == [apology]
    assert await client_of(session, chat.user_id) is None


async def test_failed_button_is_answered_with_an_alert(
    dp: Dispatcher, chat: Chat, session: AsyncSession
) -> None:
    _install_failing_handlers(dp)
    await chat.send("/start")
    callback_id = await chat.tap_data("boom")

    answers = [a for a in chat.requests(AnswerCallbackQuery) if a.callback_query_id == callback_id]
    assert len(answers) == 1
    assert answers[0].show_alert is True
    assert answers[0].text == get_translator("ru")("error-generic")


@pytest.mark.parametrize("dialog_storage", ["redis"], indirect=True)
async def test_a_redis_failure_does_not_freeze_the_chat(
    chat: Chat, dialog_storage: RedisStorage, world: World
) -> None:
    """The update that met it gets the apology. aiogram-dialog locked the stack before
    reading it and kept the lock when the read failed: every later update of the
    chat waited for it until a restart."""
    redis = dialog_storage.redis
    real_mget = redis.mget

    async def down(*_: Any, **__: Any) -> Any:
        raise RedisConnectionError("Redis is restarting")

    redis.mget = down  # type: ignore[method-assign]
    await chat.send("/start")
    apology = get_translator("ru")("error-generic")
    assert [request.text for request in chat.requests(SendMessage)] == [apology]
    redis.mget = real_mget  # type: ignore[method-assign]

    await asyncio.wait_for(chat.send("/start"), timeout=5)
    assert "Здравствуйте" in chat.text
