"""The storage for aiogram-dialog, without aiogram's FSM state read of every update,
and on Redis buffered for the update (bot/buffered_storage.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import Message, TelegramObject, Update

from bot.buffered_storage import BufferedRedisStorage
from bot.middlewares.session import commit_before_waiting


class DialogStorageMiddleware(BaseMiddleware):
    """Puts the storage where aiogram-dialog looks for it (`fsm_storage`).

    It stands in for aiogram's FSM middleware, which also reads the chat's FSM
    state before every update for handlers filtered by state: one storage round
    trip an update (a GET on Redis) that nothing here uses. Every conversation is
    an aiogram-dialog dialog, which keeps its stacks and contexts under keys of
    its own; no handler filters on the FSM state, and tests/test_filters.py fails
    if one starts to.

    On Redis each update gets a `BufferedRedisStorage`, flushed when the update
    is done. That is safe because a chat's updates take turns for the whole
    update (bot/chat_turns.py): build the dispatcher with `create_dispatcher`.
    A read waits for Redis, so the update's database work is committed before it,
    as before a request to Telegram.
    """

    def __init__(self, storage: BaseStorage) -> None:
        self.storage = storage

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(self.storage, RedisStorage):
            data["fsm_storage"] = self.storage
            return await handler(event, data)
        buffered = BufferedRedisStorage(self.storage, before_read=commit_before_waiting)
        data["fsm_storage"] = buffered
        try:
            message = event.message if isinstance(event, Update) else None
            if message is not None and _in_private_chat(message):
                # Before the update's database session: a new client's language is
                # looked up first, and the stack would otherwise be read after it,
                # at the cost of committing that lookup.
                await buffered.read_private_stack(data["bot"].id, message.chat.id)
            return await handler(event, data)
        finally:
            await buffered.flush()


def _in_private_chat(message: Message) -> bool:
    """A private chat's own dialogs (not a business connection's, not a topic's)."""
    return (
        message.chat.type == "private"
        and message.business_connection_id is None
        and not message.is_topic_message
    )
