"""The storage for aiogram-dialog, without aiogram's FSM state read of every update,
and on Redis buffered for the update (bot/buffered_storage.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import Chat, TelegramObject

from bot.buffered_storage import BufferedRedisStorage


class DialogStorageMiddleware(BaseMiddleware):
    """Puts the storage where aiogram-dialog looks for it (`fsm_storage`).

    It stands in for aiogram's FSM middleware, which also reads the chat's FSM
    state before every update for handlers filtered by state: one storage round
    trip an update (a GET on Redis) that nothing here uses. Every conversation is
    an aiogram-dialog dialog, which keeps its stacks and contexts under keys of
    its own; no handler filters on the FSM state, and tests/test_filters.py fails
    if one starts to.

    On Redis each update of a chat gets a `BufferedRedisStorage`, and the chat's
    updates run one at a time, its writes flushed before the next one starts.
    aiogram-dialog already makes them take turns, from reading the stack to
    saving it; this turn covers the whole update, so the buffer's early read and
    late write happen inside it too.
    """

    def __init__(self, storage: BaseStorage) -> None:
        self.storage = storage
        self.turns = ChatTurns()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat: Chat | None = data.get("event_chat")
        if not isinstance(self.storage, RedisStorage) or chat is None:
            data["fsm_storage"] = self.storage
            return await handler(event, data)
        async with self.turns.take(chat.id):
            buffered = BufferedRedisStorage(self.storage)
            data["fsm_storage"] = buffered
            try:
                return await handler(event, data)
            finally:
                await buffered.flush()


class ChatTurns:
    """One update at a time per chat, first come first served; a chat's lock is
    dropped when no update of it is running or waiting."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def take(self, chat_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
