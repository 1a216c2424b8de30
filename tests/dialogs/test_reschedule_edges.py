"""Moving a booking when something changed under it: the booking is moved or the
client is told why not, back on its details; a move never becomes a new booking."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Booking, BookingStatus, ExceptionKind, ScheduleException, Service, Staff
from db.services.booking import Actor, cancel_booking
from tests.conftest import FrozenClock
from tests.dialogs.conftest import BUSINESS_PHONE, TOMORROW, Chat, bookings_of, client_of
from tests.dialogs.test_my_bookings import booked, open_booking
from tests.factories import World, local, switch_off


async def only_booking(session: AsyncSession, chat: Chat) -> Booking:
    client = await client_of(session, chat.user_id)
    assert client is not None
    (booking,) = await bookings_of(session, client.id)
    return booking


async def test_a_booking_whose_service_is_off_is_not_moved_and_the_client_is_told(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await booked(session, chat, world, clock)
    await open_booking(chat)
    await switch_off(session, Service, world.service_id)
    await chat.tap("🔁 .*")

    assert "Эта услуга больше не оказывается" in chat.text and BUSINESS_PHONE in chat.text
    assert "Статус: подтверждена" in chat.text  # still on the booking's details
    # No Reschedule that could only be refused again; the visit can still be cancelled.
    assert not any(b.startswith("🔁") for b in chat.buttons())
    assert any(b.startswith("✖️") for b in chat.buttons())
    booking = await only_booking(session, chat)
    assert booking.starts_at == local(TOMORROW, "10:00")


async def test_a_service_switched_off_during_a_move_never_makes_a_new_booking(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    booking_id = await booked(session, chat, world, clock)
    await open_booking(chat)
    await chat.tap("🔁 .*")
    await switch_off(session, Service, world.service_id)
    await chat.tap("25")

    assert "Эта услуга больше не оказывается" in chat.text and BUSINESS_PHONE in chat.text
    assert "Статус: подтверждена" in chat.text
    booking = await only_booking(session, chat)
    assert booking.id == booking_id and booking.status == BookingStatus.CONFIRMED
    assert booking.starts_at == local(TOMORROW, "10:00")


async def test_a_booking_whose_staff_member_is_off_is_not_moved_and_the_client_is_told(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await booked(session, chat, world, clock)
    await open_booking(chat)
    await switch_off(session, Staff, world.staff_ids[0])
    await chat.tap("🔁 .*")

    assert "Этот мастер больше не принимает" in chat.text and BUSINESS_PHONE in chat.text
    assert "Статус: подтверждена" in chat.text
    booking = await only_booking(session, chat)
    assert booking.starts_at == local(TOMORROW, "10:00")


async def move_to_the_confirm_screen(chat: Chat) -> None:
    await open_booking(chat)
    await chat.tap("🔁 .*")
    await chat.tap("25")
    await chat.tap("16:00")
    assert "Перенести запись?" in chat.text


async def test_a_move_of_a_booking_cancelled_meanwhile_ends_on_its_details(
    chat: Chat,
    session: AsyncSession,
    world: World,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    booking_id = await booked(session, chat, world, clock)
    await move_to_the_confirm_screen(chat)
    async with sessionmaker() as staff_session:
        await cancel_booking(
            staff_session, booking_id=booking_id, actor=Actor.system(), now=clock.now()
        )
        await staff_session.commit()
    await chat.tap("✅ .*")

    assert "Эта запись уже отменена" in chat.text and "Статус: отменена" in chat.text
    assert not any(button.startswith("✅") for button in chat.buttons())


async def test_a_move_past_the_deadline_ends_on_the_details_with_the_phone(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await booked(session, chat, world, clock)
    await move_to_the_confirm_screen(chat)
    clock.set(local(TOMORROW, "09:00"))  # the deadline is two hours before the visit
    await chat.tap("✅ .*")

    assert "уже поздно" in chat.text and BUSINESS_PHONE in chat.text
    assert "Статус: подтверждена" in chat.text
    booking = await only_booking(session, chat)
    assert booking.starts_at == local(TOMORROW, "10:00")


async def test_a_booking_moves_to_a_time_overlapping_its_own(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    booking_id = await booked(session, chat, world, clock)  # 10:00–11:00
    await open_booking(chat)
    await chat.tap("🔁 .*")
    await chat.tap(str(TOMORROW.day))
    assert {"10:15", "10:30", "10:45"} <= set(chat.buttons())
    assert "10:00" not in chat.buttons()  # where it is now: a move there would change nothing
    await chat.tap("10:30")
    await chat.tap("✅ .*")

    assert "Запись перенесена" in chat.text
    booking = await only_booking(session, chat)
    assert booking.id == booking_id and booking.starts_at == local(TOMORROW, "10:30")


async def test_no_free_days_to_move_to_says_so_without_suggesting_another_specialist(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await booked(session, chat, world, clock)
    session.add(
        ScheduleException(
            staff_id=world.staff_ids[0],
            kind=ExceptionKind.OFF,
            date_from=clock.now().date(),
            date_to=clock.now().date() + timedelta(days=400),
        )
    )
    await session.commit()
    await open_booking(chat)
    await chat.tap("🔁 .*")

    assert "нет свободного времени, куда перенести запись" in chat.text
    assert "другого мастера" not in chat.text
