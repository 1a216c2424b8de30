"""Never a dead end: races, stale and forged buttons, stray text, switched-off services."""

from __future__ import annotations

import logging

import pytest
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import Chat as TelegramChat
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.handlers.reminders import ReminderAction, ReminderCallback
from db.models import Service
from locales import get_translator
from tests.conftest import FrozenClock
from tests.dialogs.conftest import TOMORROW, Chat, bookings_of, button_data, client_of
from tests.factories import World, book, local, make_client, switch_off


async def test_a_slot_taken_meanwhile_brings_back_a_fresh_time_grid(
    chat: Chat,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    world: World,
    clock: FrozenClock,
) -> None:
    await make_client(session, name="Ivan", telegram_id=chat.user_id)
    await session.commit()
    await chat.send("/start")
    await chat.book(service="Haircut", staff="Staff 1", day=24, time="10:00")
    assert "Проверьте" in chat.text

    async with sessionmaker() as other:  # another client is quicker
        await book(
            other,
            world,
            client_id=world.other_client_id,
            starts_at=local(TOMORROW, "10:00"),
            now=clock.now(),
        )
        await other.commit()
    await chat.tap("✅ .*")

    assert "только что заняли" in chat.text and "Выберите время" in chat.text
    assert "10:00" not in chat.buttons() and "11:00" in chat.buttons()
    await chat.tap("11:00")
    await chat.tap("✅ .*")
    assert "Вы записаны" in chat.text
    client = await client_of(session, chat.user_id)
    assert client is not None
    (booking,) = await bookings_of(session, client.id)
    assert booking.starts_at == local(TOMORROW, "11:00")


async def test_a_time_tapped_after_it_was_taken_is_refused_on_the_spot(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await chat.send("/start")
    await chat.tap("📅 .*")
    await chat.tap("Haircut · .*")
    await chat.tap("Staff 1")
    await chat.tap("24")
    await book(
        session,
        world,
        client_id=world.other_client_id,
        starts_at=local(TOMORROW, "10:00"),
        now=clock.now(),
    )
    await session.commit()
    await chat.tap("10:00")
    assert "только что заняли" in chat.text and "10:00" not in chat.buttons()


async def test_a_time_too_soon_by_now_says_so(chat: Chat, world: World, clock: FrozenClock) -> None:
    """The client looked at the grid a while: 10:00 is now within the hour the
    business needs before a visit. It was not taken, and the notice says so."""
    await chat.send("/start")
    await chat.tap("📅 .*")
    await chat.tap("Haircut · .*")
    await chat.tap("Staff 1")
    await chat.tap("24")
    clock.set(local(TOMORROW, "09:30"))
    await chat.tap("10:00")
    assert "слишком скоро" in chat.text and "10:00" not in chat.buttons()


async def test_a_forged_time_without_a_zone_is_refused_like_a_taken_one(
    chat: Chat, world: World
) -> None:
    await chat.send("/start")
    for button in ("📅 .*", "Haircut · .*", "Staff 1", "24"):
        await chat.tap(button)
    data = button_data(chat.window(), "10:00")
    assert data.endswith("+00:00")
    await chat.tap_data(data.removesuffix("+00:00"))
    assert "только что заняли" in chat.text and "Выберите время" in chat.text


async def test_a_button_from_an_old_message_leads_to_the_menu(chat: Chat, world: World) -> None:
    await chat.send("/start")
    old_menu = chat.window()
    await chat.tap("📅 .*")
    await chat.send("/start")  # a new stack: the old menu's dialog is gone
    callback_id = await chat.tap_data(button_data(old_menu, "📅 .*"), old_menu)

    (answer,) = [
        a for a in chat.requests(AnswerCallbackQuery) if a.callback_query_id == callback_id
    ]
    assert answer.text == "Эта кнопка устарела. Вот главное меню."
    assert "Здравствуйте" in chat.text


async def test_forged_callback_data_is_answered_and_harmless(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    someone = await make_client(session, name="Maria", telegram_id=777)
    theirs = await book(
        session, world, client_id=someone.id, starts_at=local(TOMORROW, "10:00"), now=clock.now()
    )
    theirs_id = theirs.id
    await session.commit()
    await chat.send("/start")
    await chat.tap_data("garbage")
    assert "Здравствуйте" in chat.text

    await chat.tap("🗂 .*")
    intent = button_data(chat.window(), "🕘 .*").split("\x1d")[0]
    for forged in (f"booking:{theirs_id}", "booking:abc", "booking:-1", "nothing:here"):
        await chat.tap_data(f"{intent}\x1d{forged}")
        assert "Staff 1" not in chat.text
    await chat.tap_data(f"{intent}\x1dbooking:{theirs_id}")
    assert "не ваша" in chat.text.lower() or "не можете" in chat.text.lower()


async def test_forged_ids_too_large_for_the_database_are_refused_like_unknown_ones(
    chat: Chat, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Ids are 32-bit on PostgreSQL, 64-bit on SQLite: a larger one made the query
    itself fail, logged as unhandled, and the client got "something went wrong"."""
    await chat.send(f"/start service_{2**31}")  # a link to no service: the menu
    await chat.tap("🗂 .*")
    intent = button_data(chat.window(), "🕘 .*").split("\x1d")[0]
    await chat.tap_data(f"{intent}\x1dbooking:{2**31}")
    assert "Этой записи больше нет" in chat.text
    for forged in (  # the reminder's, feedback's and staff's buttons
        f"rmd:come:{2**31}",
        f"rmd:move:{10**20}",
        f"fbk:{10**20}:5",
        f"bkd:yes:{2**31}",
    ):
        await chat.tap_data(forged)

    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    apology = get_translator("ru")("error-generic")
    assert not [a for a in chat.requests(AnswerCallbackQuery) if a.text == apology]


async def test_text_where_a_button_is_expected_gets_a_hint(chat: Chat, world: World) -> None:
    await chat.send("/start")
    await chat.tap("📅 .*")
    await chat.send("haircut please")
    assert "воспользуйтесь кнопками" in chat.text and "Выберите услугу" in chat.text


async def test_an_unknown_command_gets_help(chat: Chat, world: World) -> None:
    await chat.send("/start")
    await chat.tap("📅 .*")
    await chat.send("/whatever")
    assert "не знаю такой команды" in chat.text


async def test_cancel_leaves_any_flow(chat: Chat, world: World) -> None:
    await chat.send("/start")
    await chat.book(service="Haircut", staff="Staff 1", day=24, time="10:00")
    await chat.send("/cancel")
    assert "Отменено" in chat.text and "Здравствуйте" in chat.text


async def test_a_service_switched_off_mid_flow_goes_back_to_the_choice(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    await chat.send("/start")
    await chat.tap("📅 .*")
    await chat.tap("Haircut · .*")
    await chat.tap("Staff 1")
    await switch_off(session, Service, world.service_id)
    await chat.tap("24")

    assert "больше недоступны" in chat.text and "Выберите услугу" in chat.text
    assert not any(button.startswith("Haircut") for button in chat.buttons())


async def test_back_from_a_reminders_reschedule_opened_over_nothing_shows_the_booking(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    """After a restart (dialogs in memory) the reminder's Reschedule opens the
    calendar over no other dialog: Back must still lead somewhere."""
    client = await make_client(session, name="Ivan", telegram_id=chat.user_id)
    booking = await book(
        session, world, client_id=client.id, starts_at=local(TOMORROW, "10:00"), now=clock.now()
    )
    await session.commit()
    reminder = Message(
        message_id=500,
        date=clock.now(),
        chat=TelegramChat(id=chat.user_id, type="private"),
        text="⏰ Напоминание",
    )
    reschedule = ReminderCallback(action=ReminderAction.RESCHEDULE, booking_id=booking.id)
    await chat.tap_data(reschedule.pack(), reminder)
    assert "Выберите день" in chat.text

    await chat.tap("‹ .*")

    assert "Haircut" in chat.text and "🔁 Перенести" in chat.buttons()  # the booking's details


@pytest.mark.parametrize("forged_day", ["2026-11-20", "2027-11-24"], ids=["past", "beyond_horizon"])
async def test_a_forged_day_outside_the_bookable_days_cannot_be_booked(
    chat: Chat, world: World, forged_day: str
) -> None:
    """Not "just filled up": a past day, or one beyond the horizon, was never bookable."""
    await chat.send("/start")
    for button in ("📅 .*", "Haircut · .*", "Staff 1"):
        await chat.tap(button)
    data = button_data(chat.window(), "24")
    assert data.endswith(TOMORROW.isoformat())
    await chat.tap_data(data.removesuffix(TOMORROW.isoformat()) + forged_day)

    assert "записаться нельзя" in chat.text and "только что заняли" not in chat.text
    assert "Выберите день" in chat.text and "24" in chat.buttons()


async def test_a_day_that_passed_while_the_calendar_was_open_cannot_be_booked(
    chat: Chat, world: World, clock: FrozenClock
) -> None:
    await chat.send("/start")
    for button in ("📅 .*", "Haircut · .*", "Staff 1"):
        await chat.tap(button)
    clock.set(local(TOMORROW, "00:30"))  # the calendar was shown yesterday
    await chat.tap("23")

    assert "записаться нельзя" in chat.text and "только что заняли" not in chat.text
