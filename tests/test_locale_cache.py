"""The client's saved language, cached per dispatcher and forgotten when the client changes."""

from __future__ import annotations

import pytest
from aiogram import Dispatcher
from aiogram_dialog.test_tools import BotClient, MockMessageManager
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage
from sqlalchemy import update

from bot.config import Settings
from bot.factory import create_dispatcher
from bot.middlewares.i18n import CACHE_KEY, I18nMiddleware, LocaleCache
from bot.middlewares.throttling import ThrottlingMiddleware
from db.models import Client
from db.services.clients import erase_client, set_locale, set_phone
from locales import get_translator
from tests.factories import make_client
from tests.statements import recording
from tests.stub_session import StubSession, stub_bot

USER_ID = 4242


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def dp(sessionmaker, clock) -> Dispatcher:
    dispatcher = create_dispatcher(
        Settings(bot_token="123456:" + "A" * 35, default_locale="ru"),
        sessionmaker,
        storage=JsonMemoryStorage(),
        clock=clock,
        message_manager=MockMessageManager(),
        throttling=ThrottlingMiddleware(burst=10_000, rate=10_000.0),
    )
    return dispatcher


def the_cache(dp: Dispatcher) -> LocaleCache:
    middlewares = [dp.update.outer_middleware[i] for i in range(len(dp.update.outer_middleware))]
    return next(m for m in middlewares if isinstance(m, I18nMiddleware)).cache


async def help_language(dp: Dispatcher, telegram: StubSession) -> str:
    """Ask for /help as a user whose Telegram speaks Russian; which language answers?"""
    user = BotClient(dp, user_id=USER_ID, chat_id=USER_ID, bot=stub_bot(telegram))
    user.user = user.user.model_copy(update={"language_code": "ru"})
    await user.send("/help")
    text = telegram.sent_texts(USER_ID)[-1]
    return next(locale for locale in ("en", "ru") if text == get_translator(locale)("help-text"))


async def test_the_saved_choice_is_read_once(dp, session) -> None:
    await make_client(session, telegram_id=USER_ID, locale="en")
    await session.commit()
    telegram = StubSession()
    assert await help_language(dp, telegram) == "en"

    # Another process changes the row behind this one's back: the cache still answers.
    await session.execute(update(Client).values(locale="ru"))
    await session.commit()
    assert await help_language(dp, telegram) == "en"
    assert len(the_cache(dp)) == 1


async def test_changing_the_language_is_seen_at_once(dp, sessionmaker, session) -> None:
    client = await make_client(session, telegram_id=USER_ID, locale="en")
    await session.commit()
    telegram = StubSession()
    assert await help_language(dp, telegram) == "en"

    async with sessionmaker() as changing:
        changing.info[CACHE_KEY] = the_cache(dp)  # as in any update
        await set_locale(changing, await changing.get(Client, client.id), "ru")
        await changing.commit()
    assert await help_language(dp, telegram) == "ru"


async def test_a_rolled_back_change_keeps_the_saved_choice(dp, sessionmaker, session) -> None:
    client = await make_client(session, telegram_id=USER_ID, locale="en")
    await session.commit()
    telegram = StubSession()
    assert await help_language(dp, telegram) == "en"

    async with sessionmaker() as changing:
        changing.info[CACHE_KEY] = the_cache(dp)
        await set_locale(changing, await changing.get(Client, client.id), "ru")
        await changing.flush()
        await changing.rollback()
    assert await help_language(dp, telegram) == "en"


async def test_erased_client_is_forgotten(dp, sessionmaker, session, clock) -> None:
    client = await make_client(session, telegram_id=USER_ID, locale="en")
    await session.commit()
    telegram = StubSession()
    assert await help_language(dp, telegram) == "en"

    async with sessionmaker() as erasing:
        erasing.info[CACHE_KEY] = the_cache(dp)
        await erase_client(erasing, client_id=client.id, now=clock.now())
        await erasing.commit()
    assert await help_language(dp, telegram) == "ru"  # Telegram's language again


async def test_entries_expire_and_memory_is_bounded() -> None:
    ticks = FakeMonotonic()
    cache = LocaleCache(ttl=10.0, max_users=3, clock=ticks)
    loads: list[int] = []

    async def load_for(user_id: int) -> str:
        loads.append(user_id)
        return "en"

    for user_id in range(5):
        await cache.get_or_load(user_id, lambda user_id=user_id: load_for(user_id))
    assert len(cache) == 3
    await cache.get_or_load(4, lambda: load_for(4))
    assert loads == [0, 1, 2, 3, 4]

    ticks.now += 10.0
    await cache.get_or_load(4, lambda: load_for(4))
    assert loads[-1] == 4
    assert len(cache) == 1


async def test_a_load_racing_a_change_is_not_kept() -> None:
    cache = LocaleCache()

    async def load_while_changed() -> str:
        cache.forget([7])  # the language changed while the old value was being read
        return "en"

    assert await cache.get_or_load(7, load_while_changed) == "en"
    assert len(cache) == 0


async def test_a_new_phone_keeps_the_cached_language(dp, sessionmaker, session) -> None:
    client = await make_client(session, telegram_id=USER_ID, locale="en")
    await session.commit()
    assert await help_language(dp, StubSession()) == "en"

    async with sessionmaker() as changing:
        changing.info[CACHE_KEY] = the_cache(dp)
        changed = await changing.get(Client, client.id)
        await set_phone(changing, changed, "+7 900 765-43-21", timezone="Europe/Moscow")
        await changing.commit()
    assert len(the_cache(dp)) == 1


async def test_a_new_client_is_remembered_without_reading_it_back(dp, engine) -> None:
    telegram = StubSession()
    user = BotClient(dp, user_id=USER_ID, chat_id=USER_ID, bot=stub_bot(telegram))
    await user.send("/start")  # registers the client
    with recording(engine) as statements:
        await user.send("/help")
    assert [s for s in statements if "FROM clients" in s] == []
    assert len(the_cache(dp)) == 1


async def test_a_new_users_first_update_looks_for_the_client_once(dp, engine) -> None:
    """The language lookup finds no client; creating one does not ask again."""
    user = BotClient(dp, user_id=USER_ID, chat_id=USER_ID, bot=stub_bot(StubSession()))
    with recording(engine) as statements:
        await user.send("/start")
    assert len([s for s in statements if "FROM clients" in s]) == 1
    assert len([s for s in statements if s.startswith("INSERT INTO clients")]) == 1
