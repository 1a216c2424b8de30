"""Message filters as `Filter` classes, never magic filters or plain functions.

aiogram runs a filter that is not a coroutine (`F.chat.type == ...`, a lambda, and
the `F.content_type` check aiogram-dialog's `MessageInput` builds from its
`content_types`) in a worker thread through `asyncio.to_thread`: about 130 µs of
CPU and a trip through the event loop's selector for a comparison that takes
nanoseconds. Every message passes several such filters, so they live here as
coroutines; `tests/test_filters.py` fails if a sync filter comes back.
"""

from __future__ import annotations

from aiogram.enums import ChatType, ContentType
from aiogram.filters import Filter
from aiogram.types import Message


class PrivateChat(Filter):
    """Only private chats: in groups, anonymous admins and channel posts arrive
    under shared ids, and the bot's conversations are one to one."""

    async def __call__(self, message: Message) -> bool:
        return message.chat.type == ChatType.PRIVATE


class AnyCommand(Filter):
    """Text that starts with a slash: `/anything`, known to the bot or not."""

    async def __call__(self, message: Message) -> bool:
        return (message.text or "").startswith("/")


class PlainText(Filter):
    """Text that is not a command: a name, a phone number, a comment. A command
    typed at such a step falls through to `unexpected_input`, which answers it."""

    async def __call__(self, message: Message) -> bool:
        return message.text is not None and not message.text.startswith("/")


class SharedContact(Filter):
    """A contact card (Telegram's share-contact button or one forwarded)."""

    async def __call__(self, message: Message) -> bool:
        return message.content_type == ContentType.CONTACT
