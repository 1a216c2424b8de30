"""Housekeeping jobs: closing finished visits and planning the staff digests.

Each job opens its own short transactions and takes the time from the injected
clock; the booking service and the notification hooks do the real work.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.clock import Clock
from db.models import Booking, BookingStatus
from db.services.audit import Actor
from db.services.booking import complete_booking
from db.services.errors import BookingError
from db.services.notifications import plan_daily_digests

log = logging.getLogger(__name__)

COMPLETION_BATCH = 200


async def complete_finished_bookings(
    sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
) -> int:
    """Mark confirmed bookings whose visit has ended as completed; returns how many.

    One transaction per booking, so a booking that staff changed a moment ago
    (the service refuses it) does not hold back the others. Completing one
    enqueues its feedback request through the booking service's hook.
    """
    now = clock.now()
    async with sessionmaker() as session:
        ids = list(
            await session.scalars(
                select(Booking.id)
                .where(Booking.status == BookingStatus.CONFIRMED, Booking.ends_at <= now)
                .order_by(Booking.ends_at)
                .limit(COMPLETION_BATCH)
            )
        )
    completed = 0
    for booking_id in ids:
        async with sessionmaker() as session:
            try:
                await complete_booking(
                    session, booking_id=booking_id, actor=Actor.system(), now=now
                )
            except BookingError as error:
                log.info("Booking %s not completed: %s", booking_id, error.code)
                continue
            await session.commit()
            completed += 1
    return completed


async def plan_digests(sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Queue today's digests of tomorrow's agenda (idempotent); returns how many were new."""
    async with sessionmaker() as session:
        added = await plan_daily_digests(session, now=clock.now())
        await session.commit()
    return added
