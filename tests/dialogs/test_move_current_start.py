"""Moving a booking never offers the start it has now: not in the time grid, and
not as a day in the calendar whose only free start it is.

The clock stands at Monday 2026-11-23 12:00 in Moscow; the world's staff work
10–14 and 15–19 every day, and the booking is tomorrow at 10:00 with Staff 1.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ExceptionKind, ScheduleException
from tests.conftest import FrozenClock
from tests.dialogs.conftest import TOMORROW, Chat
from tests.dialogs.test_my_bookings import booked, open_booking
from tests.factories import World

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
