"""The availability engine's inputs, read from the database (no Telegram here).

Busy intervals are the hot path (a month of "any staff member" reads thousands
of bookings), so they are read with a Core select of three integer columns:
the database turns instants into epoch seconds itself, and no ORM object or
datetime is built per booking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, Integer, cast, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from db.models import (
    ACTIVE_STATUSES,
    Booking,
    ScheduleException,
    Service,
    Staff,
    WorkingInterval,
    staff_services,
)
from db.services.availability import (
    DatedException,
    SlotProblem,
    SlotRules,
    StaffCalendar,
    WeeklyInterval,
    choose_staff,
    free_days_any,
    free_starts,
    free_starts_any,
    slot_problem,
)
from db.services.business import get_business

LONGEST_BOOKING = timedelta(days=1)
"""No booking holds a staff member longer than this (duration + buffer).

It bounds the busy query from below, so the index on (staff_id, starts_at)
skips the whole history of past bookings instead of scanning it.
"""


class EpochSeconds(FunctionElement[int]):
    """An instant column as whole seconds since the epoch, computed by the database."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(EpochSeconds, "postgresql")
def _epoch_postgresql(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return compiler.process(cast(func.floor(extract("epoch", column)), BigInteger), **kw)


@compiles(EpochSeconds, "sqlite")
def _epoch_sqlite(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite stores instants as UTC text; strftime('%s') reads it as UTC.
    (column,) = element.clauses
    return compiler.process(cast(func.strftime("%s", column), Integer), **kw)


async def load_rules(session: AsyncSession, service: Service, now: datetime) -> SlotRules:
    """The search rules for `service` under the business's settings at `now`."""
    business = await get_business(session)
    return SlotRules(
        duration=timedelta(minutes=service.duration_minutes),
        buffer_after=timedelta(minutes=service.buffer_after_minutes),
        step=timedelta(minutes=business.slot_step_minutes),
        min_lead=timedelta(minutes=business.min_lead_minutes),
        horizon_days=business.horizon_days,
        zone=ZoneInfo(business.timezone),
        now=now,
    )


async def service_staff(session: AsyncSession, service_id: int) -> list[Staff]:
    """Active staff who do the service, by (sort_order, id); none if the service is off."""
    statement = (
        select(Staff)
        .join(staff_services, staff_services.c.staff_id == Staff.id)
        .join(Service, Service.id == staff_services.c.service_id)
        .where(Service.id == service_id, Service.active.is_(True), Staff.active.is_(True))
        .order_by(Staff.sort_order, Staff.id)
    )
    return list(await session.scalars(statement))


async def load_calendars(
    session: AsyncSession,
    staff_ids: Sequence[int],
    first: date,
    last: date,
    zone: ZoneInfo,
    *,
    exclude_booking_id: int | None = None,
) -> list[StaffCalendar]:
    """Calendars of `staff_ids` (in that order) good for local days [first, last].

    Read a day beyond each end: a local day spans two UTC dates, and a visit
    late on `last` may run on into a night shift after midnight.
    `exclude_booking_id` leaves one booking out, so a booking can be moved to
    a time overlapping its own old one.
    """
    if not staff_ids:
        return []
    ids = list(staff_ids)
    weekly = await _weekly(session, ids)
    exceptions = await _exceptions(session, ids, first, last + timedelta(days=1))
    busy = await _busy(
        session,
        ids,
        datetime.combine(first - timedelta(days=1), time(), zone),
        datetime.combine(last + timedelta(days=3), time(), zone),
        exclude_booking_id,
    )
    return [
        StaffCalendar.from_spans(
            staff_id,
            tuple(weekly[staff_id]),
            tuple(exceptions[staff_id]),
            busy[staff_id],
        )
        for staff_id in ids
    ]


async def free_days_for(
    session: AsyncSession,
    *,
    service_id: int,
    staff_id: int | None,
    first: date,
    last: date,
    now: datetime,
) -> list[date]:
    """Local days in [first, last] with a free start; `staff_id` None means anyone."""
    found = await _search(session, service_id, staff_id, now)
    if found is None:
        return []
    rules, staff_ids = found
    first, last = max(first, rules.today), min(last, rules.last_day)
    if first > last:
        return []
    calendars = await load_calendars(session, staff_ids, first, last, rules.zone)
    return free_days_any(calendars, rules, first, last)


async def free_times_for(
    session: AsyncSession,
    *,
    service_id: int,
    staff_id: int | None,
    day: date,
    now: datetime,
) -> list[datetime]:
    """Free starts (UTC, sorted) on a local day; `staff_id` None means anyone."""
    found = await _search(session, service_id, staff_id, now)
    if found is None:
        return []
    rules, staff_ids = found
    if not rules.today <= day <= rules.last_day:
        return []
    calendars = await load_calendars(session, staff_ids, day, day, rules.zone)
    if staff_id is not None:
        return free_starts(calendars[0], rules, day)
    return [slot.start for slot in free_starts_any(calendars, rules, day)]


async def check_slot(
    session: AsyncSession,
    *,
    service: Service,
    staff_id: int,
    start: datetime,
    now: datetime,
    exclude_booking_id: int | None = None,
) -> SlotProblem | None:
    """Why `staff_id` cannot take `service` at `start`, or None when they can."""
    rules = await load_rules(session, service, now)
    day = start.astimezone(rules.zone).date()
    (calendar,) = await load_calendars(
        session, [staff_id], day, day, rules.zone, exclude_booking_id=exclude_booking_id
    )
    return slot_problem(calendar, rules, start)


async def pick_staff(
    session: AsyncSession,
    *,
    service: Service,
    start: datetime,
    now: datetime,
    exclude_booking_id: int | None = None,
) -> int | None:
    """For "any staff member": who takes `start`, by `choose_staff`; None if nobody can."""
    order = [staff.id for staff in await service_staff(session, service.id)]
    rules = await load_rules(session, service, now)
    day = start.astimezone(rules.zone).date()
    calendars = await load_calendars(
        session, order, day, day, rules.zone, exclude_booking_id=exclude_booking_id
    )
    free = [c.staff_id for c in calendars if slot_problem(c, rules, start) is None]
    if not free:
        return None
    load = await _day_load(session, free, day, rules.zone, exclude_booking_id)
    return choose_staff(free, load, order)


async def _search(
    session: AsyncSession, service_id: int, staff_id: int | None, now: datetime
) -> tuple[SlotRules, list[int]] | None:
    """Rules and whose calendars to search; None when the service or staff is off."""
    service = await session.get(Service, service_id)
    if service is None or not service.active:
        return None
    staff_ids = [staff.id for staff in await service_staff(session, service_id)]
    if staff_id is not None:
        staff_ids = [staff_id] if staff_id in staff_ids else []
    if not staff_ids:
        return None
    return await load_rules(session, service, now), staff_ids


async def _weekly(session: AsyncSession, ids: list[int]) -> dict[int, list[WeeklyInterval]]:
    rows = await session.execute(
        select(
            WorkingInterval.staff_id,
            WorkingInterval.weekday,
            WorkingInterval.start_time,
            WorkingInterval.end_time,
        ).where(WorkingInterval.staff_id.in_(ids))
    )
    weekly: dict[int, list[WeeklyInterval]] = defaultdict(list)
    for staff_id, weekday, start, end in rows:
        weekly[staff_id].append(WeeklyInterval(weekday, start, end))
    return weekly


async def _exceptions(
    session: AsyncSession, ids: list[int], first: date, last: date
) -> dict[int, list[DatedException]]:
    rows = await session.execute(
        select(
            ScheduleException.staff_id,
            ScheduleException.kind,
            ScheduleException.date_from,
            ScheduleException.date_to,
            ScheduleException.start_time,
            ScheduleException.end_time,
        ).where(
            ScheduleException.staff_id.in_(ids),
            ScheduleException.date_from <= last,
            ScheduleException.date_to >= first,
        )
    )
    exceptions: dict[int, list[DatedException]] = defaultdict(list)
    for staff_id, kind, date_from, date_to, start, end in rows:
        exceptions[staff_id].append(DatedException(kind, date_from, date_to, start, end))
    return exceptions


def _active_bookings(ids: list[int], exclude_booking_id: int | None) -> list[ColumnElement[bool]]:
    conditions = [Booking.staff_id.in_(ids), Booking.status.in_(ACTIVE_STATUSES)]
    if exclude_booking_id is not None:
        conditions.append(Booking.id != exclude_booking_id)
    return conditions


async def _busy(
    session: AsyncSession,
    ids: list[int],
    lo: datetime,
    hi: datetime,
    exclude_booking_id: int | None,
) -> dict[int, list[tuple[int, int]]]:
    """Active bookings overlapping [lo, hi) as epoch-second spans, by staff id."""
    rows = await session.execute(
        select(
            Booking.staff_id,
            EpochSeconds(Booking.starts_at),
            EpochSeconds(Booking.busy_until),
        ).where(
            *_active_bookings(ids, exclude_booking_id),
            Booking.starts_at >= lo - LONGEST_BOOKING,
            Booking.starts_at < hi,
            Booking.busy_until > lo,
        )
    )
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for staff_id, start, end in rows:
        busy[staff_id].append((start, end))
    return busy


async def _day_load(
    session: AsyncSession,
    ids: list[int],
    day: date,
    zone: ZoneInfo,
    exclude_booking_id: int | None,
) -> dict[int, int]:
    """How many active bookings each staff member starts on the local day."""
    rows = await session.execute(
        select(Booking.staff_id, func.count())
        .where(
            *_active_bookings(ids, exclude_booking_id),
            Booking.starts_at >= datetime.combine(day, time(), zone),
            Booking.starts_at < datetime.combine(day + timedelta(days=1), time(), zone),
        )
        .group_by(Booking.staff_id)
    )
    return {staff_id: count for staff_id, count in rows}
