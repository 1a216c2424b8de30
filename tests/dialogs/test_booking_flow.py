"""Booking from /start to the done screen, through the real dispatcher."""

from __future__ import annotations

import pytest
from aiogram.methods import SendDocument
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from db.models import Staff
from tests.dialogs.conftest import TOMORROW, Chat, bookings_of, client_of, plain
from tests.factories import (
    DAY_WITH_LUNCH,
    World,
    local,
    make_client,
    make_service,
    make_staff,
    switch_off,
)
from tests.statements import recording

LANGUAGES = {
    "ru": {
        "greeting": "Здравствуйте",
        "slot": "10:00",
        "confirm": "✅ Подтвердить",
        "done": "Вы записаны",
        "when": "вторник, 24 ноября, 10:00",
        "price": "1 500 ₽",
    },
    "en": {
        "greeting": "Hello",
        "slot": "10:00.AM",
        "confirm": "✅ Confirm",
        "done": "You are booked",
        "when": "Tuesday, 24 November, 10:00 AM",
        "price": "₽1,500",
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_new_client_books_in_their_language(
    chat: Chat,
    session: AsyncSession,
    world: World,
    language: str,
) -> None:
    expected = LANGUAGES[language]
    chat.client.user = chat.client.user.model_copy(update={"language_code": language})
    await chat.send("/start")
    assert expected["greeting"] in chat.text and "Zapis" in chat.text

    await chat.book(service="Haircut", staff="Staff 1", day=24, time=expected["slot"])
    assert chat.reply_keyboard() is not None  # the share-contact keyboard
    await chat.send("8 916 123-45-67")

    text = plain(chat.text)
    assert "Haircut" in text and "Staff 1" in text
    assert expected["when"] in text and expected["price"] in text
    assert "Tverskaya 1" in text
    await chat.tap(expected["confirm"])

    assert expected["done"] in chat.text
    client = await client_of(session, chat.user_id)
    assert client is not None and client.phone == "+79161234567" and client.locale == language
    (booking,) = await bookings_of(session, client.id)
    assert booking.starts_at == local(TOMORROW, "10:00")
    assert booking.staff_id == world.staff_ids[0]
    (document,) = chat.requests(SendDocument)
    assert document.chat_id == chat.user_id
    assert document.document.filename.endswith(".ics")
    assert b"BEGIN:VEVENT" in document.document.data


async def test_any_available_staff_member_gets_the_booking(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    await chat.send("/start")
    await chat.tap("📅 .*")
    await chat.tap("Haircut · .*")
    await chat.tap("Любой свободный мастер")
    assert "Haircut, любой свободный мастер. Выберите день" in chat.text
    await chat.tap("24")
    assert "Вторник, 24 ноября:" in chat.text
    await chat.tap("15:00")
    await chat.send("+7 916 123-45-67")
    await chat.tap("✅ .*")

    client = await client_of(session, chat.user_id)
    assert client is not None
    (booking,) = await bookings_of(session, client.id)
    assert booking.staff_id in world.staff_ids
    assert booking.starts_at == local(TOMORROW, "15:00")


async def test_a_second_visit_at_the_same_time_is_booked_too(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    """A parent's haircut with Staff 1, then their child's at the same time with
    whoever is free: two visits, and the second done screen names Staff 2."""
    await make_client(session, name="Ivan", telegram_id=chat.user_id, phone="+79001112233")
    await session.commit()
    await chat.send("/start")
    for pattern in ["📅 .*", "Haircut · .*", "Staff 1", "24", "10:00", "✅ .*", "☰ .*"]:
        await chat.tap(pattern)

    for pattern in ["📅 .*", "Haircut · .*", "Любой свободный мастер", "24", "10:00", "✅ .*"]:
        await chat.tap(pattern)

    assert "Вы записаны" in chat.text and "Staff 2" in chat.text
    client = await client_of(session, chat.user_id)
    assert client is not None
    bookings = await bookings_of(session, client.id)
    assert sorted(booking.staff_id for booking in bookings) == list(world.staff_ids[:2])
    assert len({document.document.filename for document in chat.requests(SendDocument)}) == 2


async def test_a_returning_client_books_in_six_taps(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    await make_client(session, name="Ivan", telegram_id=chat.user_id, phone="+79001112233")
    await session.commit()
    await chat.send("/start")

    taps = ["📅 .*", "Haircut · .*", "Staff 2", "24", "11:00", "✅ .*"]
    for pattern in taps:
        await chat.tap(pattern)

    assert "Вы записаны" in chat.text
    client = await client_of(session, chat.user_id)
    assert client is not None
    (booking,) = await bookings_of(session, client.id)
    assert booking.staff_id == world.staff_ids[1]


async def test_back_works_at_every_step(chat: Chat, world: World) -> None:
    await chat.send("/start")
    await chat.book(service="Haircut", staff="Staff 1", day=24, time="10:00")
    assert chat.reply_keyboard() is not None  # phone step
    await chat.send("+7 916 123-45-67")
    assert "Проверьте" in chat.text
    await chat.tap("‹ Назад")
    assert "Как с вами связаться" in chat.text
    await chat.press_reply("‹ Назад")
    assert "Выберите время" in chat.text
    for expected in ("Выберите день", "К кому", "Выберите услугу"):
        await chat.tap("‹ Назад")
        assert expected in chat.text
    await chat.tap("‹ Назад")
    assert "Здравствуйте" in chat.text


async def test_the_calendar_moves_between_months_within_the_horizon(
    chat: Chat, world: World
) -> None:
    await chat.send("/start")
    await chat.tap("📅 .*")
    await chat.tap("Haircut · .*")
    await chat.tap("Staff 1")
    assert "Ноябрь 2026" in chat.buttons()
    await chat.tap("›")
    assert "Декабрь 2026" in chat.buttons()
    assert "23" in chat.buttons() and "24" not in chat.buttons()  # the horizon ends on the 23rd
    await chat.tap("‹")
    assert "Ноябрь 2026" in chat.buttons()
    assert "22" not in chat.buttons()  # days gone by are not offered


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Short hair, please", "Short hair, please"),
        ("\u3000 \u3000", None),  # blank: no comment, as the "no comment" button says
    ],
)
async def test_a_comment_is_optional_and_kept(
    chat: Chat, session: AsyncSession, world: World, typed: str, kept: str | None
) -> None:
    await make_client(session, name="Ivan", telegram_id=chat.user_id)
    await session.commit()
    await chat.send("/start")
    await chat.book(service="Haircut", staff="Staff 1", day=24, time="10:00")
    await chat.tap("💬 .*")
    await chat.send(typed)
    assert "✅ Подтвердить" in chat.buttons()  # back on the confirm screen
    assert kept is None or kept in chat.text
    await chat.tap("✅ .*")
    client = await client_of(session, chat.user_id)
    assert client is not None
    (booking,) = await bookings_of(session, client.id)
    assert booking.comment == kept


async def test_a_deep_link_preselects_the_service(chat: Chat, world: World) -> None:
    await chat.send(f"/start service_{world.service_id}")
    assert "К кому вас записать" in chat.text and "Haircut" in chat.text


async def test_a_deep_link_to_a_service_nobody_does_now_says_so_over_what_can_be_booked(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    """Active, but no active specialist does it: not "choose again", as if the client
    had got something wrong, but that it can't be booked now, and what can."""
    massage = await make_service(session, name="Massage")
    await session.commit()
    await chat.send(f"/start service_{massage.id}")
    assert "на услугу «Massage» сейчас записаться нельзя" in chat.text
    assert "заново" not in chat.text and "Выберите услугу" in chat.text
    assert any(label.startswith("Haircut") for label in chat.buttons())
    assert not any(label.startswith("Massage") for label in chat.buttons())


async def test_a_deep_link_to_a_service_nobody_does_when_nothing_can_be_booked(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    for staff_id in world.staff_ids:
        await switch_off(session, Staff, staff_id)
    await chat.send(f"/start service_{world.service_id}")
    assert "на услугу «Haircut» сейчас записаться нельзя" in chat.text
    assert "Сейчас записаться не на что" in chat.text and "заново" not in chat.text


async def test_a_deep_link_to_a_staff_member_skips_the_staff_step(chat: Chat, world: World) -> None:
    await chat.send(f"/start staff_{world.staff_ids[1]}")
    assert "Услуги мастера Staff 2" in chat.text
    await chat.tap("Haircut · .*")
    assert "Haircut, Staff 2. Выберите день" in chat.text


async def test_a_client_without_a_name_is_asked_for_it(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    await make_client(session, name=None, telegram_id=chat.user_id)  # type: ignore[arg-type]
    await session.commit()
    await chat.send("/start")
    await chat.book(service="Haircut", staff="Staff 1", day=24, time="10:00")
    assert "Как вас зовут" in chat.text
    await chat.send("/start_over")
    assert "не знаю такой команды" in chat.text
    await chat.send("  Ivan  ")
    assert "Проверьте" in chat.text and "👤 Ivan" in chat.text
    client = await client_of(session, chat.user_id)
    assert client is not None and client.name == "Ivan"


async def test_a_telegram_name_that_shows_nothing_is_no_name(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    """Telegram's "invisible name" (a Hangul filler): greeted without a name, and
    the booking asks for one, refusing another name that shows nothing."""
    chat.client.user = chat.client.user.model_copy(
        update={"first_name": "\u3164", "last_name": None}
    )
    await chat.send("/start")
    assert chat.text.startswith("Здравствуйте! Добро пожаловать в Zapis.")
    await chat.book(service="Haircut", staff="Staff 1", day=24, time="10:00")
    await chat.send("8 916 123-45-67")
    assert "Как вас зовут" in chat.text
    await chat.send("\u2800\u200b")
    assert "Пожалуйста, напишите ваше имя (до 100 символов)" in chat.text
    await chat.send("Ivan")
    assert "Проверьте" in chat.text and "👤 Ivan" in chat.text


async def test_only_days_with_a_free_slot_can_be_tapped(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    monday_and_tuesday = {0: DAY_WITH_LUNCH, 1: DAY_WITH_LUNCH}
    await make_staff(session, name="Olga", service_ids=[world.service_id], hours=monday_and_tuesday)
    await session.commit()
    await chat.send("/start")
    await chat.tap("📅 .*")
    await chat.tap("Haircut · .*")
    await chat.tap("Olga")

    days = {text for text in chat.buttons() if text.isdigit()}
    assert days == {"23", "24", "30"}  # today (still bookable), tomorrow, next Monday
    await chat.tap("·")  # a day without a slot does nothing, but is answered
    assert "Olga. Выберите день" in chat.text


async def test_the_done_screen_and_its_file_come_from_the_booking_just_made(
    chat: Chat, session: AsyncSession, world: World, engine: AsyncEngine
) -> None:
    """Not read back from the database: the booking, the client and the catalog's
    names are all in hand when the booking is made."""
    await make_client(session, name="Ivan", telegram_id=chat.user_id, phone="+79001112233")
    await session.commit()
    await chat.send("/start")
    await chat.book(service="Haircut", staff="Staff 2", day=24, time="11:00")
    with recording(engine) as statements:
        await chat.tap("✅ .*")

    assert "Вы записаны" in chat.text and "Haircut" in chat.text and "Staff 2" in chat.text
    (document,) = chat.requests(SendDocument)
    assert b"Haircut" in document.document.data and b"Staff 2" in document.document.data
    reads_back = [s for s in statements if "FROM bookings JOIN services" in " ".join(s.split())]
    assert reads_back == []
