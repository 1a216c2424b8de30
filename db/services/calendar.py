"""The availability engine's inputs, read from the database (no Telegram here).

Every search runs a handful of small reads, so the statements are built once
at import (values go in as bound parameters) and read plain columns with Core,
never ORM objects. Bookings, the bulk of the data, come back as epoch seconds
computed by the database, one row per staff member (see `_busy_statement`).

What a client browses (`free_days_for`, `free_times_for`) takes the rules and
hours from the in-memory snapshot (`db.services.snapshot`) and reads only
bookings; what a booking is checked against (`check_slot`, `pick_staff`,
`hours_problem`) is read fresh, in the booking's transaction.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Select,
    String,
    Time,
    bindparam,
    cast,
    func,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from db.models import (
    Booking,
    BusinessSettings,
    ScheduleException,
    Service,
    Staff,
    WorkingInterval,
    is_active_status,
    staff_services,
)
from db.services.availability import (
    DatedException,
    SlotProblem,
    SlotRules,
    StaffCalendar,
    WeeklyInterval,
    choose_staff,
    free_days_among,
    free_starts,
    free_starts_any,
    slot_problem,
    working_periods,
)
from db.services.business import get_business
from db.services.errors import BookingError, InvalidStart, SlotTaken, TooSoon
from db.services.snapshot import StaffView, snapshot

LONGEST_BOOKING = timedelta(days=1)
"""No booking holds a staff member longer than this (duration + buffer; the
admin UI keeps services shorter).

It bounds the busy query on both sides: from below, so the index on
(staff_id, starts_at) skips the whole history of past bookings instead of
scanning it; from above, as a visit begun late on the last day ends within it.
"""


class EpochSeconds(FunctionElement[int]):
    """An instant column as whole seconds since the epoch, computed by the database."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(EpochSeconds, "postgresql")
def _epoch_postgresql(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    # date_part() gives a double; extract() a numeric (PostgreSQL 14+), and a month of
    # bookings converted a fifth slower through it.
    (column,) = element.clauses
    return compiler.process(cast(func.floor(func.date_part("epoch", column)), BigInteger), **kw)


@compiles(EpochSeconds, "sqlite")
def _epoch_sqlite(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite stores instants as UTC text, which both functions read as UTC;
    # unixepoch() (3.38+) reads a month of bookings a quarter faster.
    (column,) = element.clauses
    if sqlite3.sqlite_version_info >= (3, 38):
        return compiler.process(func.unixepoch(column), **kw)
    return compiler.process(cast(func.strftime("%s", column), Integer), **kw)


class NotIndexed(FunctionElement[Any]):
    """A column the database must not pick an index by (SQLite: `+column`).

    Without statistics SQLite prefers an equality on `status` to the range on
    (staff_id, starts_at) and reads every active booking: a day of 20 staff
    took 3.2 ms instead of 0.3 ms. PostgreSQL plans by statistics; it gets the
    plain column.
    """

    inherit_cache = True
    name = "not_indexed"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(NotIndexed)
def _not_indexed_default(element: NotIndexed, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return compiler.process(column, **kw)


@compiles(NotIndexed, "sqlite")
def _not_indexed_sqlite(element: NotIndexed, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return "+" + compiler.process(column, **kw)


class BusySpans(FunctionElement[Any]):
    """The (start, end) pairs of a group's rows as epoch seconds (an aggregate):
    a month of bookings is thousands of rows, and handling each row in Python
    costs more than the database's work. Read them with `_spans`.

    PostgreSQL: a two-dimensional bigint array, which asyncpg decodes in C
    (a fifth less time than joined text for a fortnight of 20 staff). SQLite,
    without arrays: the text "start,end,start,end,…".
    """

    inherit_cache = True
    name = "busy_spans"


@compiles(BusySpans, "postgresql")
def _busy_spans_postgresql(element: BusySpans, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (EpochSeconds(column) for column in element.clauses)
    return compiler.process(func.array_agg(postgresql.array([start, end])), **kw)


@compiles(BusySpans, "sqlite")
def _busy_spans_sqlite(element: BusySpans, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (cast(EpochSeconds(column), String) for column in element.clauses)
    return compiler.process(func.group_concat(start + "," + end, ","), **kw)


class NoSpans(FunctionElement[Any]):
    """A NULL of `BusySpans`' type, for the rows of a UNION that carry none."""

    inherit_cache = True
    name = "no_spans"


@compiles(NoSpans, "postgresql")
def _no_spans_postgresql(element: NoSpans, compiler: SQLCompiler, **kw: Any) -> str:
    return "CAST(NULL AS BIGINT[])"


@compiles(NoSpans, "sqlite")
def _no_spans_sqlite(element: NoSpans, compiler: SQLCompiler, **kw: Any) -> str:
    return "CAST(NULL AS VARCHAR)"


class JsonRows(FunctionElement[list[list[Any]]]):
    """The rows of a group as a JSON array of arrays of the given columns (an
    aggregate): a few rows carried in one column of a one-row statement. Comes
    back decoded; None when the group is empty (PostgreSQL)."""

    type = JSON()
    inherit_cache = True
    name = "json_rows"


@compiles(JsonRows, "postgresql")
def _json_rows_postgresql(element: JsonRows, compiler: SQLCompiler, **kw: Any) -> str:
    # JSON renders dates and times as ISO text whatever the session's DateStyle.
    return compiler.process(func.json_agg(func.json_build_array(*element.clauses)), **kw)


@compiles(JsonRows, "sqlite")
def _json_rows_sqlite(element: JsonRows, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(func.json_group_array(func.json_array(*element.clauses)), **kw)


# One staff member's hours near one start, as two JSON columns a statement can
# carry beside other things (`booking.create_booking` reads them with the request).
# Parameters: staff_id, and near_from / near_to from `hours_window`.
WEEKLY_HOURS_JSON = (
    select(JsonRows(WorkingInterval.weekday, WorkingInterval.start_time, WorkingInterval.end_time))
    .where(WorkingInterval.staff_id == bindparam("staff_id"))
    .scalar_subquery()
)
EXCEPTIONS_NEAR_JSON = (
    select(
        JsonRows(
            ScheduleException.kind,
            ScheduleException.date_from,
            ScheduleException.date_to,
            ScheduleException.start_time,
            ScheduleException.end_time,
        )
    )
    .where(
        ScheduleException.staff_id == bindparam("staff_id"),
        ScheduleException.date_from <= bindparam("near_to"),
        ScheduleException.date_to >= bindparam("near_from"),
    )
    .scalar_subquery()
)


def hours_window(start: datetime) -> dict[str, date]:
    """The `near_*` parameters: every exception that can touch `start`'s local
    day or the day after it (a night shift), in any time zone (UTC-12 … UTC+14),
    without knowing the zone yet."""
    utc_day = start.astimezone(UTC).date()
    return {"near_from": utc_day - timedelta(days=1), "near_to": utc_day + timedelta(days=2)}


def hours_problem(
    staff_id: int,
    weekly: list[list[Any]] | None,
    exceptions: list[list[Any]] | None,
    rules: SlotRules,
    start: datetime,
) -> SlotProblem | None:
    """`slot_problem` against the hours alone (the columns above), never TAKEN:
    other bookings are left to the database's overlap guard at the INSERT, which
    refuses the same overlaps the engine would."""
    hours = _Hours(staff_id)
    hours.weekly.extend(
        WeeklyInterval(weekday, time.fromisoformat(begin), time.fromisoformat(end))
        for weekday, begin, end in weekly or ()
    )
    hours.exceptions.extend(
        DatedException(
            kind,
            date.fromisoformat(first),
            date.fromisoformat(last),
            time.fromisoformat(begin) if begin is not None else None,
            time.fromisoformat(end) if end is not None else None,
        )
        for kind, first, last, begin, end in exceptions or ()
    )
    return slot_problem(hours.bare, rules, start)


class ServiceMinutes(Protocol):
    """A service's length as the rules need it: an ORM row, a snapshot view, or a
    row of plain columns with these names."""

    duration_minutes: int
    buffer_after_minutes: int


class SearchSettings(Protocol):
    """The settings the rules need (see `_SETTINGS`), from any of the same."""

    slot_step_minutes: int
    min_lead_minutes: int
    horizon_days: int
    timezone: str


def slot_rules(service: ServiceMinutes, business: SearchSettings, now: datetime) -> SlotRules:
    """The search rules for `service` under settings the caller has already read."""
    settings = _settings_of(business)
    return _rules(service.duration_minutes, service.buffer_after_minutes, now, settings)


async def load_rules(session: AsyncSession, service: ServiceMinutes, now: datetime) -> SlotRules:
    """The search rules for `service` under the business's settings at `now`.

    Reads the settings through the session's identity map (`get_business`), so
    the booking service, which needs them too, reads the row only once.
    """
    return slot_rules(service, await get_business(session), now)


_SETTINGS = (
    BusinessSettings.slot_step_minutes,
    BusinessSettings.min_lead_minutes,
    BusinessSettings.horizon_days,
    BusinessSettings.timezone,
)


def _settings_of(business: SearchSettings) -> list[Any]:
    return [getattr(business, column.key) for column in _SETTINGS]


def _rules(duration: int, buffer: int, now: datetime, settings: Sequence[Any]) -> SlotRules:
    """Rules from service minutes and the `_SETTINGS` columns."""
    step, lead, horizon, timezone = settings
    return SlotRules(
        duration=timedelta(minutes=duration),
        buffer_after=timedelta(minutes=buffer),
        step=timedelta(minutes=step),
        min_lead=timedelta(minutes=lead),
        horizon_days=horizon,
        zone=ZoneInfo(timezone),
        now=now,
    )


def _service_staff_statement(*columns: Any) -> Select[Any]:
    """Active staff doing the active service `:service_id`, in their stable order."""
    return (
        select(*columns)
        .join(staff_services, staff_services.c.staff_id == Staff.id)
        .join(Service, Service.id == staff_services.c.service_id)
        .where(
            Service.id == bindparam("service_id"),
            Service.active.is_(True),
            Staff.active.is_(True),
        )
        .order_by(Staff.sort_order, Staff.id)
    )


_SERVICE_STAFF = _service_staff_statement(Staff)
_SERVICE_STAFF_IDS = _service_staff_statement(Staff.id)


async def service_staff(session: AsyncSession, service_id: int) -> list[Staff]:
    """Active staff who do the service, by (sort_order, id); none if the service is off."""
    return list(await session.scalars(_SERVICE_STAFF, {"service_id": service_id}))


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

    `exclude_booking_id` leaves one booking out, so a booking can be moved to
    a time overlapping its own old one.
    """
    if not staff_ids:
        return []
    return await _calendars(session, list(staff_ids), first, last, zone, exclude_booking_id)


async def free_days_for(
    session: AsyncSession,
    *,
    service_id: int,
    staff_id: int | None,
    first: date,
    last: date,
    now: datetime,
    exclude_booking_id: int | None = None,
    moving_from: datetime | None = None,
) -> list[date]:
    """Local days in [first, last] with a free start; `staff_id` None means anyone.
    `exclude_booking_id`: the booking being moved, which frees its own time;
    `moving_from`: where it starts now, no choice (see `_choices`).

    Bookings are read in rounds of staff (1, 1, 2, 4, 8, … in their stable
    order), each only for the days still open: in a typical month the first
    one or two settle nearly every day, so a month costs a few small reads,
    not every booking of every staff member. A fully booked month costs a
    handful of rounds.
    """
    found = await _search(session, service_id, staff_id, now)
    if found is None:
        return []
    rules, staff = found
    first, last = max(first, rules.today), min(last, rules.last_day)
    if first > last:
        return []
    hours = [_Hours.of(member, first, last) for member in staff]
    undecided = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    free: set[date] = set()
    for batch in _rounds(hours):
        free.update(
            await _offered_days(session, rules, batch, undecided, exclude_booking_id, moving_from)
        )
        undecided = [day for day in undecided if day not in free]
        if not undecided:
            break
    return sorted(free)


def _rounds(staff: list[_Hours]) -> Iterator[list[_Hours]]:
    """Staff in growing batches: 1, 1, 2, 4, 8, …"""
    start, size = 0, 1
    while start < len(staff):
        yield staff[start : start + size]
        start += size
        size = max(start, 1)


async def _offered_days(
    session: AsyncSession,
    rules: SlotRules,
    staff: list[_Hours],
    days: list[date],
    exclude_booking_id: int | None,
    moving_from: datetime | None,
) -> list[date]:
    """Those of `days` on which one of `staff` has a free start, `moving_from` aside."""
    working = {}
    for member in staff:
        bare = member.bare
        working[member.staff_id] = [day for day in days if working_periods(bare, day)]
    wanted = sorted({day for member_days in working.values() for day in member_days})
    if not wanted:
        return []
    ids = [staff_id for staff_id, member_days in working.items() if member_days]
    busy = await _busy(session, ids, wanted, rules.zone, exclude_booking_id)
    calendars = [member.with_busy(busy[member.staff_id]) for member in staff]
    free = free_days_among(calendars, rules, wanted)
    if moving_from is not None:  # its one day: is there a start besides it?
        day = moving_from.astimezone(rules.zone).date()
        if day in free and not _choices(calendars, rules, day, moving_from):
            free.remove(day)
    return free


async def free_times_for(
    session: AsyncSession,
    *,
    service_id: int,
    staff_id: int | None,
    day: date,
    now: datetime,
    exclude_booking_id: int | None = None,
    moving_from: datetime | None = None,
) -> list[datetime]:
    """Free starts (UTC, sorted) on a local day; `staff_id` None means anyone.
    `exclude_booking_id`: the booking being moved, which frees its own time;
    `moving_from`: where it starts now, no choice (see `_choices`)."""
    found = await _search(session, service_id, staff_id, now)
    if found is None:
        return []
    rules, staff = found
    if not rules.today <= day <= rules.last_day:
        return []
    ids = [member.id for member in staff]
    busy = await _busy(session, ids, [day], rules.zone, exclude_booking_id)
    calendars = [_Hours.of(member, day, day).with_busy(busy[member.id]) for member in staff]
    return _choices(calendars, rules, day, moving_from)


def _choices(
    calendars: Sequence[StaffCalendar],
    rules: SlotRules,
    day: date,
    moving_from: datetime | None,
) -> list[datetime]:
    """The starts a client is offered on a local day: free with any of `calendars`,
    but `moving_from`, where the booking being moved starts now (a move there would
    change nothing). The one rule for the time grid (`free_times_for`) and for the
    calendar (`_offered_days`), which offers no day with nothing else to choose."""
    if len(calendars) == 1:
        starts = free_starts(calendars[0], rules, day)
    else:
        starts = [slot.start for slot in free_starts_any(calendars, rules, day)]
    return [start for start in starts if start != moving_from]


async def check_slot(
    session: AsyncSession,
    *,
    rules: SlotRules,
    staff_id: int,
    start: datetime,
    exclude_booking_id: int | None = None,
) -> SlotProblem | None:
    """Why `staff_id` cannot take a visit by `rules` at `start`, or None when they can."""
    day = start.astimezone(rules.zone).date()
    (calendar,) = await load_calendars(
        session, [staff_id], day, day, rules.zone, exclude_booking_id=exclude_booking_id
    )
    return slot_problem(calendar, rules, start)


async def pick_staff(
    session: AsyncSession,
    *,
    service_id: int,
    rules: SlotRules,
    start: datetime,
    exclude_booking_id: int | None = None,
) -> int | None:
    """For "any staff member" of the service: who takes `start`, by
    `choose_staff`; None if nobody can."""
    order = list(await session.scalars(_SERVICE_STAFF_IDS, {"service_id": service_id}))
    day = start.astimezone(rules.zone).date()
    calendars = await load_calendars(
        session, order, day, day, rules.zone, exclude_booking_id=exclude_booking_id
    )
    free = [c.staff_id for c in calendars if slot_problem(c, rules, start) is None]
    if not free:
        return None
    load = await _day_load(session, free, day, rules.zone, exclude_booking_id)
    return choose_staff(free, load, order)


async def browse_rules(
    session: AsyncSession, service_id: int | None, now: datetime
) -> SlotRules | None:
    """The search rules for an active service as screens show them (from the
    snapshot); None when the service is off or unknown."""
    offered = await snapshot(session)
    service = offered.service(service_id)
    if service is None:
        return None
    return slot_rules(service, offered.business, now)


async def why_not_offered(
    session: AsyncSession, service_id: int | None, starts_at: datetime | None, now: datetime
) -> BookingError:
    """Why a start the time grid no longer offers cannot be booked: passed, or too
    soon by now (the clock went on while the client chose), else taken."""
    if starts_at is None:
        return SlotTaken()
    if starts_at <= now:
        return InvalidStart()
    rules = await browse_rules(session, service_id, now)
    if rules is not None and starts_at < now + rules.min_lead:
        return TooSoon()
    return SlotTaken()


async def _search(
    session: AsyncSession, service_id: int, staff_id: int | None, now: datetime
) -> tuple[SlotRules, list[StaffView]] | None:
    """Rules and whose calendars to search, from the snapshot (what a client
    browses); None when the service or staff member is off."""
    offered = await snapshot(session)
    service = offered.service(service_id)
    if service is None:
        return None
    staff = offered.staff_of(service_id)
    if staff_id is not None:
        staff = [member for member in staff if member.id == staff_id]
    if not staff:
        return None
    return slot_rules(service, offered.business, now), staff


@dataclass(frozen=True, slots=True)
class _Hours:
    """One staff member's weekly hours and dated exceptions, awaiting bookings."""

    staff_id: int
    weekly: list[WeeklyInterval] = field(default_factory=list)
    exceptions: list[DatedException] = field(default_factory=list)

    def with_busy(self, busy_spans: Iterable[tuple[int, int]]) -> StaffCalendar:
        return StaffCalendar.from_spans(
            self.staff_id, tuple(self.weekly), tuple(self.exceptions), busy_spans
        )

    @classmethod
    def of(cls, member: StaffView, first: date, last: date) -> _Hours:
        """From the snapshot, for local days [first, last] (see `_CALENDARS`)."""
        exceptions = member.exceptions_touching(first, last + timedelta(days=1))
        return cls(member.id, list(member.weekly), exceptions)

    @property
    def bare(self) -> StaffCalendar:
        """The calendar without bookings: enough to tell on which days they work."""
        return self.with_busy(())


NO_BOOKING = 0
"""An id no booking has (ids start at 1): "exclude nothing" for the statements."""

_ACTIVE_BOOKINGS = (
    Booking.staff_id.in_(bindparam("ids", expanding=True)),
    is_active_status(NotIndexed(Booking.status)),
    Booking.id != bindparam("exclude"),
)

_BUSY_SPANS = BusySpans(Booking.starts_at, Booking.busy_until)


def _busy_window(suffix: str = "") -> tuple[ColumnElement[bool], ...]:
    """Bookings touching a stretch of days (parameters: see `_window_parameters`)."""
    return (
        Booking.starts_at >= bindparam("since" + suffix),
        Booking.starts_at < bindparam("hi" + suffix),
        Booking.busy_until > bindparam("lo" + suffix),
    )


@cache
def _busy_statement(stretches: int) -> CompoundSelect | Select[Any]:
    """Busy spans per staff member over `stretches` separate stretches of days.

    One SELECT per stretch, joined with UNION ALL: each reads its days through
    the (staff_id, starts_at) index, where an OR of ranges made SQLite read every
    booking of the staff. Stretches are far enough apart (see `_stretches`) that
    no booking is read twice.
    """
    selects = [
        select(Booking.staff_id, _BUSY_SPANS)
        .where(*_ACTIVE_BOOKINGS, *_busy_window(str(n)))
        .group_by(Booking.staff_id)
        for n in range(stretches)
    ]
    return selects[0] if stretches == 1 else union_all(*selects)


# A whole calendar in one round trip (what a booking is checked against): weekly
# rows have no dates, exceptions no weekday, and the bookings row of each staff
# member only its spans. Exceptions are read a day past `last`, where a late
# visit may run on into a night shift.
_NO_TEXT, _NO_DATE, _NO_TIME = cast(null(), String), cast(null(), Date), cast(null(), Time)
_CALENDARS = union_all(
    select(
        WorkingInterval.staff_id,
        WorkingInterval.weekday,
        _NO_TEXT,
        _NO_DATE,
        _NO_DATE,
        WorkingInterval.start_time,
        WorkingInterval.end_time,
        NoSpans(),
    ).where(WorkingInterval.staff_id.in_(bindparam("ids", expanding=True))),
    select(
        ScheduleException.staff_id,
        cast(null(), Integer),
        ScheduleException.kind,
        ScheduleException.date_from,
        ScheduleException.date_to,
        ScheduleException.start_time,
        ScheduleException.end_time,
        NoSpans(),
    ).where(
        ScheduleException.staff_id.in_(bindparam("ids", expanding=True)),
        ScheduleException.date_from <= bindparam("until"),
        ScheduleException.date_to >= bindparam("first"),
    ),
    select(
        Booking.staff_id,
        cast(null(), Integer),
        _NO_TEXT,
        _NO_DATE,
        _NO_DATE,
        _NO_TIME,
        _NO_TIME,
        _BUSY_SPANS,
    )
    .where(*_ACTIVE_BOOKINGS, *_busy_window())
    .group_by(Booking.staff_id),
)


def _window_parameters(first: date, last: date, zone: ZoneInfo, suffix: str = "") -> dict[str, Any]:
    """For bookings touching local days [first, last], and as far into the next
    day as a late visit can run."""
    lo = datetime.combine(first, time(), zone)
    return {
        "since" + suffix: lo - LONGEST_BOOKING,
        "lo" + suffix: lo,
        "hi" + suffix: datetime.combine(last + timedelta(days=1), time(), zone) + LONGEST_BOOKING,
    }


def _stretches(days: Sequence[date]) -> list[tuple[date, date]]:
    """Sorted days as (first, last) stretches. A gap of one day (a Sunday off)
    does not split a stretch; a longer one does, and then the windows of
    `_window_parameters` cannot overlap."""
    stretches: list[tuple[date, date]] = []
    for day in days:
        if stretches and (day - stretches[-1][1]).days <= 2:
            stretches[-1] = (stretches[-1][0], day)
        else:
            stretches.append((day, day))
    return stretches


def _spans(aggregate: str | list[list[int]]) -> list[tuple[int, int]]:
    """`BusySpans`' value as (start, end) pairs."""
    if isinstance(aggregate, str):
        seconds = iter(map(int, aggregate.split(",")))
        return list(zip(seconds, seconds, strict=True))
    return [(start, end) for start, end in aggregate]


async def _calendars(
    session: AsyncSession,
    ids: list[int],
    first: date,
    last: date,
    zone: ZoneInfo,
    exclude_booking_id: int | None,
) -> list[StaffCalendar]:
    """Hours, exceptions and bookings of `ids` for local days [first, last]."""
    hours = {staff_id: _Hours(staff_id) for staff_id in ids}
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    parameters = {"ids": ids, "first": first, "until": last + timedelta(days=1)}
    parameters |= _window_parameters(first, last, zone)
    parameters["exclude"] = exclude_booking_id or NO_BOOKING
    rows = await session.execute(_CALENDARS, parameters)
    for staff_id, weekday, kind, date_from, date_to, start, end, spans in rows:
        if spans is not None:
            busy[staff_id] = _spans(spans)
        elif weekday is None:
            hours[staff_id].exceptions.append(DatedException(kind, date_from, date_to, start, end))
        else:
            hours[staff_id].weekly.append(WeeklyInterval(weekday, start, end))
    return [hours[staff_id].with_busy(busy[staff_id]) for staff_id in ids]


async def _busy(
    session: AsyncSession,
    ids: list[int],
    days: Sequence[date],
    zone: ZoneInfo,
    exclude_booking_id: int | None,
) -> dict[int, list[tuple[int, int]]]:
    """Active bookings but `exclude_booking_id` as epoch-second spans by staff id,
    for the local `days` (sorted) only: the last rounds of a month ask for a few
    scattered days."""
    stretches = _stretches(days)
    parameters: dict[str, Any] = {"ids": ids, "exclude": exclude_booking_id or NO_BOOKING}
    for n, (first, last) in enumerate(stretches):
        parameters |= _window_parameters(first, last, zone, str(n))
    rows = await session.execute(_busy_statement(len(stretches)), parameters)
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for staff_id, spans in rows:
        busy[staff_id] += _spans(spans)
    return busy


_DAY_LOAD = (
    select(Booking.staff_id, func.count())
    .where(
        *_ACTIVE_BOOKINGS,
        Booking.starts_at >= bindparam("lo"),
        Booking.starts_at < bindparam("hi"),
    )
    .group_by(Booking.staff_id)
)


async def _day_load(
    session: AsyncSession,
    ids: list[int],
    day: date,
    zone: ZoneInfo,
    exclude_booking_id: int | None,
) -> dict[int, int]:
    """How many active bookings each staff member starts on the local day."""
    rows = await session.execute(
        _DAY_LOAD,
        {
            "ids": ids,
            "exclude": exclude_booking_id or NO_BOOKING,
            "lo": datetime.combine(day, time(), zone),
            "hi": datetime.combine(day + timedelta(days=1), time(), zone),
        },
    )
    return {staff_id: count for staff_id, count in rows}
