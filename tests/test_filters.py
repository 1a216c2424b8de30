"""Filters: every one the dispatcher runs is a coroutine, none reads aiogram's FSM
state, and ours decide right.

aiogram sends a filter that is not a coroutine (a magic `F` filter, a lambda, the
`content_types` check of aiogram-dialog's `MessageInput`) to a worker thread for
every message it is asked about; see `bot/filters.py`. The FSM state is not read
for updates at all (`bot/middlewares/dialog_storage.py`), so a filter on it would
never match.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.filters import StateFilter
from aiogram.fsm.state import State
from aiogram.types import Chat, Contact, Message, User
from aiogram_dialog import Dialog

from bot.config import Settings
from bot.factory import create_dispatcher
from bot.filters import AnyCommand, PlainText, PrivateChat, SharedContact
from bot.handlers.feedback import ASK_COMMENT_KEY, ReplyToCommentQuestion
from bot.storage import create_storage
from db.engine import create_engine, create_sessionmaker
from locales import get_translator

TOKEN = "123456:" + "A" * 35
ME = User(id=42, is_bot=False, first_name="Anna")
BOT = User(id=1, is_bot=True, first_name="Zapis")


def _filters_of_input(widget: Any) -> Iterator[FilterObject]:
    """A window's message inputs: `CombinedInput` holds the `MessageInput`s."""
    if widget is None:
        return
    yield from getattr(widget, "filters", [])
    for inner in getattr(widget, "inputs", ()):
        yield from _filters_of_input(inner)


def _with_operands(filter_object: FilterObject) -> Iterator[FilterObject]:
    """A filter and, for aiogram's `~`, `and_f`, `or_f`, the filters inside it."""
    yield filter_object
    callback = filter_object.callback
    inner = getattr(callback, "targets", None) or [getattr(callback, "target", None)]
    for target in filter(None, inner):
        yield from _with_operands(target)


# aiogram-dialog's handler of its own background updates filters on `State("*")`,
# which is sync; the bot never starts a background update (`manager.bg()`).
BACKGROUND_UPDATES = "aiogd_update"


def dispatcher_filters(router: Router) -> Iterator[tuple[str, FilterObject]]:
    """(where, filter) for every filter of the router and everything under it."""
    for name, observer in router.observers.items():
        if name == BACKGROUND_UPDATES:
            continue
        where = f"{router.name}.{name}"
        for root in observer._handler.filters or []:
            yield from ((where, each) for each in _with_operands(root))
        for handler in observer.handlers:
            for handler_filter in handler.filters or []:
                yield from ((where, each) for each in _with_operands(handler_filter))
    if isinstance(router, Dialog):
        for state, window in router.windows.items():
            for window_filter in _filters_of_input(window.on_message):
                yield from ((str(state), each) for each in _with_operands(window_filter))
    for child in router.sub_routers:
        yield from dispatcher_filters(child)


@pytest.fixture(scope="module")
def found() -> list[tuple[str, FilterObject]]:
    settings = Settings(bot_token=TOKEN)
    never_connected = create_sessionmaker(create_engine("sqlite+aiosqlite:///:memory:"))
    dp = create_dispatcher(settings, never_connected, storage=create_storage(settings))
    return list(dispatcher_filters(dp))


def test_every_filter_of_the_dispatcher_is_a_coroutine(
    found: list[tuple[str, FilterObject]],
) -> None:
    run_in_a_thread = [f"{where}: {each.callback!r}" for where, each in found if not each.awaitable]
    assert run_in_a_thread == []
    # The walk reached the dialogs' inputs, not only the routers' own filters.
    assert any(isinstance(each.callback, SharedContact) for _, each in found)


def test_no_filter_reads_the_fsm_state(found: list[tuple[str, FilterObject]]) -> None:
    on_state = [
        f"{where}: {each.callback!r}"
        for where, each in found
        if isinstance(each.callback, State | StateFilter)
    ]
    assert on_state == []


def message(
    *,
    chat_type: str = "private",
    reply_to: Message | None = None,
    **content: Any,
) -> Message:
    return Message(
        message_id=1,
        date=datetime(2026, 11, 23, tzinfo=UTC),
        chat=Chat(id=ME.id, type=chat_type),
        from_user=ME,
        reply_to_message=reply_to,
        **content,
    )


@pytest.mark.parametrize(
    ("chat_type", "expected"),
    [("private", True), ("group", False), ("supergroup", False), ("channel", False)],
)
async def test_private_chat(chat_type: str, expected: bool) -> None:
    assert await PrivateChat()(message(chat_type=chat_type, text="hi")) is expected


@pytest.mark.parametrize(
    ("content", "command", "plain"),
    [
        ({"text": "/start"}, True, False),
        ({"text": "/"}, True, False),
        ({"text": "Anna Petrova"}, False, True),
        ({"text": "+7 900 123-45-67"}, False, True),
        ({"text": " /start"}, False, True),  # a slash not first: typed text, not a command
        ({"contact": Contact(phone_number="+79001234567", first_name="Anna")}, False, False),
    ],
)
async def test_commands_and_plain_text(content: dict[str, Any], command: bool, plain: bool) -> None:
    sent = message(**content)
    assert await AnyCommand()(sent) is command
    assert await PlainText()(sent) is plain


async def test_shared_contact() -> None:
    contact = Contact(phone_number="+79001234567", first_name="Anna", user_id=ME.id)
    assert await SharedContact()(message(contact=contact)) is True
    assert await SharedContact()(message(text="+79001234567")) is False


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_a_reply_to_the_comment_question_in_either_language(locale: str) -> None:
    question = get_translator(locale)(ASK_COMMENT_KEY)
    asked = message(text=question).model_copy(update={"from_user": BOT})
    assert await ReplyToCommentQuestion()(message(text="Great", reply_to=asked)) is True


async def test_other_replies_are_not_comments() -> None:
    question = get_translator("en")(ASK_COMMENT_KEY)
    by_a_person = message(text=question)  # the client quoting the question themselves
    other_bot_text = message(text="Your booking is confirmed").model_copy(update={"from_user": BOT})
    comment = ReplyToCommentQuestion()
    assert await comment(message(text="Great")) is False
    assert await comment(message(text="Great", reply_to=by_a_person)) is False
    assert await comment(message(text="Great", reply_to=other_bot_text)) is False
