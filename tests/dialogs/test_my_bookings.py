"""My bookings: details, cancel (and too late to cancel), reschedule, book again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from db.models import BookingStatus, Service, Staff
from tests.conftest import FrozenClock
from tests.dialogs.conftest import BUSINESS_PHONE, TOMORROW, Chat, bookings_of, client_of
from tests.factories import World, book, local, make_client, switch_off
from tests.statements import recording


async def booked(
    session: AsyncSession, chat: Chat, world: World, clock: FrozenClock, *, at: str = "10:00"
) -> int:
    """A client of this chat with one booking tomorrow (Staff 1, Haircut); returns its id."""
    client = await make_client(session, name="Ivan", telegram_id=chat.user_id)
    booking = await book(
        session, world, client_id=client.id, starts_at=local(TOMORROW, at), now=clock.now()
    )
    await session.commit()
    return booking.id


async def open_booking(chat: Chat) -> None:
    await chat.send("/start")
    await chat.tap("🗂 .*")
    assert "1 предстоящая запись" in chat.text
    await chat.tap(".*Haircut")
    assert "Staff 1" in chat.text and "Статус: подтверждена" in chat.text


async def test_a_client_cancels_a_booking_after_confirming(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    booking_id = await booked(session, chat, world, clock)
    await open_booking(chat)
    await chat.tap("✖️ .*")
    assert "Отменить запись «Haircut»" in chat.text
    await chat.tap("Нет, оставить")
    await chat.tap("✖️ .*")
    await chat.tap("Да, отменить")

    assert "Запись отменена" in chat.text and "нет предстоящих записей" in chat.text
    session.expire_all()
    client = await client_of(session, chat.user_id)
    assert client is not None
    (booking,) = await bookings_of(session, client.id)
    assert booking.id == booking_id and booking.status == BookingStatus.CANCELLED


async def test_the_details_tell_until_when_a_visit_can_be_changed_and_then_whom_to_call(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await booked(session, chat, world, clock)  # tomorrow 10:00, two hours' deadline
    await open_booking(chat)
    assert "Отменить или перенести здесь можно до вт, 24 нояб., 08:00" in chat.text

    clock.set(local(TOMORROW, "09:00"))
    await chat.tap("‹ Назад")
    await chat.tap(".*Haircut")
    assert f"позвоните нам: {BUSINESS_PHONE}" in chat.text
    assert "можно до" not in chat.text
    # No Cancel or Reschedule that could only be refused.
    assert not any(button.startswith(("✖️", "🔁")) for button in chat.buttons())


async def test_cancelling_past_the_deadline_is_refused_with_the_phone(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await booked(session, chat, world, clock)
    await open_booking(chat)
    clock.set(local(TOMORROW, "09:00"))  # the deadline is two hours before the visit
    await chat.tap("✖️ .*")
    await chat.tap("Да, отменить")

    assert "уже поздно" in chat.text and BUSINESS_PHONE in chat.text
    client = await client_of(session, chat.user_id)
    assert client is not None
    (booking,) = await bookings_of(session, client.id)
    assert booking.status == BookingStatus.CONFIRMED


async def test_a_client_reschedules_with_the_same_calendar(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    booking_id = await booked(session, chat, world, clock)
    await open_booking(chat)
    await chat.tap("🔁 .*")
    assert "Haircut, Staff 1. Выберите день" in chat.text
    await chat.tap("25")
    await chat.tap("16:00")
    assert "Перенести запись?" in chat.text
    await chat.tap("✅ .*")

    assert "Запись перенесена" in chat.text
    client = await client_of(session, chat.user_id)
    assert client is not None
    (booking,) = await bookings_of(session, client.id)
    assert booking.id == booking_id
    assert booking.starts_at == local(TOMORROW + timedelta(days=1), "16:00")
    assert booking.status == BookingStatus.CONFIRMED


async def test_back_from_the_reschedule_calendar_returns_to_the_booking(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await booked(session, chat, world, clock)
    await open_booking(chat)
    await chat.tap("🔁 .*")
    await chat.tap("‹ Назад")
    assert "Статус: подтверждена" in chat.text


async def test_book_again_starts_at_the_day_with_the_same_choice(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await booked(session, chat, world, clock)
    clock.advance(timedelta(days=2))  # the visit is now in the past
    await chat.send("/start")
    await chat.tap("🗂 .*")
    await chat.tap("🕘 .*")
    assert "Ваши прошлые визиты" in chat.text
    await chat.tap("↻ .*Haircut")
    assert "Haircut, Staff 1. Выберите день" in chat.text
    await chat.tap("30")
    await chat.tap("12:00")
    await chat.tap("✅ .*")

    assert "Вы записаны" in chat.text
    client = await client_of(session, chat.user_id)
    assert client is not None
    old, new = await bookings_of(session, client.id)
    assert (new.service_id, new.staff_id) == (old.service_id, old.staff_id)
    assert new.starts_at == local(TOMORROW.replace(day=30), "12:00")


async def test_past_visits_offer_booking_again_only_for_what_is_still_offered(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await booked(session, chat, world, clock)
    await switch_off(session, Service, world.service_id)
    clock.advance(timedelta(days=2))
    await chat.send("/start")
    await chat.tap("🗂 .*")
    await chat.tap("🕘 .*")

    assert "Ваши прошлые визиты" in chat.text and "Haircut" in chat.text
    assert "записаться снова" not in chat.text  # nothing here can be booked again
    assert not any(button.startswith("↻") for button in chat.buttons())


async def test_book_again_with_a_staff_member_no_longer_offered_says_so(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await booked(session, chat, world, clock)
    await switch_off(session, Staff, world.staff_ids[0])
    clock.advance(timedelta(days=2))
    await chat.send("/start")
    await chat.tap("🗂 .*")
    await chat.tap("🕘 .*")
    await chat.tap("↻ .*Haircut")

    assert "этот мастер больше не принимает" in chat.text  # not silently someone else
    assert "К кому вас записать?" in chat.text and "Staff 1" not in chat.buttons()
    await chat.tap("Staff 2")
    assert "Haircut, Staff 2. Выберите день" in chat.text


async def test_moving_past_the_deadline_is_refused_before_the_calendar(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await booked(session, chat, world, clock)
    await open_booking(chat)
    clock.set(local(TOMORROW, "09:00"))
    await chat.tap("🔁 .*")
    assert "уже поздно" in chat.text and BUSINESS_PHONE in chat.text
    assert "Статус: подтверждена" in chat.text  # still on the booking, not in a calendar


async def test_the_lists_read_their_bookings_in_one_query(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock, engine: AsyncEngine
) -> None:
    client = await make_client(session, name="Ivan", telegram_id=chat.user_id)
    for at in ("10:00", "12:00", "15:00"):
        await book(
            session, world, client_id=client.id, starts_at=local(TOMORROW, at), now=clock.now()
        )
    await session.commit()
    await chat.send("/start")
    clock.set(local(TOMORROW, "18:00"))  # all three are past now
    with recording(engine) as statements:
        await chat.tap("🗂 .*")
        assert "нет предстоящих записей" in chat.text
        await chat.tap("🕘 .*")
    assert chat.text.count("Haircut") == 3
    reads = [statement for statement in statements if "FROM bookings" in statement]
    assert len(reads) == 2  # the upcoming list, the past one: not one more per booking
