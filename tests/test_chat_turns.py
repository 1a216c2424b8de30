"""A chat's updates take turns for the whole update, error handlers included; other
chats never wait. On Redis, where an update reads its dialogs ahead and writes them
late, that turn is what keeps two taps at once from writing over each other."""

from __future__ import annotations

import asyncio
import itertools
import secrets
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot, Router
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import Chat, ErrorEvent, Message, Update, User

from bot.chat_turns import TurnTakingDispatcher
from bot.middlewares.dialog_storage import DialogStorageMiddleware
from tests.stub_session import StubSession, stub_bot

_ids = itertools.count(1)


@pytest.fixture
def chat_id() -> int:
    return 9_000_000 + secrets.randbelow(1_000_000)


def dispatcher(redis_storage: RedisStorage, router: Router) -> TurnTakingDispatcher:
    """The turn and the buffered storage as `create_dispatcher` wires them, around
    handlers of the test's own."""
    dp = TurnTakingDispatcher(storage=redis_storage, disable_fsm=True)
    dp.update.outer_middleware(DialogStorageMiddleware(redis_storage))
    dp.include_router(router)
    return dp


def message_from(chat_id: int, bot: Bot) -> Update:
    chat = Chat(id=chat_id, type="private")
    message = Message(
        message_id=next(_ids),
        date=datetime(2026, 11, 23, tzinfo=UTC),
        chat=chat,
        from_user=User(id=chat_id, is_bot=False, first_name="Ivan"),
        text="hello",
    )
    return Update(update_id=next(_ids), message=message).as_(bot)


def key_of(chat_id: int) -> StorageKey:
    return StorageKey(bot_id=123456789, chat_id=chat_id, user_id=chat_id, destiny="aiogd:stack:")


async def feed_at_once(dp: TurnTakingDispatcher, chat_ids: list[int]) -> list[Any]:
    bot = stub_bot(StubSession())
    return await asyncio.gather(
        *(dp.feed_update(bot, message_from(chat_id, bot)) for chat_id in chat_ids),
        return_exceptions=True,
    )


async def test_taps_at_once_take_turns_and_each_sees_the_last_ones_writes(
    redis_storage: RedisStorage, chat_id: int
) -> None:
    """Without the turn, all three would read before any wrote, and two taps be lost."""
    router = Router()

    @router.message()
    async def tap(message: Message, fsm_storage: Any) -> None:
        seen = await fsm_storage.get_data(key_of(chat_id))
        await asyncio.sleep(0.01)  # a round trip to Telegram
        await fsm_storage.set_data(key_of(chat_id), {"taps": seen.get("taps", 0) + 1})

    dp = dispatcher(redis_storage, router)
    await feed_at_once(dp, [chat_id] * 3)

    assert await redis_storage.get_data(key_of(chat_id)) == {"taps": 3}
    assert len(dp.turns) == 0  # no lock kept for a chat with nothing running


async def test_the_next_tap_waits_for_the_error_handler_of_the_last(
    redis_storage: RedisStorage, chat_id: int
) -> None:
    """A stale button's handler runs after the update's middlewares and opens the menu;
    the tap after it must find the menu, not the stack from before."""
    router = Router()
    taps = itertools.count(1)
    seen: list[dict[str, Any]] = []

    @router.message()
    async def tap(message: Message, fsm_storage: Any) -> None:
        if next(taps) == 1:
            raise LookupError("a stale button")
        seen.append(await fsm_storage.get_data(key_of(chat_id)))

    @router.errors()
    async def open_menu(event: ErrorEvent, fsm_storage: Any) -> bool:
        await asyncio.sleep(0.01)  # answering the button first
        await fsm_storage.set_data(key_of(chat_id), {"menu": True})
        return True

    await feed_at_once(dispatcher(redis_storage, router), [chat_id] * 2)

    assert seen == [{"menu": True}]


async def test_other_chats_do_not_wait(redis_storage: RedisStorage, chat_id: int) -> None:
    router = Router()
    other_started = asyncio.Event()

    @router.message()
    async def tap(message: Message) -> None:
        if message.chat.id == chat_id:
            await asyncio.wait_for(other_started.wait(), timeout=5)
        else:
            other_started.set()

    results = await feed_at_once(dispatcher(redis_storage, router), [chat_id, chat_id + 1])
    assert not any(isinstance(result, BaseException) for result in results)
