"""A private chat as the user sees it in Telegram, for what the mock cannot show.

The other dialog tests use aiogram-dialog's `MockMessageManager`, which records
every window as a new message. Here aiogram-dialog's real message manager talks
to the stub Telegram, and `ChatView` keeps the chat the way Telegram would: a
message edited in place, a keyboard taken off, a message deleted, the extra
message aiogram-dialog sends to take a reply keyboard away.
"""

from __future__ import annotations

import re
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import (
    DeleteMessage,
    EditMessageReplyMarkup,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import Message, ReplyKeyboardMarkup, ReplyKeyboardRemove
from aiogram_dialog.test_tools import BotClient
from aiogram_dialog.test_tools.keyboard import InlineButtonTextLocator

from tests.stub_session import StubSession, stub_bot


class ChatView(StubSession):
    """The stub Telegram, keeping the messages each chat still shows, oldest first."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shown: dict[int, Message] = {}  # by message id, in the order sent
        # By chat: the message that brought up the reply keyboard still up. Deleting
        # that message takes the keyboard away too, as in Telegram's apps.
        self.keyboard_from: dict[int, int] = {}
        self.keyboards: dict[int, ReplyKeyboardMarkup] = {}  # by message id

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        result = await super().make_request(bot, method, timeout)
        if isinstance(method, DeleteMessage):
            self.shown.pop(method.message_id, None)
            if self.keyboard_from.get(method.chat_id) == method.message_id:
                del self.keyboard_from[method.chat_id]
        elif isinstance(method, EditMessageReplyMarkup) and method.message_id in self.shown:
            shown = self.shown[method.message_id]
            self.shown[method.message_id] = shown.model_copy(update={"reply_markup": None})
        elif isinstance(result, Message):
            self.shown[result.message_id] = result  # an edit keeps its place
            markup = getattr(method, "reply_markup", None)
            if isinstance(markup, ReplyKeyboardMarkup):
                self.keyboard_from[result.chat.id] = result.message_id
                self.keyboards[result.message_id] = markup
            elif isinstance(markup, ReplyKeyboardRemove):
                self.keyboard_from.pop(result.chat.id, None)
        return result

    def texts(self) -> list[str]:
        return [message.text or "" for message in self.shown.values()]


class TelegramChat:
    """One user in a private chat with the bot, through the real message manager."""

    def __init__(self, dp: Dispatcher, telegram: ChatView, *, user_id: int, language: str) -> None:
        self.telegram = telegram
        self.client = BotClient(dp, user_id=user_id, chat_id=user_id, bot=stub_bot(telegram))
        self.client.user = self.client.user.model_copy(update={"language_code": language})

    @property
    def texts(self) -> list[str]:
        """Every message the chat still shows, oldest first."""
        return self.telegram.texts()

    @property
    def reply_keyboard_up(self) -> bool:
        return self.client.chat.id in self.telegram.keyboard_from

    async def send(self, text: str) -> None:
        await self.client.send(text)

    async def tap(self, pattern: str) -> None:
        """Tap a button of the newest message that has buttons."""
        for message in reversed(self.telegram.shown.values()):
            if message.reply_markup is not None:
                await self.tap_message(message, pattern)
                return
        raise AssertionError(f"no buttons on screen: {self.texts}")

    async def press_reply(self, pattern: str) -> None:
        """Press a button of the reply keyboard that is up: its text goes to the chat,
        with the data aiogram-dialog hides in it."""
        keyboard = self.telegram.keyboards[self.telegram.keyboard_from[self.client.chat.id]]
        texts = [button.text for row in keyboard.keyboard for button in row]
        await self.client.send(next(text for text in texts if re.match(pattern, text)))

    async def tap_message(self, message: Message, pattern: str) -> None:
        """Tap a button of `message`, shown or long gone (a stale button)."""
        await self.client.click(message, InlineButtonTextLocator(pattern))
