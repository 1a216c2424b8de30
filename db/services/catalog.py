"""What the business offers, as clients see it: active services and opening hours."""

from __future__ import annotations

from datetime import time

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Service, Staff, WorkingInterval, staff_services


async def active_services(session: AsyncSession, *, staff_id: int | None = None) -> list[Service]:
    """Active services someone active does (only `staff_id`'s, when given), in menu order."""
    statement = (
        select(Service)
        .join(staff_services, staff_services.c.service_id == Service.id)
        .join(Staff, Staff.id == staff_services.c.staff_id)
        .where(Service.active.is_(True), Staff.active.is_(True))
        .group_by(Service.id)
        .order_by(Service.sort_order, Service.id)
    )
    if staff_id is not None:
        statement = statement.where(Staff.id == staff_id)
    return list(await session.scalars(statement))


async def get_active_service(session: AsyncSession, service_id: int) -> Service | None:
    service = await session.get(Service, service_id)
    return service if service is not None and service.active else None


async def get_active_staff(session: AsyncSession, staff_id: int) -> Staff | None:
    staff = await session.get(Staff, staff_id)
    return staff if staff is not None and staff.active else None


async def opening_hours(session: AsyncSession) -> dict[int, tuple[time, time]]:
    """Per weekday (Monday 0), from the earliest start to the latest end of anyone active.

    A summary for the "About" page; the real free times come from the calendar.
    """
    rows = await session.execute(
        select(
            WorkingInterval.weekday,
            func.min(WorkingInterval.start_time),
            func.max(WorkingInterval.end_time),
        )
        .join(Staff, Staff.id == WorkingInterval.staff_id)
        .where(Staff.active.is_(True))
        .group_by(WorkingInterval.weekday)
    )
    return {weekday: (start, end) for weekday, start, end in rows}
