"""Per-user throttling through the real dispatcher, with a stub Telegram and a fake clock."""

from __future__ import annotations

import uuid

import pytest
from aiogram import Dispatcher
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import CallbackQuery, Update
from aiogram_dialog.test_tools import BotClient, MockMessageManager
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage

from bot.config import Settings
from bot.factory import create_dispatcher
from bot.middlewares.throttling import ThrottlingMiddleware, TokenBuckets, Verdict
from locales import get_translator
from tests.conftest import FakeMonotonic
from tests.stub_session import StubSession, stub_bot

BURST = 4
RATE = 2.0


@pytest.fixture
def ticks() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def telegram() -> StubSession:
    return StubSession()


@pytest.fixture
def dp(sessionmaker, clock, ticks: FakeMonotonic) -> Dispatcher:
    settings = Settings(bot_token="123456:" + "A" * 35, default_locale="ru")
    dispatcher = create_dispatcher(
        settings,
        sessionmaker,
        storage=JsonMemoryStorage(),
        clock=clock,
        message_manager=MockMessageManager(),
        throttling=ThrottlingMiddleware(burst=BURST, rate=RATE, clock=ticks),
    )
    return dispatcher


def client(dp: Dispatcher, telegram: StubSession, user_id: int, language: str) -> BotClient:
    bot_client = BotClient(dp, user_id=user_id, chat_id=user_id, bot=stub_bot(telegram))
    bot_client.user = bot_client.user.model_copy(update={"language_code": language})
    return bot_client


async def press(bot_client: BotClient) -> str:
    """A button press on a message the bot no longer knows (the handlers answer it)."""
    query_id = str(uuid.uuid4())
    callback = CallbackQuery(
        id=query_id, from_user=bot_client.user, chat_instance="--", data="stale"
    )
    update = Update(update_id=bot_client._new_update_id(), callback_query=callback)
    await bot_client.dp.feed_update(bot_client.bot, update)
    return query_id


async def test_a_flood_gets_one_notice_and_the_rest_is_dropped(dp, telegram) -> None:
    flooder = client(dp, telegram, user_id=10, language="en")
    for _ in range(BURST + 10):
        await flooder.send("/help")

    answers = telegram.sent_texts(10)
    help_text = get_translator("en")("help-text")
    notice = get_translator("en")("throttle-slow-down")
    assert answers == [help_text] * BURST + [notice]


async def test_other_users_are_not_affected(dp, telegram) -> None:
    flooder = client(dp, telegram, user_id=10, language="en")
    for _ in range(BURST + 5):
        await flooder.send("/help")
    bystander = client(dp, telegram, user_id=20, language="ru")
    await bystander.send("/help")

    assert telegram.sent_texts(20) == [get_translator("ru")("help-text")]


async def test_after_the_window_the_user_is_served_again(dp, telegram, ticks) -> None:
    flooder = client(dp, telegram, user_id=10, language="en")
    for _ in range(BURST + 3):
        await flooder.send("/help")
    ticks.now += 0.4  # less than one token back: still dropped, no second notice
    await flooder.send("/help")
    ticks.now += BURST / RATE
    for _ in range(BURST + 3):
        await flooder.send("/help")

    help_text = get_translator("en")("help-text")
    notice = get_translator("en")("throttle-slow-down")
    assert telegram.sent_texts(10) == [help_text] * BURST + [notice] + [help_text] * BURST + [
        notice
    ]


async def test_dropped_button_presses_are_still_answered_silently(dp, telegram) -> None:
    flooder = client(dp, telegram, user_id=10, language="ru")
    for _ in range(BURST):
        await flooder.send("/help")
    warned = await press(flooder)
    dropped = [await press(flooder) for _ in range(3)]

    answers = {
        call.callback_query_id: call.text
        for call in telegram.requests
        if isinstance(call, AnswerCallbackQuery)
    }
    assert answers[warned] == get_translator("ru")("throttle-slow-down")
    assert [answers[query_id] for query_id in dropped] == [None, None, None]
    assert telegram.sent_texts(10) == [get_translator("ru")("help-text")] * BURST


def test_stale_buckets_are_forgotten() -> None:
    ticks = FakeMonotonic()
    buckets = TokenBuckets(burst=2, rate=1.0, clock=ticks, max_keys=1_000)
    for user_id in range(100):
        assert buckets.take(user_id) is Verdict.ALLOW
    assert len(buckets) == 100
    ticks.now += 2.0  # every bucket has refilled completely
    assert buckets.take(1_000) is Verdict.ALLOW
    assert len(buckets) == 1


def test_memory_is_capped_even_inside_one_window() -> None:
    buckets = TokenBuckets(burst=2, rate=1.0, clock=FakeMonotonic(), max_keys=10)
    for user_id in range(100):
        buckets.take(user_id)
    assert len(buckets) == 10


def test_a_recently_seen_flooder_is_remembered() -> None:
    ticks = FakeMonotonic()
    buckets = TokenBuckets(burst=2, rate=1.0, clock=ticks)
    verdicts = [buckets.take(7) for _ in range(4)]
    ticks.now += 0.5
    buckets.take(8)
    assert verdicts == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN, Verdict.DROP]
    assert buckets.take(7) is Verdict.DROP
