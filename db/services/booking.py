"""Booking, cancelling and moving appointments: the one place that changes bookings.

What the client saw on a screen a minute ago is a hint, not a promise: every
change checks the slot again inside the caller's transaction, and the database
guard (`ex_bookings_no_overlap` on PostgreSQL, the `booking_overlap` triggers on
SQLite) settles any race the check cannot see. A lost race becomes `SlotTaken`
and the caller's transaction stays usable and unchanged: a new booking's INSERT
leaves the transaction intact when the guard refuses it (`_write_new_booking`),
and a move runs in a SAVEPOINT (`_overlap_guard`).

These functions never commit: the caller (the per-update session middleware, a
job, a test) does, so the change, its audit entry and its outbox messages land
together or not at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, not_, select
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from db.models import (
    ACTIVE_STATUSES,
    ActorKind,
    Booking,
    BookingStatus,
    BusinessSettings,
    Client,
    ConfirmationMode,
    Service,
    Staff,
    is_active_status,
    staff_services,
)
from db.services import notifications
from db.services.audit import Actor, entry, record
from db.services.availability import SlotProblem, SlotRules
from db.services.business import get_business
from db.services.calendar import (
    EXCEPTIONS_NEAR_JSON,
    LONGEST_BOOKING,
    WEEKLY_HOURS_JSON,
    check_slot,
    hours_problem,
    hours_window,
    load_rules,
    pick_staff,
    service_staff,
    slot_rules,
)
from db.services.errors import (
    BookingError,
    BookingNotFound,
    InvalidStart,
    MoveServiceOff,
    MoveStaffOff,
    NotActive,
    NotAllowed,
    NotStarted,
    NotYours,
    OutsideWorkingHours,
    PastCancelDeadline,
    ServiceUnavailable,
    SlotTaken,
    StaffUnavailable,
    TooFarAhead,
    TooManyUpcoming,
    TooSoon,
)
from db.services.outbox import Message, note_enqueued, rows_of
from db.services.recorded_insert import SQLITE_OVERLAP_MESSAGE, insert_recorded
from db.services.snapshot import snapshot

__all__ = [
    "Actor",
    "BookingView",
    "booking_details",
    "cancel_booking",
    "change_deadline",
    "changeable_booking",
    "check_booking_limit",
    "complete_booking",
    "confirm_booking",
    "create_booking",
    "get_client_booking",
    "mark_no_show",
    "movable_booking",
    "past_bookings",
    "reschedule_booking",
    "upcoming_bookings",
]

TEXT_MAX_LENGTH = 500  # comment and cancel reason columns
PG_EXCLUSION_VIOLATION = "23P01"
PG_DEADLOCK = "40P01"
ENTITY = "booking"
# Picks for "any available" when the chosen one is taken between the pick and the
# insert; each retry means another booking for that very minute just committed.
ANY_STAFF_ATTEMPTS = 3

_PROBLEM_ERRORS: dict[SlotProblem, type[BookingError]] = {
    SlotProblem.TOO_SOON: TooSoon,
    SlotProblem.TOO_FAR: TooFarAhead,
    SlotProblem.OUTSIDE_HOURS: OutsideWorkingHours,
    SlotProblem.TAKEN: SlotTaken,
}


@dataclass(frozen=True)
class BookingView:
    """Everything a screen shows about one booking, loaded up front (no lazy loads)."""

    id: int
    client_id: int
    staff_id: int
    service_id: int
    service_name: str
    staff_name: str
    starts_at: datetime
    ends_at: datetime
    price: Decimal
    status: BookingStatus
    comment: str | None
    source: str
    cancelled_by: ActorKind | None
    cancel_reason: str | None
    client_name: str | None
    client_phone: str | None
    client_telegram_id: int | None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @classmethod
    def of(
        cls, booking: Booking, service_name: str, staff_name: str, client: Client
    ) -> BookingView:
        """The view of rows already in hand."""
        return cls(
            id=booking.id,
            client_id=booking.client_id,
            staff_id=booking.staff_id,
            service_id=booking.service_id,
            service_name=service_name,
            staff_name=staff_name,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            price=booking.price,
            status=booking.status,
            comment=booking.comment,
            source=booking.source,
            cancelled_by=booking.cancelled_by,
            cancel_reason=booking.cancel_reason,
            client_name=client.name,
            client_phone=client.phone,
            client_telegram_id=client.telegram_id,
        )


# --- helpers -------------------------------------------------------------------------


def _clean_text(text: str | None) -> str | None:
    """Trimmed, capped to the column, None when blank. Dialogs validate length
    for the user; this only keeps a stray long text from failing the write."""
    if text is None or not (text := text.strip()):
        return None
    return text[:TEXT_MAX_LENGTH]


def _is_overlap(error: DBAPIError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    return sqlstate == PG_EXCLUSION_VIOLATION or SQLITE_OVERLAP_MESSAGE in str(error.orig)


@asynccontextmanager
async def _overlap_guard(session: AsyncSession) -> AsyncIterator[None]:
    """Run writes that can hit the database's overlap guard in a SAVEPOINT: a hit
    becomes `SlotTaken` and leaves the caller's transaction usable and unchanged.

    PostgreSQL checks an exclusion constraint after writing the row, so two
    UPDATEs moving bookings into one slot at the same moment can each wait for
    the other; it breaks the tie by failing one with a deadlock. That one lost
    the race for the slot as surely as if it had come second.
    """
    try:
        async with session.begin_nested():
            yield
    except DBAPIError as error:
        deadlock = getattr(error.orig, "sqlstate", None) == PG_DEADLOCK
        if not (deadlock or _is_overlap(error)):
            raise
        raise SlotTaken from error


def _upcoming(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """Active and not over yet; everything else is history. `now` may be a bound parameter."""
    return and_(is_active_status(Booking.status), Booking.ends_at > now)


def _check_start(starts_at: datetime, now: datetime) -> None:
    """A start must be a real instant ahead (a naive one would only fail the write)."""
    if starts_at.tzinfo is None or starts_at <= now:
        raise InvalidStart


def _staff_does_service(staff_id: int, service_id: int) -> ColumnElement[bool]:
    """The staff member exists, is active and does the service."""
    return (
        select(Staff.id)
        .join(staff_services, staff_services.c.staff_id == Staff.id)
        .where(Staff.id == staff_id, Staff.active, staff_services.c.service_id == service_id)
        .exists()
    )


async def _check_staff(session: AsyncSession, staff_id: int, service_id: int) -> None:
    if not await session.scalar(select(_staff_does_service(staff_id, service_id))):
        raise StaffUnavailable


async def _check_slot(
    session: AsyncSession,
    *,
    rules: SlotRules,
    staff_id: int,
    start: datetime,
    exclude_booking_id: int | None = None,
) -> None:
    problem = await check_slot(
        session,
        rules=rules,
        staff_id=staff_id,
        start=start,
        exclude_booking_id=exclude_booking_id,
    )
    if problem is not None:
        raise _PROBLEM_ERRORS[problem]


async def _any_staff(
    session: AsyncSession,
    *,
    service_id: int,
    rules: SlotRules,
    start: datetime,
    exclude_booking_id: int | None = None,
) -> int:
    """A free staff member for "any available", or the most telling refusal."""
    staff_id = await pick_staff(
        session,
        service_id=service_id,
        rules=rules,
        start=start,
        exclude_booking_id=exclude_booking_id,
    )
    if staff_id is not None:
        return staff_id
    candidates = await service_staff(session, service_id)
    if not candidates:
        raise StaffUnavailable
    problems = [
        await check_slot(
            session,
            rules=rules,
            staff_id=staff.id,
            start=start,
            exclude_booking_id=exclude_booking_id,
        )
        for staff in candidates
    ]
    # Someone works then but is busy: "taken" tells the client more than "outside hours".
    problem = SlotProblem.TAKEN if SlotProblem.TAKEN in problems else problems[0]
    raise _PROBLEM_ERRORS[problem or SlotProblem.TAKEN]


async def _booking_of_request(
    session: AsyncSession, *, client_id: int, request_key: str
) -> Booking | None:
    return await session.scalar(
        select(Booking).where(Booking.client_id == client_id, Booking.request_key == request_key)
    )


async def _load_for_change(session: AsyncSession, booking_id: int) -> Booking:
    """The booking, row-locked on PostgreSQL so concurrent changes queue up
    (SQLite's BEGIN IMMEDIATE already serializes writers)."""
    booking = await session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if booking is None:
        raise BookingNotFound
    return booking


async def _authorize(session: AsyncSession, booking: Booking, actor: Actor) -> None:
    """Clients change only their own bookings, staff only those with them."""
    if actor.kind == ActorKind.CLIENT:
        if booking.client_id != actor.client_id:
            raise NotYours
    elif actor.kind == ActorKind.STAFF:
        staff_telegram_id = await session.scalar(
            select(Staff.telegram_id).where(Staff.id == booking.staff_id)
        )
        if actor.telegram_id is None or staff_telegram_id != actor.telegram_id:
            raise NotYours


def change_deadline(starts_at: datetime, cancel_deadline_minutes: int) -> datetime:
    """Until when a client may cancel or move a visit starting at `starts_at` themselves."""
    return starts_at - timedelta(minutes=cancel_deadline_minutes)


async def _check_client_deadline(
    session: AsyncSession, booking: Booking, actor: Actor, now: datetime
) -> None:
    if not actor.is_client:
        return
    business = await get_business(session)
    if now > change_deadline(booking.starts_at, business.cancel_deadline_minutes):
        raise PastCancelDeadline


async def changeable_booking(
    session: AsyncSession, *, booking_id: int, actor: Actor, now: datetime
) -> Booking:
    """An active booking the actor may cancel or move right now, else the refusal
    (not found, not yours, not active, past the deadline). Screens ask it before
    sending a client through the calendar; cancel and reschedule start with it."""
    booking = await _load_for_change(session, booking_id)
    await _authorize(session, booking, actor)
    if booking.status not in ACTIVE_STATUSES:
        raise NotActive
    await _check_client_deadline(session, booking, actor, now)
    return booking


async def movable_booking(
    session: AsyncSession, *, booking_id: int, actor: Actor, now: datetime
) -> Booking:
    """A booking the actor may move right now: `changeable_booking`, and for a
    client also still offered as booked. A client may not move a visit the business
    no longer offers (`MoveServiceOff`, `MoveStaffOff`); staff and admins may, to
    arrange it."""
    booking = await changeable_booking(session, booking_id=booking_id, actor=actor, now=now)
    if actor.is_client:
        service = await session.get_one(Service, booking.service_id)
        if not service.active:
            raise MoveServiceOff
        if not await session.scalar(select(_staff_does_service(booking.staff_id, service.id))):
            raise MoveStaffOff
    return booking


async def _audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    booking: Booking,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    await record(
        session,
        actor=actor,
        action=action,
        entity=ENTITY,
        entity_id=booking.id,
        details=details,
        at=now,
    )


# --- changes -------------------------------------------------------------------------


def _check_limit(upcoming: int, limit: int) -> None:
    """A client may hold at most `limit` (`max_upcoming_per_client`) upcoming bookings."""
    if upcoming >= limit:
        raise TooManyUpcoming


async def check_booking_limit(session: AsyncSession, *, client_id: int, now: datetime) -> None:
    """Refuse (`TooManyUpcoming`) a client already at the limit before they choose a
    visit in vain. `create_booking` checks again, against the settings row itself:
    bookings may be made meanwhile, and the snapshot read here may be a minute old."""
    business = (await snapshot(session)).business
    upcoming = await session.scalar(
        _UPCOMING_OF_CLIENT, {"client_id": client_id, "since": now - LONGEST_BOOKING, "now": now}
    )
    _check_limit(upcoming or 0, business.max_upcoming_per_client)


# Built once: SQLAlchemy walks a statement built per call to find its cached SQL,
# which cost more than the query itself. `since`: see `_request_statement`.
_UPCOMING_OF_CLIENT = select(func.count(Booking.id)).where(
    Booking.client_id == bindparam("client_id"),
    Booking.starts_at > bindparam("since"),
    _upcoming(bindparam("now")),
)


def _request_statement(*, named_staff: bool) -> Select[Any]:
    """What `create_booking` reads before the calendar: one row, as everything in
    it is a single row or an aggregate, of plain columns. Loading the client,
    the service, the settings and the staff member as ORM objects instead cost
    as much again as the rest of the read.

    Columns: client_id, client_telegram_id, blocked_bot; service_id, active,
    duration_minutes, buffer_after_minutes, price (service_id None: no such
    service); settings_id (None until the settings row exists) and the settings
    the rules, the limit, the status and the reminders need; upcoming (the
    client's upcoming bookings) and repeat_id (the client's booking this very
    request already made, by its `request_key`). With `named_staff` also named_staff_id (None unless
    the staff member is active and does the service), staff_chat, and their
    weekly hours and nearby exceptions as JSON rows (`calendar.WEEKLY_HOURS_JSON`,
    `calendar.EXCEPTIONS_NEAR_JSON`).

    Parameters: client_id, service_id, request_key, now, and since: `now -
    LONGEST_BOOKING`, before which no upcoming booking starts; with `named_staff`
    also staff_id and `calendar.hours_window`'s, for the staff member's hours.
    The `since` bound makes SQLite count by the (client_id, starts_at) index;
    without it, it picks (status, ends_at) and reads every active booking.
    """
    upcoming = and_(
        Booking.client_id == Client.id,
        Booking.starts_at > bindparam("since"),
        _upcoming(bindparam("now")),
    )
    repeat = select(Booking.id).where(
        Booking.client_id == Client.id, Booking.request_key == bindparam("request_key")
    )
    statement = (
        select(
            Client.id.label("client_id"),
            Client.telegram_id.label("client_telegram_id"),
            Client.blocked_bot,
            Service.id.label("service_id"),
            Service.active,
            Service.duration_minutes,
            Service.buffer_after_minutes,
            Service.price,
            BusinessSettings.id.label("settings_id"),
            BusinessSettings.slot_step_minutes,
            BusinessSettings.min_lead_minutes,
            BusinessSettings.horizon_days,
            BusinessSettings.timezone,
            BusinessSettings.max_upcoming_per_client,
            BusinessSettings.confirmation_mode,
            BusinessSettings.reminder_offsets_minutes,
            select(func.count(Booking.id)).where(upcoming).scalar_subquery().label("upcoming"),
            repeat.scalar_subquery().label("repeat_id"),
        )
        .select_from(Client)
        .outerjoin(Service, Service.id == bindparam("service_id"))
        .outerjoin(BusinessSettings, BusinessSettings.id == 1)
        .where(Client.id == bindparam("client_id"))
    )
    if not named_staff:
        return statement
    link = and_(
        staff_services.c.staff_id == bindparam("staff_id"),
        staff_services.c.service_id == bindparam("service_id"),
    )
    return (
        statement.add_columns(
            Staff.id.label("named_staff_id"),
            Staff.telegram_id.label("staff_chat"),
            WEEKLY_HOURS_JSON.label("weekly_hours"),
            EXCEPTIONS_NEAR_JSON.label("exceptions_near"),
        )
        .outerjoin(staff_services, link)
        .outerjoin(Staff, and_(Staff.id == staff_services.c.staff_id, Staff.active))
    )


_REQUEST = _request_statement(named_staff=False)
_REQUEST_NAMED_STAFF = _request_statement(named_staff=True)
_LOCK_CLIENT = select(Client.id).where(Client.id == bindparam("client_id")).with_for_update()


async def _lock_client(session: AsyncSession, client_id: int) -> None:
    """Queue one client's booking requests (see `create_booking`).

    PostgreSQL: a row lock, in a statement of its own. A statement that waits
    for a lock still reads with the snapshot it began with, so bookings a
    competitor committed while we waited would be invisible to it; the next
    statement (READ COMMITTED) sees them. SQLite: nothing to do, the transaction
    began with `BEGIN IMMEDIATE` and holds the database's one write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_LOCK_CLIENT, {"client_id": client_id})


def _read_row(
    session: Session, statement: Select[Any], parameters: dict[str, Any]
) -> Row[Any] | None:
    """The request row, in one call from the event loop (each starts a greenlet,
    see `db.services.recorded_insert`). Through the connection, as Core: the
    session would run its ORM loading over the row, a third of the read's CPU
    for nothing. Flushed first, as the session's own execute would, so the read
    sees this session's changes."""
    session.flush()
    return session.connection().execute(statement, parameters).one_or_none()


async def _read_request(
    session: AsyncSession,
    *,
    client_id: int,
    service_id: int,
    staff_id: int | None,
    starts_at: datetime,
    now: datetime,
    request_key: str | None,
) -> Row[Any]:
    parameters = {
        "client_id": client_id,
        "service_id": service_id,
        "staff_id": staff_id,
        "request_key": request_key,
        "now": now,
        "since": now - LONGEST_BOOKING,
    }
    statement = _REQUEST
    if staff_id is not None:
        statement = _REQUEST_NAMED_STAFF
        parameters |= hours_window(starts_at)
    row = await session.run_sync(_read_row, statement, parameters)
    if row is None:
        raise ValueError(f"no client {client_id}: the bot registers clients before booking")
    return row


async def create_booking(
    session: AsyncSession,
    *,
    client_id: int,
    service_id: int,
    staff_id: int | None,
    starts_at: datetime,
    now: datetime,
    comment: str | None = None,
    source: str = "chat",
    admin_ids: Sequence[int] = (),
    request_key: str | None = None,
) -> Booking:
    """Book a visit; `staff_id=None` means "any available".

    `request_key` is the caller's name for this request (the booking dialog makes
    one per booking, at most 32 characters). A repeat of a request that already
    succeeded (a double tap, an update Telegram delivers again after a crash)
    returns the booking it made, also when both run at once. Without a key every
    call is a new request: the same client may book two visits at one time (a
    child's haircut beside their own), and the request cannot tell a repeat.
    """
    _check_start(starts_at, now)
    # Locking the client queues one client's requests, so two different bookings
    # made at once cannot both slip under the upcoming-bookings limit.
    await _lock_client(session, client_id)
    request = await _read_request(
        session,
        client_id=client_id,
        service_id=service_id,
        staff_id=staff_id,
        starts_at=starts_at,
        now=now,
        request_key=request_key,
    )
    if request.repeat_id is not None:
        return await session.get_one(Booking, request.repeat_id)
    settings = request if request.settings_id is not None else await get_business(session)
    wanted = _Wanted(staff_id, starts_at, now, comment, source, request_key, tuple(admin_ids))
    try:
        attempt = 1
        while True:
            try:
                return await _new_booking(session, request, settings, wanted)
            except _InsertRefused:
                # "Any available": a booking committed after our pick took the staff
                # member (PostgreSQL; SQLite serializes writers). The next pick sees it.
                if staff_id is not None or attempt == ANY_STAFF_ATTEMPTS:
                    raise
                attempt += 1
    except BookingError:
        # Refused after all? If a twin of this request committed in the meantime
        # (its booking now fills the slot), the request did succeed. The client lock
        # makes twins queue, so this is the second line: it keeps the promise on
        # the database guard alone, whatever the transaction began with.
        if request_key is not None and (
            winner := await _booking_of_request(
                session, client_id=client_id, request_key=request_key
            )
        ):
            return winner
        raise


@dataclass(frozen=True, slots=True)
class _Wanted:
    """The booking `create_booking` was asked for."""

    staff_id: int | None  # None: any available
    starts_at: datetime
    now: datetime
    comment: str | None
    source: str
    request_key: str | None
    admin_ids: tuple[int, ...]


async def _new_booking(
    session: AsyncSession,
    request: Row[Any],
    settings: Row[Any] | BusinessSettings,
    wanted: _Wanted,
) -> Booking:
    """One attempt at the booking: pick (for any available), check, insert."""
    values = await _new_booking_values(session, request, settings, wanted)
    messages = notifications.new_booking_messages(
        status=values["status"],
        starts_at=wanted.starts_at,
        now=wanted.now,
        client_chat=None if request.blocked_bot else request.client_telegram_id,
        staff_chat=(
            request.staff_chat
            if wanted.staff_id is not None
            else await notifications.staff_chat(session, values["staff_id"])
        ),
        admin_ids=list(wanted.admin_ids),
        reminder_offsets=settings.reminder_offsets_minutes,
    )
    actor = Actor(
        ActorKind.CLIENT, telegram_id=request.client_telegram_id, client_id=request.client_id
    )
    return await _write_new_booking(session, values, actor, now=wanted.now, messages=messages)


class _InsertRefused(SlotTaken):
    """The overlap guard refused the insert: the slot was free when checked."""


async def _write_new_booking(
    session: AsyncSession,
    values: dict[str, Any],
    actor: Actor,
    *,
    now: datetime,
    messages: list[Message],
) -> Booking:
    """Insert a new booking under the overlap guard (refused: `_InsertRefused`) with
    its audit entry and its `messages` (`db.services.recorded_insert`)."""
    details = {
        "staff_id": values["staff_id"],
        "starts_at": values["starts_at"].isoformat(),
        "source": values["source"],
    }
    outbox_rows = rows_of(messages)
    audit_entry = entry(
        actor=actor, action="created", entity=ENTITY, entity_id=None, details=details, at=now
    )
    booking = await insert_recorded(session, values, audit_entry, outbox_rows)
    if booking is None:
        raise _InsertRefused
    note_enqueued(session, outbox_rows)
    return booking


async def _new_booking_values(
    session: AsyncSession,
    request: Row[Any],
    settings: Row[Any] | BusinessSettings,
    wanted: _Wanted,
) -> dict[str, Any]:
    """Check every rule; the new booking's columns. `settings`: the request's
    own columns, or the row `get_business` made when there was none."""
    if request.service_id is None or not request.active:
        raise ServiceUnavailable
    staff_id, starts_at, now = wanted.staff_id, wanted.starts_at, wanted.now
    rules = slot_rules(request, settings, now)
    if staff_id is None:
        staff_id = await _any_staff(
            session, service_id=request.service_id, rules=rules, start=starts_at
        )
    else:
        if request.named_staff_id is None:
            raise StaffUnavailable
        # The hours came with the request; an overlap is refused by the INSERT's guard.
        weekly, exceptions = request.weekly_hours, request.exceptions_near
        if problem := hours_problem(staff_id, weekly, exceptions, rules, starts_at):
            raise _PROBLEM_ERRORS[problem]
    _check_limit(request.upcoming, settings.max_upcoming_per_client)

    ends_at = starts_at + timedelta(minutes=request.duration_minutes)
    return {
        "client_id": request.client_id,
        "staff_id": staff_id,
        "service_id": request.service_id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "busy_until": ends_at + timedelta(minutes=request.buffer_after_minutes),
        "status": (
            BookingStatus.PENDING
            if settings.confirmation_mode == ConfirmationMode.MANUAL
            else BookingStatus.CONFIRMED
        ),
        "price": request.price,
        "comment": _clean_text(wanted.comment),
        "source": wanted.source,
        "request_key": wanted.request_key,
        "created_at": now,
        "updated_at": now,
    }


async def cancel_booking(
    session: AsyncSession,
    *,
    booking_id: int,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    admin_ids: Sequence[int] = (),
) -> Booking:
    """Cancel: a client their own booking up to the deadline; staff, admin, system any time."""
    booking = await changeable_booking(session, booking_id=booking_id, actor=actor, now=now)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_by = actor.kind
    booking.cancel_reason = _clean_text(reason)
    booking.updated_at = now
    await session.flush()
    await _audit(session, actor, "cancelled", booking, now, {"reason": booking.cancel_reason})
    await notifications.booking_cancelled(
        session, booking, now=now, admin_ids=list(admin_ids), notify_client=not actor.is_client
    )
    return booking


async def reschedule_booking(
    session: AsyncSession,
    *,
    booking_id: int,
    actor: Actor,
    starts_at: datetime,
    now: datetime,
    staff_id: int | None = None,
    admin_ids: Sequence[int] = (),
) -> Booking:
    """Move the same booking row to a new start (and staff member, when given).

    The new slot may overlap the booking's own old one. On any refusal the
    booking stays exactly as it was, in the database and in the session.
    """
    booking = await movable_booking(session, booking_id=booking_id, actor=actor, now=now)
    new_staff_id = booking.staff_id if staff_id is None else staff_id
    if starts_at == booking.starts_at and new_staff_id == booking.staff_id:
        return booking  # a repeated tap: already there
    _check_start(starts_at, now)
    service = await session.get_one(Service, booking.service_id)
    if new_staff_id != booking.staff_id:
        await _check_staff(session, new_staff_id, service.id)
    await _check_slot(
        session,
        rules=await load_rules(session, service, now),
        staff_id=new_staff_id,
        start=starts_at,
        exclude_booking_id=booking.id,
    )

    before = {"staff_id": booking.staff_id, "starts_at": booking.starts_at.isoformat()}
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    try:
        async with _overlap_guard(session):
            booking.staff_id = new_staff_id
            booking.starts_at = starts_at
            booking.ends_at = ends_at
            booking.busy_until = ends_at + timedelta(minutes=service.buffer_after_minutes)
            booking.updated_at = now
    except SlotTaken:
        # The savepoint rollback expired the row; load its untouched values back.
        await session.refresh(booking)
        raise

    after = {"staff_id": booking.staff_id, "starts_at": starts_at.isoformat()}
    await _audit(session, actor, "rescheduled", booking, now, {"from": before, "to": after})
    await notifications.booking_rescheduled(
        session,
        booking,
        now=now,
        admin_ids=list(admin_ids),
        previous_staff_id=before["staff_id"],
    )
    return booking


async def confirm_booking(
    session: AsyncSession,
    *,
    booking_id: int,
    actor: Actor,
    now: datetime,
) -> Booking:
    """Staff confirm a pending booking; confirming a confirmed one changes nothing.

    A client may "confirm" their own active booking too (the reminder's button):
    that records that they will come, and leaves a pending booking for staff.
    """
    booking = await _load_for_change(session, booking_id)
    await _authorize(session, booking, actor)
    if booking.status not in ACTIVE_STATUSES:
        raise NotActive
    if actor.is_client:
        await _audit(session, actor, "attendance_confirmed", booking, now)
        return booking
    if booking.status == BookingStatus.CONFIRMED:
        return booking
    booking.status = BookingStatus.CONFIRMED
    booking.updated_at = now
    await session.flush()
    await _audit(session, actor, "confirmed", booking, now)
    await notifications.booking_confirmed(session, booking, now=now)
    return booking


async def _finish(
    session: AsyncSession,
    *,
    booking_id: int,
    actor: Actor,
    now: datetime,
    status: BookingStatus,
) -> Booking:
    """Close an active booking whose visit has begun: completed or no-show."""
    if actor.is_client:
        raise NotAllowed
    booking = await _load_for_change(session, booking_id)
    await _authorize(session, booking, actor)
    if booking.status == status:
        return booking
    if booking.status not in ACTIVE_STATUSES:
        raise NotActive
    if booking.starts_at > now:
        raise NotStarted
    booking.status = status
    booking.updated_at = now
    await session.flush()
    await _audit(session, actor, status.value, booking, now)
    await notifications.booking_finished(session, booking)
    return booking


async def complete_booking(
    session: AsyncSession, *, booking_id: int, actor: Actor, now: datetime
) -> Booking:
    return await _finish(
        session, booking_id=booking_id, actor=actor, now=now, status=BookingStatus.COMPLETED
    )


async def mark_no_show(
    session: AsyncSession, *, booking_id: int, actor: Actor, now: datetime
) -> Booking:
    return await _finish(
        session, booking_id=booking_id, actor=actor, now=now, status=BookingStatus.NO_SHOW
    )


# --- queries -------------------------------------------------------------------------


async def upcoming_bookings(
    session: AsyncSession, *, client_id: int, now: datetime
) -> list[BookingView]:
    """Active bookings not over yet, soonest first."""
    return await _views(
        session,
        Booking.client_id == client_id,
        _upcoming(now),
        order_by=(Booking.starts_at, Booking.id),
    )


async def past_bookings(
    session: AsyncSession, *, client_id: int, now: datetime, limit: int = 10
) -> list[BookingView]:
    """Everything not upcoming (visits over, cancelled ones), latest first."""
    return await _views(
        session,
        Booking.client_id == client_id,
        not_(_upcoming(now)),
        order_by=(Booking.starts_at.desc(), Booking.id.desc()),
        limit=limit,
    )


async def get_client_booking(session: AsyncSession, *, booking_id: int, client_id: int) -> Booking:
    booking = await session.get(Booking, booking_id)
    if booking is None:
        raise BookingNotFound
    if booking.client_id != client_id:
        raise NotYours
    return booking


async def booking_details(session: AsyncSession, booking_id: int) -> BookingView:
    views = await _views(session, Booking.id == booking_id)
    if not views:
        raise BookingNotFound
    return views[0]


async def _views(
    session: AsyncSession,
    *where: ColumnElement[bool],
    order_by: tuple[ColumnElement[Any], ...] = (),
    limit: int | None = None,
) -> list[BookingView]:
    """Views of the bookings matching `where`, with their names, in one query."""
    rows = await session.execute(
        select(Booking, Service.name, Staff.name, Client)
        .join(Service, Service.id == Booking.service_id)
        .join(Staff, Staff.id == Booking.staff_id)
        .join(Client, Client.id == Booking.client_id)
        .where(*where)
        .order_by(*order_by)
        .limit(limit)
    )
    return [BookingView.of(*row) for row in rows]
