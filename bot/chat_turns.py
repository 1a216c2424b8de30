"""A chat's updates take turns, from the first middleware to the last error handler.

aiogram-dialog serializes a chat's updates itself, with a lock on the dialog
stack from reading it to saving it. That is not enough here:

- On Redis an update reads its dialogs ahead and writes them late
  (bot/buffered_storage.py), and aiogram's error handlers (a stale button
  opens the menu) run after the update's middlewares, outside that lock. Two
  taps at once could then write one stack over the other.
- aiogram-dialog takes its lock before reading the stack and never releases it
  when the read fails: one Redis hiccup froze the chat until a restart.

So `TurnTakingDispatcher.feed_update` holds the chat's turn for the whole
update, error handling included, and aiogram-dialog's own lock is switched off
(`setup_dialogs(events_isolation=DisabledEventIsolation())` in bot/factory.py).
Other chats never wait. aiogram-dialog's background manager feeds updates past
`feed_update`, so they would take no turn; the bot starts none.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.types import Update


class ChatTurns:
    """One holder at a time per chat, first come first served; a chat's lock is
    dropped when nobody holds or waits for it."""

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


class TurnTakingDispatcher(Dispatcher):
    """See the module docstring."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.turns = ChatTurns()

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        chat = UserContextMiddleware.resolve_event_context(update).chat
        if chat is None:
            return await super().feed_update(bot, update, **kwargs)
        async with self.turns.take(chat.id):
            return await super().feed_update(bot, update, **kwargs)
