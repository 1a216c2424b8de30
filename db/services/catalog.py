"""What the business offers, as clients see it: active services, staff and opening
hours, read from the in-memory snapshot (`db.services.snapshot`).

For screens only: whatever a booking is checked against is read fresh by the
booking service.
"""

from __future__ import annotations

from datetime import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Service
from db.services.snapshot import BusinessView, ServiceView, StaffView, snapshot


async def business_profile(session: AsyncSession) -> BusinessView:
    """Name, contacts and settings, as screens show them."""
    return (await snapshot(session)).business


async def active_services(
    session: AsyncSession, *, staff_id: int | None = None
) -> list[ServiceView]:
    """Active services someone active does (only `staff_id`'s, when given), in menu order."""
    services = (await snapshot(session)).services.values()
    return [s for s in services if staff_id is None or staff_id in s.staff_ids]


async def get_active_service(session: AsyncSession, service_id: int | None) -> ServiceView | None:
    return (await snapshot(session)).service(service_id)


async def unoffered_service_name(session: AsyncSession, service_id: int) -> str | None:
    """The name of an active service the snapshot leaves out because no active staff
    member does it, for a link to it to name; None if there is no such active service.
    Read from the database: the snapshot holds only what can be booked."""
    if await get_active_service(session, service_id) is not None:
        return None
    return await session.scalar(
        select(Service.name).where(Service.id == service_id, Service.active.is_(True))
    )


async def get_active_staff(session: AsyncSession, staff_id: int | None) -> StaffView | None:
    return (await snapshot(session)).staff_member(staff_id)


async def offered_staff(session: AsyncSession, service_id: int) -> list[StaffView]:
    """Active staff who do the active service, by (sort_order, id); none if it is off."""
    return (await snapshot(session)).staff_of(service_id)


async def opening_hours(session: AsyncSession) -> dict[int, tuple[time, time]]:
    """Per weekday (Monday 0), from the earliest start to the latest end of anyone active.

    A summary for the "About" page; the real free times come from the calendar.
    """
    hours: dict[int, tuple[time, time]] = {}
    for member in (await snapshot(session)).staff.values():
        for interval in member.weekly:
            start, end = hours.get(interval.weekday, (interval.start, interval.end))
            hours[interval.weekday] = (min(start, interval.start), max(end, interval.end))
    return hours
