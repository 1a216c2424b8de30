"""Reminders and staff notices follow a booking wherever it is moved."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import OutboxMessage, OutboxStatus
from db.services.booking import Actor, reschedule_booking
from db.services.notifications import Kind
from scheduler.sender import MAX_FLOOD_WAITS, Outcome, SweepReport
from tests import outbox_support
from tests.conftest import FrozenClock
from tests.factories import World, book, local, make_world
from tests.outbox_support import make_sender, outbox_rows
from tests.stub_session import Failure, StubSession

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


def _reminders(telegram: StubSession) -> list[str]:
    return [text for text in telegram.sent_texts() if text.startswith("⏰")]


@pytest.mark.parametrize("ending", ["server error", "flood waits", "process dies"])
async def test_a_reminder_on_its_way_when_the_booking_moves_is_never_sent_again(
    ending: str,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
) -> None:
    """The move drops the claimed reminder too, and its send ending in an error,
    in flood waits or in a crash puts it back in no queue: the moved booking gets
    its own reminders, at their own times, and no third one days early."""
    world: World = await make_world(session)
    await session.commit()
    original = local(DAY, "12:00")
    booking = await outbox_support.book(sessionmaker, world, original, clock.now())
    telegram = StubSession(now=clock.now)
    await make_sender(sessionmaker, clock, telegram).sweep()  # the booking's notices

    clock.set(original - timedelta(hours=24))
    sender = make_sender(sessionmaker, clock, telegram, worker_id="first")
    claimed = await sender.claim()
    assert [message.kind for message in claimed] == [Kind.REMINDER]
    moved_to = local(DAY + timedelta(days=2), "12:00")
    async with sessionmaker() as moving:
        await reschedule_booking(
            moving, booking_id=booking.id, actor=Actor.system(), starts_at=moved_to, now=clock.now()
        )
        await moving.commit()

    report = SweepReport()
    if ending == "server error":
        telegram.fail_next(Failure.server())
        await sender.deliver(claimed, report)
    elif ending == "flood waits":
        telegram.fail_next(retry_after=5, times=MAX_FLOOD_WAITS + 1)
        await sender.deliver(claimed, report)
    # "process dies": the claim is never answered; the next process takes over the
    # sweeps once its lease runs out.
    assert _reminders(telegram) == []

    sent_at = []
    fresh = make_sender(sessionmaker, clock, telegram, worker_id="fresh")
    now = original - timedelta(hours=24)
    while now < moved_to:
        now += timedelta(minutes=10)
        clock.set(now)
        before = len(_reminders(telegram))
        await fresh.sweep()
        sent_at += [now] * (len(_reminders(telegram)) - before)

    assert sent_at == [moved_to - timedelta(hours=24), moved_to - timedelta(hours=2)]
    assert all("28 ноября" in text for text in _reminders(telegram))
    (in_flight,) = await outbox_rows(sessionmaker, id=claimed[0].id)
    assert in_flight.status == OutboxStatus.SKIPPED
    assert report.outcomes == ({} if ending == "process dies" else {in_flight.id: Outcome.SKIPPED})
