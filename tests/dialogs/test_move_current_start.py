"""Moving a booking never offers the start it has now: not in the time grid, and
not as a day in the calendar whose only free start it is; and "now" is where the
booking is, even when it was moved elsewhere while the client was choosing.

The clock stands at Monday 2026-11-23 12:00 in Moscow; the world's staff work
10–14 and 15–19 every day, and the booking is tomorrow at 10:00 with Staff 1.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import ExceptionKind, ScheduleException
from db.services.booking import Actor, reschedule_booking
from tests.conftest import FrozenClock
from tests.dialogs.conftest import TOMORROW, Chat
from tests.dialogs.test_my_bookings import booked, open_booking
from tests.dialogs.test_reschedule_edges import only_booking
from tests.factories import ADMIN_ID, World, local

TIME = re.compile(r"\d\d:\d\d")


def times_on_screen(chat: Chat) -> list[str]:
    return [button for button in chat.buttons() if TIME.fullmatch(button)]


def count_in_header(chat: Chat) -> int:
    """The number of free slots the time step's header names ("… 3 свободных слота")."""
    found = re.search(r"(\d+) свободн", chat.text)
    return int(found.group(1)) if found else 0


async def test_a_day_whose_only_free_start_is_the_bookings_own_is_not_offered(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await booked(session, chat, world, clock)  # tomorrow 10:00–11:00
    # The rest of tomorrow is blocked: moving, the booking's own 10:00 is its only free start.
    session.add(
        ScheduleException(
            staff_id=world.staff_ids[0],
            kind=ExceptionKind.OFF,
            date_from=TOMORROW,
            date_to=TOMORROW,
            start_time=time(11),
            end_time=time(23, 59),
        )
    )
    await session.commit()
    await open_booking(chat)
    await chat.tap("🔁 .*")

    assert "Выберите день" in chat.text
    assert str(TOMORROW.day) not in chat.buttons()  # nothing to move to that day
    assert str((TOMORROW + timedelta(days=1)).day) in chat.buttons()


async def test_the_time_step_counts_what_its_grid_offers_on_the_bookings_own_day(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await booked(session, chat, world, clock)
    await open_booking(chat)
    await chat.tap("🔁 .*")
    await chat.tap(str(TOMORROW.day))

    offered = times_on_screen(chat)
    assert "10:00" not in offered and "10:15" in offered
    assert count_in_header(chat) == len(offered)


async def test_a_booking_moved_elsewhere_meanwhile_is_not_moved_to_where_it_already_is(
    chat: Chat,
    session: AsyncSession,
    world: World,
    clock: FrozenClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    booking_id = await booked(session, chat, world, clock)
    await open_booking(chat)
    await chat.tap("🔁 .*")
    async with sessionmaker() as staff_session:  # the business moves it to 12:00 meanwhile
        await reschedule_booking(
            staff_session,
            booking_id=booking_id,
            actor=Actor.admin(ADMIN_ID),
            starts_at=local(TOMORROW, "12:00"),
            now=clock.now(),
        )
        await staff_session.commit()
    await chat.tap(str(TOMORROW.day))
    await chat.tap("12:00")

    # The confirm screen reads the booking: it is at 12:00 already, nothing to move.
    assert "уже" in chat.text and "12:00" in chat.text
    assert "Перенести запись?" not in chat.text
    assert not any(button.startswith("✅") for button in chat.buttons())
    await chat.tap("‹ Назад")
    offered = times_on_screen(chat)
    assert "12:00" not in offered  # where it is now
    assert "10:00" in offered  # where it was: free again, a real move
    assert count_in_header(chat) == len(offered)
    await chat.tap("10:00")
    assert "Перенести запись?" in chat.text
    await chat.tap("✅ .*")

    assert "Запись перенесена" in chat.text
    booking = await only_booking(session, chat)
    assert booking.id == booking_id and booking.starts_at == local(TOMORROW, "10:00")
