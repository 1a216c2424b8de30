"""A simulated Telegram user: sends texts and contacts, presses buttons it can see.

Like aiogram-dialog's `BotClient`, but it reads what the bot really rendered (the
last message the stub Telegram answered for its chat), so a benchmark follows
whatever the dialogs show instead of a hard-coded script. Every update goes
through `dp.feed_update`; its wall time and this process's CPU time are handed
to `record` with a label saying what the update was (`/start`, `text`,
`contact`, or the pressed button's widget id: `service`, `day`, `confirm`...).
"""

from __future__ import annotations

import itertools
import random
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import (
    CallbackQuery,
    Chat,
    Contact,
    InlineKeyboardButton,
    Message,
    Update,
    User,
)
from aiogram_dialog.utils import CB_SEP

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)
_SENT_AT = datetime(2026, 1, 1, tzinfo=UTC)

Record = Callable[[str, float, float], None]
"""Called after each update with (label, wall seconds, CPU seconds)."""


class Screens:
    """The last message the bot showed in each chat, fed by `WatchedSession`."""

    def __init__(self) -> None:
        self.last: dict[int, Message] = {}

    def __call__(self, message: Message) -> None:
        self.last[message.chat.id] = message


class NoSuchButton(LookupError):
    """The screen has no button the script asked for: the flow took another turn."""


class SimulatedUser:
    def __init__(
        self,
        dp: Dispatcher,
        bot: Bot,
        screens: Screens,
        user_id: int,
        *,
        language: str = "en",
        record: Record,
    ) -> None:
        self.dp = dp
        self.bot = bot
        self.screens = screens
        self.user = User(
            id=user_id, is_bot=False, first_name=f"User{user_id}", language_code=language
        )
        self.chat = Chat(id=user_id, type="private")
        self.record = record

    @property
    def screen(self) -> Message | None:
        return self.screens.last.get(self.chat.id)

    async def _feed(self, update: Update, label: str) -> None:
        started, cpu_started = time.perf_counter(), time.process_time()
        await self.dp.feed_update(self.bot, update)
        self.record(label, time.perf_counter() - started, time.process_time() - cpu_started)

    def _message(self, **content: Any) -> Message:
        """Built mounted on the bot, as polling builds them, so `feed_update` need not
        re-validate the update (that would bill the benchmark for a JSON round trip)."""
        return Message(
            message_id=next(_message_ids),
            date=_SENT_AT,
            chat=self.chat,
            from_user=self.user,
            **content,
        ).as_(self.bot)

    async def send(self, text: str) -> None:
        update = Update(update_id=next(_update_ids), message=self._message(text=text))
        await self._feed(update.as_(self.bot), text if text.startswith("/") else "text")

    async def share_contact(self, phone: str) -> None:
        contact = Contact(phone_number=phone, first_name=self.user.first_name, user_id=self.user.id)
        update = Update(update_id=next(_update_ids), message=self._message(contact=contact))
        await self._feed(update.as_(self.bot), "contact")

    def buttons(self) -> list[InlineKeyboardButton]:
        screen = self.screen
        if screen is None or screen.reply_markup is None:
            return []
        return [button for row in screen.reply_markup.inline_keyboard for button in row]

    def find(
        self, *, text: str | None = None, data: str | None = None
    ) -> list[InlineKeyboardButton]:
        """Buttons whose text contains the regex `text` and whose own callback data (what
        the widget put after aiogram-dialog's intent id) fully matches the regex `data`:
        `data="confirm"` is a button, `data="service:.+"` any item of a Select."""
        text_pattern = re.compile(text) if text is not None else None
        data_pattern = re.compile(data) if data is not None else None
        return [
            button
            for button in self.buttons()
            if button.callback_data is not None
            and (text_pattern is None or text_pattern.search(button.text))
            and (data_pattern is None or data_pattern.fullmatch(_widget_data(button)))
        ]

    async def click(
        self,
        *,
        text: str | None = None,
        data: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """Press the first matching button (see `find`), or a random one when `rng` is given."""
        found = self.find(text=text, data=data)
        if not found:
            shown = [button.text for button in self.buttons()]
            raise NoSuchButton(f"no button text={text!r} data={data!r} among {shown}")
        button = rng.choice(found) if rng is not None else found[0]
        callback = CallbackQuery(
            id=str(uuid.uuid4()),
            from_user=self.user,
            chat_instance=str(self.chat.id),
            message=self.screen.as_(self.bot),
            data=button.callback_data,
        ).as_(self.bot)
        update = Update(update_id=next(_update_ids), callback_query=callback)
        await self._feed(update.as_(self.bot), _widget_data(button).split(":", 1)[0])


def _widget_data(button: InlineKeyboardButton) -> str:
    """The button's own callback data: what its widget put after aiogram-dialog's
    intent id (`confirm`, `service:3`)."""
    return (button.callback_data or "").split(CB_SEP, 1)[-1]
