"""About and contacts, the language switch, and the client's own data."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiogram.methods import DeleteMyCommands, SendVenue, SetMyCommands, TelegramMethod
from aiogram.types import BotCommandScopeChat
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BookingStatus, BusinessSettings, Client
from tests.conftest import FrozenClock
from tests.dialogs.conftest import ADDRESS, TOMORROW, Chat, bookings_of, client_of
from tests.factories import World, book, local, make_client
from tests.stub_session import Failure


async def test_about_shows_contacts_hours_and_the_venue(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    business = await session.get(BusinessSettings, 1)
    assert business is not None
    business.latitude, business.longitude = 55.7575, 37.6136
    await session.commit()
    await chat.send("/start")
    await chat.tap("ℹ️ .*")
    assert ADDRESS in chat.text and "пн: 10:00–19:00" in chat.text
    await chat.tap("🗺 .*")

    (venue,) = chat.requests(SendVenue)
    assert (venue.latitude, venue.longitude) == (55.7575, 37.6136)
    assert venue.address == ADDRESS
    assert ADDRESS in chat.text  # the page is shown again below the map


async def test_the_language_switch_is_remembered(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    await chat.send("/start")
    await chat.tap("🌐 .*")
    await chat.tap("English")
    assert "I will speak English" in chat.text and "📅 Book" in chat.buttons()
    await chat.send("/start")
    assert "Hello" in chat.text
    client = await client_of(session, chat.user_id)
    assert client is not None and client.locale == "en"


def chat_commands(chat: Chat) -> list[tuple[str, list[str]]]:
    """The command menus set for this chat alone: (language asked for, descriptions)."""
    return [
        (request.language_code or "", [command.description for command in request.commands])
        for request in chat.requests(SetMyCommands)
        if request.scope == BotCommandScopeChat(chat_id=chat.user_id)
    ]


async def test_the_language_switch_sets_the_command_menu_of_the_chat(
    chat: Chat, world: World
) -> None:
    """The menu of commands by the message field speaks the language chosen, whatever
    the language of the client's Telegram."""
    await chat.send("/start")
    await chat.tap("🌐 .*")
    await chat.tap("English")
    assert chat_commands(chat) == [
        ("", ["Main menu", "What this bot can do", "Leave the current step"])
    ]

    await chat.tap("🌐 .*")
    await chat.tap("Русский")
    assert chat_commands(chat)[1:] == [
        ("", ["Главное меню", "Что умеет бот", "Прервать текущее действие"])
    ]


# Telegram refusing: with an error, or with a flood wait.
refusals = pytest.mark.parametrize(
    "failure", [Failure.server(), Failure.flood(retry_after=5)], ids=["error", "flood"]
)


def refuse(chat: Chat, kind: type[TelegramMethod[Any]], failure: Failure) -> None:
    """Telegram answers every `kind` request with `failure`, the others as usual."""

    def failure_for(method: TelegramMethod[Any]) -> Failure | None:
        return failure if isinstance(method, kind) else None

    chat.telegram.failure_for = failure_for  # type: ignore[method-assign]


@refusals
async def test_a_command_menu_telegram_refuses_does_not_stop_the_language_switch(
    chat: Chat,
    session: AsyncSession,
    world: World,
    caplog: pytest.LogCaptureFixture,
    failure: Failure,
) -> None:
    refuse(chat, SetMyCommands, failure)
    await chat.send("/start")
    await chat.tap("🌐 .*")
    with caplog.at_level(logging.WARNING):
        await chat.tap("English")

    assert chat.requests(SetMyCommands)  # asked, and refused
    assert "I will speak English" in chat.text and "📅 Book" in chat.buttons()
    client = await client_of(session, chat.user_id)
    assert client is not None and client.locale == "en"
    assert any("command" in record.getMessage() for record in caplog.records)


def chat_menu_resets(chat: Chat) -> list[DeleteMyCommands]:
    return [
        request
        for request in chat.requests(DeleteMyCommands)
        if request.scope == BotCommandScopeChat(chat_id=chat.user_id) and not request.language_code
    ]


async def test_erasing_their_data_drops_the_command_menu_their_language_set(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    """The chat's own menu is the language they chose: nothing of theirs stays behind."""
    await chat.send("/start")
    await chat.tap("🌐 .*")
    await chat.tap("English")
    assert chat_commands(chat) and not chat_menu_resets(chat)
    await chat.tap("🔒 .*")
    await chat.tap("🗑 .*")
    await chat.tap("Yes, delete")

    assert "Your data is deleted" in chat.text
    assert len(chat_menu_resets(chat)) == 1
    assert await client_of(session, chat.user_id) is None


@refusals
async def test_a_command_menu_reset_telegram_refuses_does_not_stop_the_erasure(
    chat: Chat,
    session: AsyncSession,
    world: World,
    caplog: pytest.LogCaptureFixture,
    failure: Failure,
) -> None:
    refuse(chat, DeleteMyCommands, failure)
    await chat.send("/start")
    await chat.tap("🔒 .*")
    await chat.tap("🗑 .*")
    with caplog.at_level(logging.WARNING):
        await chat.tap("Да, удалить")

    assert chat_menu_resets(chat)  # asked, and refused
    assert "Ваши данные удалены" in chat.text
    assert await client_of(session, chat.user_id) is None
    assert any(
        "commands of chat" in record.getMessage() and record.levelno == logging.WARNING
        for record in caplog.records
    )


async def test_a_client_sees_and_erases_their_data(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    client = await make_client(
        session, name="Ivan Petrov", telegram_id=chat.user_id, phone="+79161234567"
    )
    past = await book(
        session, world, client_id=client.id, starts_at=local(TOMORROW, "10:00"), now=clock.now()
    )
    upcoming = await book(
        session,
        world,
        client_id=client.id,
        starts_at=local(TOMORROW.replace(day=28), "10:00"),
        now=clock.now(),
    )
    client_id, past_id, upcoming_id = client.id, past.id, upcoming.id
    client_created = client.created_at
    await session.commit()
    clock.set(local(TOMORROW.replace(day=25), "12:00"))

    await chat.send("/start")
    await chat.tap("🔒 .*")
    assert "Ivan Petrov" in chat.text and "+79161234567" in chat.text
    since = next(line for line in chat.text.splitlines() if line.startswith("С нами с:"))
    assert since.endswith(str(client_created.year))  # a client of years ago sees the year
    await chat.tap("🗑 .*")
    assert "1 предстоящая запись будет отменена" in chat.text
    await chat.tap("Да, удалить")
    assert "Ваши данные удалены, 1 запись отменена" in chat.text

    assert await client_of(session, chat.user_id) is None
    erased = await session.scalar(select(Client).where(Client.id == client_id))
    assert erased is not None and erased.anonymized_at is not None
    assert (erased.name, erased.phone, erased.telegram_id) == (None, None, None)
    statuses = {b.id: b.status for b in await bookings_of(session, client_id)}
    assert statuses == {past_id: BookingStatus.CONFIRMED, upcoming_id: BookingStatus.CANCELLED}
