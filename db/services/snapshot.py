"""What a client browses, kept in memory: the business settings, the active
services and staff, and everyone's working hours.

These change a few times a week and are read on nearly every tap, so reading
them from the database each time was most of the bot's SQL (about three
statements of every seven in a booking flow, four of the six behind a month of
free days). One `Snapshot` per database (engine) serves every session until
something changes:

- an ORM write to one of its tables, in this process, makes it stale at the
  flush and again when that transaction ends (before the commit, the writer's
  own session reads fresh, so it sees what it wrote; after it, everyone does);
- a write this process cannot see (another process, raw SQL) shows within
  `TTL_SECONDS`.

Only the browse path reads it (screens, free days and times). Whatever a
booking is checked against is read fresh inside the booking's transaction
(`calendar.check_slot`, `calendar.pick_staff`, the booking service), so a stale
snapshot can at worst offer a time that the booking then refuses, with the
usual "just taken" answer.
"""

from __future__ import annotations

import time as monotonic_time
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import chain
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from db.models import (
    BusinessSettings,
    ScheduleException,
    Service,
    Staff,
    WorkingInterval,
    staff_services,
)
from db.services.availability import DatedException, WeeklyInterval
from db.services.business import get_business

TTL_SECONDS = 60.0
"""How long a snapshot serves when nothing in this process says it changed."""

_SOURCES = (BusinessSettings, Service, Staff, WorkingInterval, ScheduleException)
_SOURCE_TABLES = frozenset({*(model.__tablename__ for model in _SOURCES), staff_services.name})
_CHANGED = "zapis.snapshot_changed"  # in `Session.info`: this transaction wrote a source


@dataclass(frozen=True, slots=True)
class BusinessView:
    """What screens and the free-time search read of the settings row."""

    name: str
    address: str | None
    phone: str | None
    email: str | None
    website: str | None
    latitude: float | None
    longitude: float | None
    timezone: str
    currency: str
    slot_step_minutes: int
    horizon_days: int
    min_lead_minutes: int
    max_upcoming_per_client: int
    cancel_deadline_minutes: int


@dataclass(frozen=True, slots=True)
class ServiceView:
    """An active service and the active staff who do it, in their stable order."""

    id: int
    name: str
    duration_minutes: int
    buffer_after_minutes: int
    price: Decimal
    staff_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StaffView:
    """An active staff member and their hours (every dated exception, past ones too)."""

    id: int
    name: str
    weekly: tuple[WeeklyInterval, ...]
    exceptions: tuple[DatedException, ...]

    def exceptions_touching(self, first: date, last: date) -> list[DatedException]:
        return [e for e in self.exceptions if e.date_from <= last and e.date_to >= first]


@dataclass(frozen=True, slots=True)
class Snapshot:
    business: BusinessView
    services: dict[int, ServiceView]  # active ones someone active does, in menu order
    staff: dict[int, StaffView]  # active ones, by (sort_order, id)

    def service(self, service_id: int | None) -> ServiceView | None:
        return self.services.get(service_id) if service_id is not None else None

    def staff_member(self, staff_id: int | None) -> StaffView | None:
        return self.staff.get(staff_id) if staff_id is not None else None

    def staff_of(self, service_id: int) -> list[StaffView]:
        service = self.services.get(service_id)
        return [self.staff[i] for i in service.staff_ids] if service else []


class _Cache:
    """One engine's snapshot. `generation` moves on every invalidation, so a load
    that began before a change cannot store what it read."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.generation = 0
        self.snapshot: Snapshot | None = None
        self.expires = 0.0

    def current(self) -> Snapshot | None:
        return self.snapshot if self.clock() < self.expires else None

    def store(self, snapshot: Snapshot, generation: int) -> None:
        if generation == self.generation:
            self.snapshot, self.expires = snapshot, self.clock() + TTL_SECONDS

    def invalidate(self) -> None:
        self.generation += 1
        self.snapshot = None


_caches: weakref.WeakKeyDictionary[Engine, _Cache] = weakref.WeakKeyDictionary()


def _engine_of(session: Session) -> Engine | None:
    bind = session.bind
    if bind is None:
        return None
    return bind if isinstance(bind, Engine) else bind.engine


def _cache_of(session: Session) -> _Cache | None:
    engine = _engine_of(session)
    if engine is None:
        return None
    cache = _caches.get(engine)
    if cache is None:
        cache = _caches[engine] = _Cache(monotonic_time.monotonic)
    return cache


async def snapshot(session: AsyncSession) -> Snapshot:
    """The current snapshot; loaded through `session` when there is none.

    A session that has written to a source table reads fresh and keeps it to
    itself: its uncommitted rows are nobody else's business.
    """
    cache = _cache_of(session.sync_session)
    if cache is None or session.info.get(_CHANGED):
        return await _load(session)
    current = cache.current()
    if current is None:
        generation = cache.generation
        current = await _load(session)
        cache.store(current, generation)
    return current


def forget_snapshot(engine: AsyncEngine) -> None:
    """Drop `engine`'s snapshot now: for writes no session saw (raw SQL, a restore)."""
    if (cache := _caches.get(engine.sync_engine)) is not None:
        cache.invalidate()


# --- loading ---------------------------------------------------------------------------

_BUSINESS_FIELDS = tuple(BusinessView.__dataclass_fields__)

_SERVICES = (
    select(Service, staff_services.c.staff_id)
    .join(staff_services, staff_services.c.service_id == Service.id)
    .join(Staff, Staff.id == staff_services.c.staff_id)
    .where(Service.active.is_(True), Staff.active.is_(True))
    .order_by(Service.sort_order, Service.id, Staff.sort_order, Staff.id)
)
_STAFF = (
    select(Staff.id, Staff.name).where(Staff.active.is_(True)).order_by(Staff.sort_order, Staff.id)
)
_WEEKLY = select(
    WorkingInterval.staff_id,
    WorkingInterval.weekday,
    WorkingInterval.start_time,
    WorkingInterval.end_time,
).order_by(WorkingInterval.staff_id, WorkingInterval.weekday, WorkingInterval.start_time)
_EXCEPTIONS = select(
    ScheduleException.staff_id,
    ScheduleException.kind,
    ScheduleException.date_from,
    ScheduleException.date_to,
    ScheduleException.start_time,
    ScheduleException.end_time,
).order_by(ScheduleException.staff_id, ScheduleException.date_from)


async def _load(session: AsyncSession) -> Snapshot:
    business = await get_business(session)
    view = BusinessView(**{name: getattr(business, name) for name in _BUSINESS_FIELDS})
    staff_names: dict[int, str] = {i: name for i, name in await session.execute(_STAFF)}
    weekly: dict[int, list[WeeklyInterval]] = defaultdict(list)
    for staff_id, weekday, start, end in await session.execute(_WEEKLY):
        weekly[staff_id].append(WeeklyInterval(weekday, start, end))
    exceptions: dict[int, list[DatedException]] = defaultdict(list)
    for staff_id, kind, *dates_and_times in await session.execute(_EXCEPTIONS):
        exceptions[staff_id].append(DatedException(kind, *dates_and_times))
    staff = {
        staff_id: StaffView(staff_id, name, tuple(weekly[staff_id]), tuple(exceptions[staff_id]))
        for staff_id, name in staff_names.items()
    }
    return Snapshot(view, _services(await session.execute(_SERVICES)), staff)


def _services(rows: Iterable[Any]) -> dict[int, ServiceView]:
    services: dict[int, Service] = {}
    staff_ids: dict[int, list[int]] = defaultdict(list)
    for service, staff_id in rows:
        services.setdefault(service.id, service)
        staff_ids[service.id].append(staff_id)
    return {
        service_id: ServiceView(
            id=service_id,
            name=service.name,
            duration_minutes=service.duration_minutes,
            buffer_after_minutes=service.buffer_after_minutes,
            price=service.price,
            staff_ids=tuple(staff_ids[service_id]),
        )
        for service_id, service in services.items()
    }


# --- invalidation ----------------------------------------------------------------------


def _changed(session: Session) -> None:
    session.info[_CHANGED] = True
    if (cache := _cache_of(session)) is not None:
        cache.invalidate()


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    if any(isinstance(row, _SOURCES) for row in chain(session.new, session.dirty, session.deleted)):
        _changed(session)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    """Bulk and Core writes through a session (`session.execute(insert(...))`)."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _SOURCE_TABLES:
            _changed(state.session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    changed = transaction.parent is None and session.info.pop(_CHANGED, False)
    if changed and (cache := _cache_of(session)) is not None:
        cache.invalidate()
