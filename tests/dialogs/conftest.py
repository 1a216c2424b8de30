"""Driving the client's dialogs end to end through the project's real dispatcher.

Telegram itself is the only thing stubbed: aiogram-dialog's `MockMessageManager`
keeps the windows a user would see, and a stub Bot session records every other
request (documents, venues, callback answers). The database is the real one of
the conftest fixtures, so every test runs on SQLite and PostgreSQL, and each
keeps its dialogs both in memory and on Redis (`dialog_storage`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.types import (
    CallbackQuery,
    Contact,
    InlineKeyboardButton,
    Location,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from aiogram_dialog.api.entities import NewMessage, OldMessage
from aiogram_dialog.test_tools import BotClient, MockMessageManager
from aiogram_dialog.test_tools.keyboard import InlineButtonTextLocator
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.factory import create_dispatcher
from bot.middlewares.throttling import ThrottlingMiddleware
from db.models import Booking, Client
from tests.conftest import FrozenClock, isolated_redis_storage
from tests.factories import ADMIN_ID, World, make_world
from tests.stub_session import StubSession, stub_bot

TOKEN = "123456:" + "A" * 35
BUSINESS_PHONE = "+7 495 123-45-67"
ADDRESS = "Tverskaya 1, Moscow"
# 2026-11-23 is a Monday; 09:00 UTC is 12:00 in Moscow.
TOMORROW = date(2026, 11, 24)


class ReplyKeyboardMessageManager(MockMessageManager):
    """aiogram-dialog's mock, able to show a reply keyboard (the share-contact step).

    The mock records each window as an aiogram `Message`, which cannot carry a
    reply keyboard; the keyboard is kept aside by message id instead.
    """

    def __init__(self) -> None:
        super().__init__()
        self.reply_keyboards: dict[int, ReplyKeyboardMarkup] = {}

    async def show_message(
        self, bot: Bot, new_message: NewMessage, old_message: OldMessage | None
    ) -> OldMessage:
        markup = new_message.reply_markup
        if not isinstance(markup, ReplyKeyboardMarkup):
            return await super().show_message(bot, new_message, old_message)
        shown = await super().show_message(
            bot, replace(new_message, reply_markup=None), old_message
        )
        self.reply_keyboards[shown.message_id] = markup
        return replace(shown, has_reply_keyboard=True)


class Chat:
    """One simulated user in a private chat with the bot."""

    def __init__(
        self,
        dp: Dispatcher,
        manager: ReplyKeyboardMessageManager,
        telegram: StubSession,
        *,
        user_id: int,
        language: str | None = "ru",
    ) -> None:
        self.manager = manager
        self.telegram = telegram
        self.client = BotClient(dp, user_id=user_id, chat_id=user_id, bot=stub_bot(telegram))
        self.client.user = self.client.user.model_copy(update={"language_code": language})
        self.dp = dp

    @property
    def user_id(self) -> int:
        return self.client.user.id

    # --- what the user sees -----------------------------------------------------------

    def window(self) -> Message:
        """The last message with text: the window on screen."""
        for message in reversed(self.manager.sent_messages):
            if message.text or message.caption:
                return message
        raise AssertionError("the bot has shown nothing yet")

    @property
    def text(self) -> str:
        return self.window().text or ""

    def reply_keyboard(self) -> ReplyKeyboardMarkup | None:
        return self.manager.reply_keyboards.get(self.window().message_id)

    def buttons(self) -> list[str]:
        """Texts of the window's buttons, inline or reply keyboard."""
        markup = self.reply_keyboard() or self.window().reply_markup
        rows = getattr(markup, "inline_keyboard", None) or getattr(markup, "keyboard", [])
        return [button.text for row in rows for button in row]

    def requests(self, kind: type[TelegramMethod[Any]]) -> list[Any]:
        return [request for request in self.telegram.requests if isinstance(request, kind)]

    def answered(self, callback_id: str) -> bool:
        """Answered by aiogram-dialog or by one of our handlers through the Bot API."""
        return callback_id in self.manager.answered_callbacks or any(
            answer.callback_query_id == callback_id for answer in self.requests(AnswerCallbackQuery)
        )

    # --- what the user does -------------------------------------------------------------

    async def send(self, text: str) -> None:
        await self.client.send(text)

    async def tap(self, pattern: str) -> str:
        """Tap the window's button whose text matches; the tap must be answered."""
        callback_id = await self.client.click(self.window(), InlineButtonTextLocator(pattern))
        assert self.answered(callback_id), f"button {pattern!r} left spinning"
        return callback_id

    async def press_reply(self, pattern: str) -> None:
        """Press a reply-keyboard button: its text goes to the chat as a message."""
        texts = self.buttons()
        assert self.reply_keyboard() is not None, "no reply keyboard on screen"
        matching = [text for text in texts if re.match(pattern, text)]
        assert matching, f"no reply button {pattern!r} in {texts}"
        await self.client.send(matching[0])

    async def tap_data(self, data: str, message: Message | None = None) -> str:
        """Send raw callback data, as a forged or very old button would."""
        callback = CallbackQuery(
            id=str(uuid.uuid4()),
            data=data,
            chat_instance="--",
            from_user=self.client.user,
            message=message or self.window(),
        )
        await self.dp.feed_update(
            self.client.bot,
            Update(update_id=self.client._new_update_id(), callback_query=callback),
        )
        assert self.answered(callback.id), f"callback {data!r} left spinning"
        return callback.id

    async def share_contact(self, phone: str, *, owner_id: int | None) -> None:
        await self._send_message(
            contact=Contact(phone_number=phone, first_name="Me", user_id=owner_id)
        )

    async def send_location(self) -> None:
        """Something that is not text: what a window asking for text must still answer."""
        await self._send_message(location=Location(latitude=55.75, longitude=37.62))

    async def _send_message(self, **content: Any) -> None:
        message = Message(
            message_id=self.client._new_message_id(),
            date=datetime(2026, 11, 23, tzinfo=UTC),
            chat=self.client.chat,
            from_user=self.client.user,
            **content,
        )
        await self.dp.feed_update(
            self.client.bot, Update(update_id=self.client._new_update_id(), message=message)
        )

    async def book(self, *, service: str, staff: str, day: int, time: str) -> None:
        """Book from the main menu up to the confirm screen."""
        await self.tap("📅 .*")
        await self.tap(f"{service} · .*")
        await self.tap(staff)
        await self.tap(str(day))
        await self.tap(time)


def button_data(message: Message, pattern: str) -> str:
    """The callback data of a button, to replay or forge it."""
    button: InlineKeyboardButton | None = InlineButtonTextLocator(pattern).find_button(message)
    assert button is not None and button.callback_data
    return button.callback_data


@pytest.fixture
def telegram(clock: FrozenClock) -> StubSession:
    return StubSession(now=clock.now)


@pytest.fixture
def manager() -> ReplyKeyboardMessageManager:
    return ReplyKeyboardMessageManager()


@pytest.fixture(params=["memory", "redis"])
async def dialog_storage(request: pytest.FixtureRequest) -> AsyncIterator[BaseStorage]:
    """Every dialog test runs on both: in memory (JSON round-tripped, as Redis would),
    and on Redis as production keeps dialogs, through `BufferedRedisStorage`. Each
    test has keys of its own, removed after it."""
    if request.param == "memory":
        yield JsonMemoryStorage()
    else:
        async with isolated_redis_storage() as storage:
            yield storage


@pytest.fixture
def dp(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    manager: ReplyKeyboardMessageManager,
    dialog_storage: BaseStorage,
) -> Dispatcher:
    settings = Settings(bot_token=TOKEN, admin_ids=[ADMIN_ID], default_locale="ru")
    dispatcher = create_dispatcher(
        settings,
        sessionmaker,
        storage=dialog_storage,
        clock=clock,
        message_manager=manager,
        # Tests tap at machine speed; throttling has tests of its own.
        throttling=ThrottlingMiddleware(burst=10_000, rate=10_000.0),
    )
    return dispatcher


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await make_world(session, address=ADDRESS, phone=BUSINESS_PHONE)


@pytest.fixture
def chat(dp: Dispatcher, manager: ReplyKeyboardMessageManager, telegram: StubSession) -> Chat:
    return Chat(dp, manager, telegram, user_id=1)


async def client_of(session: AsyncSession, telegram_id: int) -> Client | None:
    session.expire_all()
    return await session.scalar(select(Client).where(Client.telegram_id == telegram_id))


async def bookings_of(session: AsyncSession, client_id: int) -> list[Booking]:
    session.expire_all()
    rows = await session.scalars(
        select(Booking).where(Booking.client_id == client_id).order_by(Booking.id)
    )
    return list(rows)


def plain(text: str) -> str:
    """Text with Babel's narrow no-break spaces made plain, for readable asserts."""
    return re.sub(r"[\u202f\u00a0]", " ", text)
