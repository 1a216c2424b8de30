"""The throttle's notice speaks the client's saved language, not Telegram's, without
asking the database (throttling runs before the session exists)."""

from __future__ import annotations

import pytest
from aiogram import Dispatcher
from aiogram_dialog.test_tools import MockMessageManager
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.factory import create_dispatcher
from bot.middlewares.throttling import ThrottlingMiddleware
from locales import get_translator
from tests.conftest import FakeMonotonic, FrozenClock
from tests.factories import make_client
from tests.stub_session import StubSession
from tests.test_throttling import BURST, RATE, client

SLOW_DOWN = {locale: get_translator(locale)("throttle-slow-down") for locale in ("ru", "en")}


@pytest.fixture
def telegram() -> StubSession:
    return StubSession()


@pytest.fixture
def dp(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Dispatcher:
    return create_dispatcher(
        Settings(bot_token="123456:" + "A" * 35, default_locale="ru"),
        sessionmaker,
        storage=JsonMemoryStorage(),
        clock=clock,
        message_manager=MockMessageManager(),
        throttling=ThrottlingMiddleware(burst=BURST, rate=RATE, clock=FakeMonotonic()),
    )


async def test_a_client_who_chose_english_is_told_in_english(
    dp: Dispatcher, telegram: StubSession, session: AsyncSession
) -> None:
    await make_client(session, telegram_id=10, locale="en")
    await session.commit()
    flooder = client(dp, telegram, user_id=10, language="ru")
    for _ in range(BURST + 3):
        await flooder.send("/help")

    assert telegram.sent_texts(10)[-1] == SLOW_DOWN["en"]
