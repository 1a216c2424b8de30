"""Moving a booking: who may move one no longer offered as booked, and the
calendar a move browses.

The clock stands at Monday 2026-11-23 12:00 in Moscow; the world's staff work
10–14 and 15–19 every day.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Client, Service, Staff
from db.services import errors
from db.services.booking import Actor, movable_booking, reschedule_booking
from db.services.calendar import free_days_for, free_times_for
from tests import factories
from tests.factories import ADMIN_ID, World, local, make_staff, make_world

DAY = date(2026, 11, 25)


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await make_world(session)


@pytest.mark.parametrize("switched_off", ["service", "staff member"])
async def test_a_client_cannot_move_a_booking_the_business_no_longer_offers(
    session, world, clock, switched_off
):
    booking = await factories.book(session, world, starts_at=local(DAY, "10:00"), now=clock.now())
    if switched_off == "service":
        refusal, new_staff_id = errors.MoveServiceOff, None
        await session.execute(
            update(Service).where(Service.id == world.service_id).values(active=False)
        )
    else:  # the business arranges the visit with someone still working
        refusal, new_staff_id = errors.MoveStaffOff, world.staff_ids[1]
        await session.execute(
            update(Staff).where(Staff.id == world.staff_ids[0]).values(active=False)
        )
    client = Actor.client(await session.get_one(Client, world.client_id))
    move = {"booking_id": booking.id, "starts_at": local(DAY, "16:00"), "now": clock.now()}

    with pytest.raises(refusal):
        await movable_booking(session, booking_id=booking.id, actor=client, now=clock.now())
    with pytest.raises(refusal):
        await reschedule_booking(session, actor=client, **move)
    # The business may still arrange another time.
    moved = await reschedule_booking(
        session, actor=Actor.admin(ADMIN_ID), staff_id=new_staff_id, **move
    )
    assert moved.starts_at == local(DAY, "16:00")
    assert moved.staff_id == (new_staff_id or world.staff_ids[0])


async def test_the_calendar_offers_a_moved_booking_its_own_time(session, world, clock):
    # One free hour on DAY, taken by the booking being moved.
    hours = {DAY.weekday(): [(time(10), time(11))]}
    short = await make_staff(session, name="Short", service_ids=[world.service_id], hours=hours)
    booking = await factories.book(
        session, world, staff_id=short.id, starts_at=local(DAY, "10:00"), now=clock.now()
    )
    await session.commit()
    search = {"service_id": world.service_id, "staff_id": short.id, "now": clock.now()}

    assert await free_days_for(session, first=DAY, last=DAY, **search) == []
    assert await free_days_for(
        session, first=DAY, last=DAY, exclude_booking_id=booking.id, **search
    ) == [DAY]
    assert await free_times_for(session, day=DAY, exclude_booking_id=booking.id, **search) == [
        local(DAY, "10:00")
    ]
