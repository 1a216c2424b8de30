"""The client rows kept in memory per engine, and forgotten when a client changes."""

from __future__ import annotations

import pytest
from aiogram import Dispatcher
from aiogram_dialog.test_tools import BotClient, MockMessageManager
from aiogram_dialog.test_tools.keyboard import InlineButtonTextLocator
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.config import Settings
from bot.factory import create_dispatcher
from bot.middlewares.throttling import ThrottlingMiddleware
from db.engine import create_engine
from db.models import Client
from db.services.client_cache import UNKNOWN, ClientCache, client_cache
from db.services.clients import erase_client, get_client, set_locale, set_phone
from db.services.outbox import drop_chat
from locales import get_translator
from tests.conftest import FakeMonotonic
from tests.factories import make_client
from tests.statements import recording
from tests.stub_session import StubSession, stub_bot

USER_ID = 4242


@pytest.fixture
def screens() -> MockMessageManager:
    return MockMessageManager()


@pytest.fixture
def dp(sessionmaker, clock, screens) -> Dispatcher:
    dispatcher = create_dispatcher(
        Settings(bot_token="123456:" + "A" * 35, default_locale="ru"),
        sessionmaker,
        storage=JsonMemoryStorage(),
        clock=clock,
        message_manager=screens,
        throttling=ThrottlingMiddleware(burst=10_000, rate=10_000.0),
    )
    return dispatcher


def a_user(dp: Dispatcher, telegram: StubSession) -> BotClient:
    """A user whose Telegram speaks Russian."""
    user = BotClient(dp, user_id=USER_ID, chat_id=USER_ID, bot=stub_bot(telegram))
    user.user = user.user.model_copy(update={"language_code": "ru"})
    return user


async def help_language(dp: Dispatcher, telegram: StubSession) -> str:
    """Ask for /help as a user whose Telegram speaks Russian; which language answers?"""
    await a_user(dp, telegram).send("/help")
    text = telegram.sent_texts(USER_ID)[-1]
    return next(locale for locale in ("en", "ru") if text == get_translator(locale)("help-text"))


async def test_the_saved_choice_is_read_once(dp, engine, database_url, session) -> None:
    await make_client(session, telegram_id=USER_ID, locale="en")
    await session.commit()
    telegram = StubSession()
    assert await help_language(dp, telegram) == "en"

    # Another process changes the row behind this one's back: the cache still answers.
    other_process = create_engine(database_url)
    try:
        async with other_process.begin() as connection:
            await connection.execute(update(Client).values(locale="ru"))
    finally:
        await other_process.dispose()
    with recording(engine) as statements:
        assert await help_language(dp, telegram) == "en"
    assert statements == []


async def test_changing_the_language_is_seen_at_once(dp, sessionmaker, session) -> None:
    client = await make_client(session, telegram_id=USER_ID, locale="en")
    await session.commit()
    telegram = StubSession()
    assert await help_language(dp, telegram) == "en"

    async with sessionmaker() as changing:  # any session of the engine: no update's needed
        await set_locale(changing, await changing.get(Client, client.id), "ru")
        await changing.commit()
    assert await help_language(dp, telegram) == "ru"


async def test_a_rolled_back_change_keeps_the_saved_choice(dp, sessionmaker, session) -> None:
    client = await make_client(session, telegram_id=USER_ID, locale="en")
    await session.commit()
    telegram = StubSession()
    assert await help_language(dp, telegram) == "en"

    async with sessionmaker() as changing:
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
        await erase_client(erasing, client_id=client.id, now=clock.now())
        await erasing.commit()
    assert await help_language(dp, telegram) == "ru"  # Telegram's language again


async def test_a_new_phone_is_the_one_kept(dp, engine, sessionmaker, session) -> None:
    """The committed row replaces the cached one: the next tap reads no client."""
    client = await make_client(session, telegram_id=USER_ID, locale="en")
    await session.commit()
    assert await help_language(dp, StubSession()) == "en"

    async with sessionmaker() as changing:
        changed = await changing.get(Client, client.id)
        await set_phone(changing, changed, "+7 900 765-43-21", timezone="Europe/Moscow")
        await changing.commit()
    with recording(engine) as statements:
        async with sessionmaker() as reading:
            found = await get_client(reading, USER_ID)
    assert statements == []
    assert found is not None and found.phone == "+79007654321"


async def test_a_client_marked_in_bulk_is_read_again(dp, engine, sessionmaker, session) -> None:
    """The outbox marks a client who blocked the bot with one UPDATE of the table; the
    client's next tap must see the mark, to lift it (else no confirmation reaches them)."""
    await make_client(session, telegram_id=USER_ID, locale="en")
    await session.commit()
    telegram = StubSession()
    assert await help_language(dp, telegram) == "en"  # the client is cached, not blocked

    async with sessionmaker() as outbox:
        await drop_chat(outbox, 0, chat_id=USER_ID, error="Forbidden: bot was blocked")
        await outbox.commit()
    await a_user(dp, telegram).send("/start")
    async with sessionmaker() as reading:
        blocked = await reading.scalar(
            select(Client.blocked_bot).where(Client.telegram_id == USER_ID)
        )
    assert blocked is False


async def test_a_commit_that_expires_the_row_keeps_no_stale_one(dp, engine, session) -> None:
    """Whether or not a session expires its objects at commit, what is kept after it
    is the committed row, never the old one nor "no such client"."""
    client = await make_client(session, telegram_id=USER_ID, locale="en")
    await session.commit()
    assert await help_language(dp, StubSession()) == "en"

    expiring = async_sessionmaker(engine, expire_on_commit=True)
    async with expiring() as changing:
        await set_locale(changing, await changing.get(Client, client.id), "ru")
        await changing.commit()
    kept = client_cache(engine).lookup(USER_ID)
    assert kept is UNKNOWN or (isinstance(kept, dict) and kept["locale"] == "ru")
    assert await help_language(dp, StubSession()) == "ru"


async def test_a_write_on_a_row_gone_behind_the_cache_reads_it_afresh_next(
    dp, engine, database_url, sessionmaker, session
) -> None:
    """The row was deleted by another process: the write fails once, and the user's
    next update finds no client instead of failing again until the entry expires."""
    await make_client(session, telegram_id=USER_ID, locale="en")
    await session.commit()
    assert await help_language(dp, StubSession()) == "en"
    other_process = create_engine(database_url)
    try:
        async with other_process.begin() as connection:
            await connection.execute(delete(Client))
    finally:
        await other_process.dispose()

    async with sessionmaker() as writing:
        client = await get_client(writing, USER_ID)
        assert client is not None
        with pytest.raises(StaleDataError):
            await set_locale(writing, client, "ru")
        await writing.rollback()
    async with sessionmaker() as reading:
        assert await get_client(reading, USER_ID) is None


async def test_a_cached_client_is_the_one_the_session_has(dp, sessionmaker, session) -> None:
    client = await make_client(session, telegram_id=USER_ID, locale="en")
    await session.commit()
    assert await help_language(dp, StubSession()) == "en"

    async with sessionmaker() as reading:
        loaded = await reading.get(Client, client.id)
        assert await get_client(reading, USER_ID) is loaded


async def test_a_new_client_is_remembered_without_reading_it_back(dp, engine, screens) -> None:
    """Neither the language nor a screen that needs the client reads it back."""
    user = a_user(dp, StubSession())
    i18n = get_translator("ru")
    await user.send("/start")  # registers the client
    with recording(engine) as statements:
        await user.send("/help")
        await user.click(screens.last_message(), InlineButtonTextLocator(i18n("menu-my-bookings")))
    assert [s for s in statements if "FROM clients" in s] == []
    assert screens.last_message().text.startswith(i18n("my-bookings-upcoming", count=0))


async def test_a_new_users_first_update_looks_for_the_client_once(dp, engine) -> None:
    """The language lookup finds no client; creating one does not ask again."""
    user = BotClient(dp, user_id=USER_ID, chat_id=USER_ID, bot=stub_bot(StubSession()))
    with recording(engine) as statements:
        await user.send("/start")
    assert len([s for s in statements if "FROM clients" in s]) == 1
    assert len([s for s in statements if s.startswith("INSERT INTO clients")]) == 1


async def test_entries_expire_and_memory_is_bounded() -> None:
    ticks = FakeMonotonic()
    cache = ClientCache(ttl=10.0, max_users=3, clock=ticks)
    for user_id in range(5):
        cache.store(user_id, None, cache.generation)
    assert len(cache) == 3
    assert [cache.lookup(user_id) for user_id in (1, 2, 4)] == [UNKNOWN, None, None]

    ticks.now += 10.0
    assert cache.lookup(4) is UNKNOWN
    cache.store(7, None, cache.generation)
    assert len(cache) == 1


async def test_a_load_racing_a_change_is_not_kept() -> None:
    cache = ClientCache()
    generation = cache.generation  # a load begins...
    cache.forget([7])  # ...the client changes while the old row is being read...
    cache.store(7, None, generation)  # ...and what it read is not kept
    assert cache.lookup(7) is UNKNOWN
