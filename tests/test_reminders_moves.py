"""Reminders and staff notices follow a booking wherever it is moved."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import OutboxMessage, OutboxStatus
from db.services.booking import Actor, reschedule_booking
from db.services.notifications import Kind
from tests.conftest import FrozenClock
from tests.factories import World, book, local, make_world
from tests.outbox_support import make_sender
from tests.stub_session import StubSession

DAY = date(2026, 11, 26)  # three days after the frozen clock's today


async def _pending(session: AsyncSession, booking_id: int, kind: str) -> list[OutboxMessage]:
    rows = await session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.booking_id == booking_id,
            OutboxMessage.kind == kind,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .order_by(OutboxMessage.due_at)
    )
    return list(rows)


async def test_a_booking_moved_away_and_back_gets_its_reminders_again(
    session: AsyncSession, clock: FrozenClock
) -> None:
    world: World = await make_world(session)
    original = local(DAY, "12:00")
    booking = await book(session, world, starts_at=original, now=clock.now())
    await session.commit()
    for start in (local(DAY, "16:00"), original):
        await reschedule_booking(
            session, booking_id=booking.id, actor=Actor.system(), starts_at=start, now=clock.now()
        )
        await session.commit()

    reminders = await _pending(session, booking.id, Kind.REMINDER)
    assert [row.due_at for row in reminders] == [
        original - timedelta(hours=24),
        original - timedelta(hours=2),
    ]


async def test_moving_to_another_staff_member_tells_both(
    session: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    world: World = await make_world(session)
    booking = await book(session, world, starts_at=local(DAY, "12:00"), now=clock.now())
    await session.commit()
    await reschedule_booking(
        session,
        booking_id=booking.id,
        actor=Actor.system(),
        starts_at=local(DAY, "12:00"),
        staff_id=world.staff_ids[1],
        now=clock.now(),
    )
    await session.commit()

    new_staff, old_staff = world.staff_telegram_ids[1], world.staff_telegram_ids[0]
    moved = await _pending(session, booking.id, Kind.STAFF_RESCHEDULED)
    assert new_staff in {row.chat_id for row in moved}
    moved_away = await _pending(session, booking.id, Kind.STAFF_MOVED_AWAY)
    assert [row.chat_id for row in moved_away] == [old_staff]

    await session.rollback()  # end the read: on SQLite it holds the write lock
    telegram = StubSession(now=clock.now)
    await make_sender(sessionmaker, clock, telegram).sweep()
    *_new_booking, told = telegram.sent_texts(old_staff)
    assert "убрана из вашего расписания" in told and "Staff 2" in told
