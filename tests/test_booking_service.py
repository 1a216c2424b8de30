"""The booking service against real databases (SQLite and PostgreSQL).

The clock stands at Monday 2026-11-23 12:00 in Moscow (09:00 UTC); the world's
staff work 10–14 and 15–19 every day, lead time 60 minutes, cancel deadline
120 minutes, horizon 30 days.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import (
    ActorKind,
    AuditEntry,
    Booking,
    BookingStatus,
    Client,
    ConfirmationMode,
    ExceptionKind,
    OutboxMessage,
    OutboxStatus,
    ScheduleException,
    Service,
    Staff,
)
from db.services import booking as booking_module
from db.services import errors
from db.services.booking import (
    Actor,
    booking_details,
    cancel_booking,
    complete_booking,
    confirm_booking,
    get_client_booking,
    mark_no_show,
    past_bookings,
    reschedule_booking,
    upcoming_bookings,
)
from db.services.notifications import Kind
from tests import factories
from tests.factories import (
    ADMIN_ID,
    World,
    local,
    make_client,
    make_service,
    make_staff,
    make_world,
)
from tests.statements import recording

TODAY = date(2026, 11, 23)
DAY = TODAY + timedelta(days=2)  # Wednesday: both reminders still ahead


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await make_world(session)


async def book(session: AsyncSession, world: World, clock, hhmm: str = "10:00", **overrides):
    """Book the world's client for the 60-minute service with the first staff member."""
    arguments = {"starts_at": local(DAY, hhmm), "now": clock.now(), "admin_ids": [ADMIN_ID]}
    return await factories.book(session, world, **(arguments | overrides))


async def client_actor(session: AsyncSession, client_id: int) -> Actor:
    return Actor.client(await session.get_one(Client, client_id))


async def outbox_kinds(session: AsyncSession, booking_id: int, status=OutboxStatus.PENDING):
    rows = await session.scalars(
        select(OutboxMessage.kind).where(
            OutboxMessage.booking_id == booking_id, OutboxMessage.status == status
        )
    )
    return sorted(rows)


async def audit_actions(session: AsyncSession, booking_id: int) -> list[str]:
    rows = await session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity == "booking", AuditEntry.entity_id == booking_id)
        .order_by(AuditEntry.id)
    )
    return list(rows)


async def count(session: AsyncSession, model) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


# --- creating ------------------------------------------------------------------------


async def test_booking_stores_price_times_and_notifies(session, world, clock):
    booking = await book(session, world, clock, service_id=world.buffered_service_id)
    await session.commit()

    starts_at = local(DAY, "10:00")
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.price == Decimal("2000.00")
    assert booking.starts_at == starts_at
    assert booking.ends_at == starts_at + timedelta(minutes=45)
    assert booking.busy_until == starts_at + timedelta(minutes=60)
    assert await audit_actions(session, booking.id) == ["created"]
    assert await outbox_kinds(session, booking.id) == [
        Kind.CLIENT_BOOKED,
        Kind.REMINDER,
        Kind.REMINDER,
        Kind.STAFF_NEW,
        Kind.STAFF_NEW,  # the staff member and the admin
    ]


async def test_price_is_kept_when_the_service_price_changes(session, world, clock):
    booking = await book(session, world, clock)
    service = await session.get_one(Service, world.service_id)
    service.price = Decimal("9999.00")
    await session.commit()

    await session.refresh(booking)
    assert booking.price == Decimal("1500.00")


async def test_a_booking_nobody_can_be_told_about_is_still_made_and_audited(session, world, clock):
    """No messages at all (the client blocked the bot, the staff member has no
    linked account, no admins): the booking and its audit entry alone."""
    client = await session.get_one(Client, world.client_id)
    client.blocked_bot = True
    staff = await session.get_one(Staff, world.staff_ids[0])
    staff.telegram_id = None
    await session.commit()

    booking = await book(session, world, clock, admin_ids=[])
    await session.commit()

    assert booking.status == BookingStatus.CONFIRMED
    assert await audit_actions(session, booking.id) == ["created"]
    assert await count(session, OutboxMessage) == 0


async def test_manual_confirmation_mode_books_pending(session, clock):
    world = await make_world(session, confirmation_mode=ConfirmationMode.MANUAL)
    booking = await book(session, world, clock)
    await session.commit()

    assert booking.status == BookingStatus.PENDING
    assert Kind.CONFIRM_REQUEST in await outbox_kinds(session, booking.id)
    assert Kind.STAFF_NEW not in await outbox_kinds(session, booking.id)


async def test_any_staff_takes_whoever_is_free(session, world, clock):
    first = await book(session, world, clock)
    second = await book(session, world, clock, client_id=world.other_client_id, staff_id=None)
    await session.commit()

    assert {first.staff_id, second.staff_id} == set(world.staff_ids)


async def test_any_staff_refuses_when_everyone_is_busy(session, world, clock):
    await book(session, world, clock, staff_id=world.staff_ids[0])
    await book(session, world, clock, client_id=world.other_client_id, staff_id=world.staff_ids[1])
    third = await make_client(session, name="Third")

    with pytest.raises(errors.SlotTaken):
        await book(session, world, clock, client_id=third.id, staff_id=None)


async def test_double_tap_returns_the_same_booking(session, world, clock):
    first = await book(session, world, clock, request_key="tap")
    await session.commit()
    again = await book(session, world, clock, request_key="tap")
    await session.commit()

    assert again.id == first.id
    assert await count(session, Booking) == 1
    assert await audit_actions(session, first.id) == ["created"]


@pytest.mark.parametrize("second_staff", ["named", "any"])
async def test_a_second_request_for_the_same_time_is_a_second_booking(
    session, world, clock, second_staff
):
    """A parent booking their child's haircut beside their own, with whoever is free."""
    first = await book(session, world, clock, request_key="mine")
    await session.commit()
    staff_id = world.staff_ids[1] if second_staff == "named" else None
    second = await book(session, world, clock, staff_id=staff_id, request_key="child")
    await session.commit()

    assert second.id != first.id
    assert (first.staff_id, second.staff_id) == (world.staff_ids[0], world.staff_ids[1])
    assert await count(session, Booking) == 2


@pytest.mark.parametrize(
    ("hhmm", "day", "error"),
    [
        pytest.param("08:00", DAY, errors.OutsideWorkingHours, id="before-opening"),
        pytest.param("13:30", DAY, errors.OutsideWorkingHours, id="into-lunch"),
        pytest.param("12:30", TODAY, errors.TooSoon, id="within-lead-time"),
        pytest.param("10:00", TODAY + timedelta(days=45), errors.TooFarAhead, id="past-horizon"),
        pytest.param("10:00", TODAY, errors.InvalidStart, id="in-the-past"),
    ],
)
async def test_refuses_a_bad_time(session, world, clock, hhmm, day, error):
    with pytest.raises(error):
        await book(session, world, clock, starts_at=local(day, hhmm))
    assert await count(session, Booking) == 0


@pytest.mark.parametrize("timezone", ["Europe/Moscow", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
async def test_a_named_staff_members_exceptions_apply_in_any_time_zone(session, clock, timezone):
    """The hours come with the booking's first read, before the zone is known:
    UTC+14 and UTC-11 put the local day on either side of the UTC one."""
    world = await make_world(session, timezone=timezone)
    staff_id = world.staff_ids[0]
    session.add_all(
        [
            ScheduleException(
                staff_id=staff_id, kind=ExceptionKind.OFF, date_from=DAY, date_to=DAY
            ),
            ScheduleException(
                staff_id=staff_id,
                kind=ExceptionKind.OFF,
                date_from=DAY + timedelta(days=1),
                date_to=DAY + timedelta(days=1),
                start_time=time(10),
                end_time=time(12),
            ),
            ScheduleException(
                staff_id=staff_id,
                kind=ExceptionKind.EXTRA,
                date_from=DAY + timedelta(days=2),
                date_to=DAY + timedelta(days=2),
                start_time=time(20),
                end_time=time(22),
            ),
        ]
    )
    await session.commit()

    def at(days: int, hhmm: str):
        return local(DAY + timedelta(days=days), hhmm, timezone)

    for day_off in ("10:00", "16:00"):
        with pytest.raises(errors.OutsideWorkingHours):
            await book(session, world, clock, starts_at=at(0, day_off))
    with pytest.raises(errors.OutsideWorkingHours):
        await book(session, world, clock, starts_at=at(1, "11:00"))  # blocked
    after_the_block = await book(session, world, clock, starts_at=at(1, "12:00"))
    extra = await book(session, world, clock, starts_at=at(2, "20:00"))
    await session.commit()

    assert (after_the_block.staff_id, extra.staff_id) == (staff_id, staff_id)
    assert await count(session, Booking) == 2


async def test_refuses_a_start_without_a_time_zone(session, world, clock):
    with pytest.raises(errors.InvalidStart):
        await book(session, world, clock, starts_at=local(DAY, "10:00").replace(tzinfo=None))


async def test_refuses_a_taken_slot(session, world, clock):
    await book(session, world, clock, "10:00")
    with pytest.raises(errors.SlotTaken):
        await book(session, world, clock, "10:30", client_id=world.other_client_id)


async def test_the_buffer_keeps_the_next_slot_busy(session, world, clock):
    await book(session, world, clock, "10:00", service_id=world.buffered_service_id)
    with pytest.raises(errors.SlotTaken):
        await book(session, world, clock, "10:45", client_id=world.other_client_id)
    touching = await book(session, world, clock, "11:00", client_id=world.other_client_id)
    assert touching.starts_at == local(DAY, "11:00")


async def test_refuses_a_switched_off_or_unknown_service(session, world, clock):
    service = await session.get_one(Service, world.service_id)
    service.active = False
    with pytest.raises(errors.ServiceUnavailable):
        await book(session, world, clock)
    with pytest.raises(errors.ServiceUnavailable):
        await book(session, world, clock, service_id=world.service_id + 1000)


async def test_refuses_inactive_or_unsuitable_staff(session, world, clock):
    staff = await session.get_one(Staff, world.staff_ids[0])
    staff.active = False
    with pytest.raises(errors.StaffUnavailable):
        await book(session, world, clock)

    other_service = await make_service(session, name="Massage")
    stranger = await make_staff(session, name="Oleg", service_ids=[other_service.id])
    with pytest.raises(errors.StaffUnavailable):
        await book(session, world, clock, staff_id=stranger.id)


async def test_refuses_more_upcoming_bookings_than_allowed(session, clock):
    world = await make_world(session, max_upcoming_per_client=2)
    await book(session, world, clock, "10:00")
    noon = await book(session, world, clock, "12:00")
    with pytest.raises(errors.TooManyUpcoming):
        await book(session, world, clock, "16:00")

    # A visit that is over and a cancelled booking do not count.
    clock.set(local(DAY, "11:30"))  # the 10:00 visit is over
    await book(session, world, clock, "16:00")
    with pytest.raises(errors.TooManyUpcoming):
        await book(session, world, clock, "17:00")
    await cancel_booking(session, booking_id=noon.id, actor=Actor.system(), now=clock.now())
    later = await book(session, world, clock, "17:00")
    assert later.status == BookingStatus.CONFIRMED


async def test_comment_is_trimmed_and_capped(session, world, clock):
    booking = await book(session, world, clock, comment="  " + "x" * 900 + "  ")
    blank = await book(session, world, clock, "16:00", comment="   ")
    await session.commit()
    assert booking.comment == "x" * 500
    assert blank.comment is None


# --- cancelling ----------------------------------------------------------------------


async def test_client_cancels_before_the_deadline(session, world, clock):
    booking = await book(session, world, clock)
    await session.commit()

    actor = await client_actor(session, world.client_id)
    cancelled = await cancel_booking(
        session, booking_id=booking.id, actor=actor, now=clock.now(), admin_ids=[ADMIN_ID]
    )
    await session.commit()

    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.cancelled_by == ActorKind.CLIENT
    assert await audit_actions(session, booking.id) == ["created", "cancelled"]
    # Reminders dropped; staff and admin told; the client (who did it) not.
    assert await outbox_kinds(session, booking.id, OutboxStatus.SKIPPED) == [
        Kind.REMINDER,
        Kind.REMINDER,
    ]
    assert Kind.CLIENT_CANCELLED not in await outbox_kinds(session, booking.id)
    assert (await outbox_kinds(session, booking.id)).count(Kind.STAFF_CANCELLED) == 2
    # The slot is free again.
    again = await book(session, world, clock, client_id=world.other_client_id)
    assert again.id != booking.id


async def test_client_cannot_cancel_after_the_deadline(session, world, clock):
    booking = await book(session, world, clock)
    await session.commit()
    clock.set(booking.starts_at - timedelta(minutes=119))

    with pytest.raises(errors.PastCancelDeadline):
        await cancel_booking(
            session,
            booking_id=booking.id,
            actor=await client_actor(session, world.client_id),
            now=clock.now(),
        )
    await session.refresh(booking)
    assert booking.status == BookingStatus.CONFIRMED


async def test_staff_cancels_any_time_with_a_reason(session, world, clock):
    booking = await book(session, world, clock)
    await session.commit()
    clock.set(booking.starts_at - timedelta(minutes=10))

    cancelled = await cancel_booking(
        session,
        booking_id=booking.id,
        actor=Actor.staff(world.staff_telegram_ids[0]),
        now=clock.now(),
        reason=" Ill today ",
    )
    await session.commit()

    assert cancelled.cancelled_by == ActorKind.STAFF
    assert cancelled.cancel_reason == "Ill today"
    assert Kind.CLIENT_CANCELLED in await outbox_kinds(session, booking.id)
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "cancelled"))
    assert entry is not None
    assert entry.actor_telegram_id == world.staff_telegram_ids[0]
    assert entry.details == {"reason": "Ill today"}


async def test_cancel_refusals(session, world, clock):
    booking = await book(session, world, clock)
    await session.commit()
    stranger = await client_actor(session, world.other_client_id)
    owner = await client_actor(session, world.client_id)
    now = clock.now()

    with pytest.raises(errors.NotYours):
        await cancel_booking(session, booking_id=booking.id, actor=stranger, now=now)
    with pytest.raises(errors.NotYours):  # another staff member's booking
        other_staff = Actor.staff(world.staff_telegram_ids[1])
        await cancel_booking(session, booking_id=booking.id, actor=other_staff, now=now)
    with pytest.raises(errors.BookingNotFound):
        await cancel_booking(session, booking_id=booking.id + 1000, actor=owner, now=now)

    await cancel_booking(session, booking_id=booking.id, actor=owner, now=now)
    with pytest.raises(errors.NotActive):
        await cancel_booking(session, booking_id=booking.id, actor=owner, now=now)


# --- rescheduling --------------------------------------------------------------------


async def test_reschedule_moves_the_same_booking(session, world, clock):
    booking = await book(session, world, clock, "10:00")
    await session.commit()

    moved = await reschedule_booking(
        session,
        booking_id=booking.id,
        actor=await client_actor(session, world.client_id),
        starts_at=local(DAY, "10:30"),  # overlaps its own old slot
        now=clock.now(),
    )
    await session.commit()

    assert moved.id == booking.id
    assert moved.staff_id == world.staff_ids[0]
    assert (moved.starts_at, moved.ends_at) == (local(DAY, "10:30"), local(DAY, "11:30"))
    assert await audit_actions(session, booking.id) == ["created", "rescheduled"]
    # Old reminders dropped, new ones for the new start.
    assert await outbox_kinds(session, booking.id, OutboxStatus.SKIPPED) == [
        Kind.REMINDER,
        Kind.REMINDER,
    ]
    reminders = await session.scalars(
        select(OutboxMessage.due_at).where(
            OutboxMessage.kind == Kind.REMINDER, OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    assert sorted(reminders) == [
        moved.starts_at - timedelta(hours=24),
        moved.starts_at - timedelta(hours=2),
    ]


async def test_reschedule_to_another_staff_member_frees_the_old_slot(session, world, clock):
    booking = await book(session, world, clock, "10:00")
    await reschedule_booking(
        session,
        booking_id=booking.id,
        actor=Actor.admin(ADMIN_ID),
        starts_at=local(DAY, "16:00"),
        staff_id=world.staff_ids[1],
        now=clock.now(),
    )
    other = await book(session, world, clock, "10:00", client_id=world.other_client_id)
    await session.commit()
    assert (booking.staff_id, other.staff_id) == (world.staff_ids[1], world.staff_ids[0])


@pytest.mark.parametrize(
    ("hhmm", "error"),
    [
        pytest.param("12:00", errors.SlotTaken, id="taken"),
        pytest.param("14:30", errors.OutsideWorkingHours, id="lunch"),
    ],
)
async def test_failed_reschedule_leaves_the_booking_unchanged(
    session, sessionmaker: async_sessionmaker[AsyncSession], world, clock, hhmm, error
):
    booking = await book(session, world, clock, "10:00")
    await book(session, world, clock, "12:00", client_id=world.other_client_id)
    await session.commit()
    before = (booking.staff_id, booking.starts_at, booking.ends_at, booking.busy_until)

    with pytest.raises(error):
        await reschedule_booking(
            session,
            booking_id=booking.id,
            actor=await client_actor(session, world.client_id),
            starts_at=local(DAY, hhmm),
            now=clock.now(),
        )
    await session.commit()

    assert (booking.staff_id, booking.starts_at, booking.ends_at, booking.busy_until) == before
    async with sessionmaker() as fresh:
        stored = await fresh.get_one(Booking, booking.id)
        assert (stored.staff_id, stored.starts_at, stored.ends_at, stored.busy_until) == before
    assert await audit_actions(session, booking.id) == ["created"]


async def test_reschedule_refusals(session, world, clock):
    booking = await book(session, world, clock, "16:00")
    await session.commit()
    owner = await client_actor(session, world.client_id)
    target = local(DAY, "17:00")

    with pytest.raises(errors.NotYours):
        await reschedule_booking(
            session,
            booking_id=booking.id,
            actor=await client_actor(session, world.other_client_id),
            starts_at=target,
            now=clock.now(),
        )
    with pytest.raises(errors.InvalidStart):
        await reschedule_booking(
            session,
            booking_id=booking.id,
            actor=owner,
            starts_at=local(TODAY, "10:00"),
            now=clock.now(),
        )
    clock.set(booking.starts_at - timedelta(minutes=60))
    with pytest.raises(errors.PastCancelDeadline):
        await reschedule_booking(
            session, booking_id=booking.id, actor=owner, starts_at=target, now=clock.now()
        )
    # Staff may still move it.
    moved = await reschedule_booking(
        session,
        booking_id=booking.id,
        actor=Actor.staff(world.staff_telegram_ids[0]),
        starts_at=target,
        now=clock.now(),
    )
    assert moved.starts_at == target


# --- confirming and finishing ----------------------------------------------------------


async def test_staff_confirm_a_pending_booking(session, clock):
    world = await make_world(session, confirmation_mode=ConfirmationMode.MANUAL)
    booking = await book(session, world, clock)
    owner = await client_actor(session, world.client_id)

    # The client's "I'll come" from a reminder leaves the decision to staff.
    await confirm_booking(session, booking_id=booking.id, actor=owner, now=clock.now())
    assert booking.status == BookingStatus.PENDING

    staff = Actor.staff(world.staff_telegram_ids[0])
    await confirm_booking(session, booking_id=booking.id, actor=staff, now=clock.now())
    await confirm_booking(session, booking_id=booking.id, actor=staff, now=clock.now())
    await session.commit()

    assert booking.status == BookingStatus.CONFIRMED
    assert await audit_actions(session, booking.id) == [
        "created",
        "attendance_confirmed",
        "confirmed",
    ]
    assert Kind.CLIENT_CONFIRMED in await outbox_kinds(session, booking.id)

    await cancel_booking(session, booking_id=booking.id, actor=staff, now=clock.now())
    with pytest.raises(errors.NotActive):
        await confirm_booking(session, booking_id=booking.id, actor=staff, now=clock.now())


async def test_complete_and_no_show(session, world, clock):
    first = await book(session, world, clock, "10:00")
    second = await book(session, world, clock, "12:00")
    staff = Actor.staff(world.staff_telegram_ids[0])

    with pytest.raises(errors.NotStarted):
        await complete_booking(session, booking_id=first.id, actor=staff, now=clock.now())
    with pytest.raises(errors.NotAllowed):
        await mark_no_show(
            session,
            booking_id=first.id,
            actor=await client_actor(session, world.client_id),
            now=clock.now(),
        )

    clock.set(local(DAY, "12:30"))
    await complete_booking(session, booking_id=first.id, actor=staff, now=clock.now())
    await mark_no_show(session, booking_id=second.id, actor=Actor.system(), now=clock.now())
    await mark_no_show(session, booking_id=second.id, actor=Actor.system(), now=clock.now())
    await session.commit()

    assert (first.status, second.status) == (BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
    assert await audit_actions(session, second.id) == ["created", "no_show"]
    assert Kind.REMINDER not in await outbox_kinds(session, first.id)
    with pytest.raises(errors.NotActive):
        await mark_no_show(session, booking_id=first.id, actor=staff, now=clock.now())


async def _block_past_the_slot_check(
    session: AsyncSession, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another client's visit fills DAY 16:00, and the service's own slot check is
    switched off, so only the database guard stands between it and an overlap."""
    session.add(
        Booking(
            client_id=world.other_client_id,
            staff_id=world.staff_ids[0],
            service_id=world.service_id,
            starts_at=local(DAY, "15:30"),
            ends_at=local(DAY, "16:30"),
            busy_until=local(DAY, "16:30"),
            status=BookingStatus.CONFIRMED,
            price=Decimal(0),
        )
    )
    await session.commit()

    async def no_slot_check(*_args: object, **_kwargs: object) -> None:
        return None

    monkeypatch.setattr(booking_module, "_check_slot", no_slot_check)


async def test_database_guard_refusal_leaves_the_transaction_usable(
    session, sessionmaker, world, clock, monkeypatch
):
    await _block_past_the_slot_check(session, world, monkeypatch)
    next_day = local(DAY + timedelta(days=1), "10:00")
    kept = await book(session, world, clock, starts_at=next_day)

    with pytest.raises(errors.SlotTaken):
        await book(session, world, clock, "16:00")
    with pytest.raises(errors.SlotTaken):
        await reschedule_booking(
            session,
            booking_id=kept.id,
            actor=Actor.system(),
            starts_at=local(DAY, "16:00"),
            now=clock.now(),
        )
    assert kept.starts_at == next_day

    # The earlier booking in the same transaction survives and commits.
    await session.commit()
    async with sessionmaker() as fresh:
        stored = await fresh.get_one(Booking, kept.id)
        assert stored.starts_at == next_day
    assert await audit_actions(session, kept.id) == ["created"]
    # The refused attempts left nothing behind: no row, audit entry or message.
    assert (await count(session, Booking), await count(session, AuditEntry)) == (2, 1)
    outbox_bookings = await session.scalars(select(OutboxMessage.booking_id).distinct())
    assert list(outbox_bookings) == [kept.id]


# --- one transaction -----------------------------------------------------------------


async def test_changes_audit_and_outbox_roll_back_together(session, world, clock):
    booking = await book(session, world, clock)
    await session.rollback()
    assert (await count(session, Booking), await count(session, AuditEntry)) == (0, 0)
    assert await count(session, OutboxMessage) == 0

    booking = await book(session, world, clock)
    await session.commit()
    committed = (await count(session, AuditEntry), await count(session, OutboxMessage))
    assert committed[0] == 1 and committed[1] > 0

    await cancel_booking(
        session, booking_id=booking.id, actor=Actor.system(), now=clock.now(), reason="test"
    )
    await session.rollback()
    await session.refresh(booking)
    assert booking.status == BookingStatus.CONFIRMED
    assert (await count(session, AuditEntry), await count(session, OutboxMessage)) == committed
    assert await outbox_kinds(session, booking.id, OutboxStatus.SKIPPED) == []


# --- cost ----------------------------------------------------------------------------


async def test_a_booking_takes_three_statements_or_five(engine, sessionmaker, world, clock):
    """Each statement is a round trip (PostgreSQL) or a pass through the driver
    and SQLAlchemy (SQLite), so their number is most of what a booking costs.

    The client's lock (PostgreSQL) or BEGIN IMMEDIATE (SQLite); one read of the
    client, service, staff member, settings and the staff member's hours; then
    the INSERT, whose overlap guard stands in for reading the bookings, with the
    audit entry and every outbox row: one statement on PostgreSQL, three on
    SQLite (the audit entry, then all outbox rows in one INSERT).
    """
    with recording(engine) as statements:
        async with sessionmaker() as fresh:
            booking = await book(fresh, world, clock)
            await fresh.commit()

    expected = 3 if engine.dialect.name == "postgresql" else 5
    assert len(statements) == expected, "\n".join(statements)
    async with sessionmaker() as fresh:
        assert len(await outbox_kinds(fresh, booking.id)) == 5
        assert await audit_actions(fresh, booking.id) == ["created"]


# --- queries -------------------------------------------------------------------------


async def test_upcoming_and_past_bookings(session, world, clock):
    early = await book(session, world, clock, "10:00")
    late = await book(session, world, clock, "16:00")
    dropped = await book(session, world, clock, "12:00")
    await cancel_booking(session, booking_id=dropped.id, actor=Actor.system(), now=clock.now())
    await book(session, world, clock, "10:00", client_id=world.other_client_id, staff_id=None)
    await session.commit()

    now = clock.now()
    upcoming = await upcoming_bookings(session, client_id=world.client_id, now=now)
    assert [b.id for b in upcoming] == [early.id, late.id]
    past = await past_bookings(session, client_id=world.client_id, now=now)
    assert [b.id for b in past] == [dropped.id]

    clock.set(local(DAY, "12:00"))
    now = clock.now()
    assert [b.id for b in await upcoming_bookings(session, client_id=world.client_id, now=now)] == [
        late.id
    ]
    past = await past_bookings(session, client_id=world.client_id, now=now, limit=1)
    assert [b.id for b in past] == [dropped.id]


async def test_client_booking_lookup_and_details(session, world, clock):
    booking = await book(session, world, clock, comment="Short, please")
    await session.commit()

    found = await get_client_booking(session, booking_id=booking.id, client_id=world.client_id)
    assert found.id == booking.id
    with pytest.raises(errors.NotYours):
        await get_client_booking(session, booking_id=booking.id, client_id=world.other_client_id)
    with pytest.raises(errors.BookingNotFound):
        await get_client_booking(session, booking_id=booking.id + 1, client_id=world.client_id)

    view = await booking_details(session, booking.id)
    assert (view.service_name, view.staff_name, view.client_name) == ("Haircut", "Staff 1", "Ivan")
    assert (view.starts_at, view.ends_at) == (booking.starts_at, booking.ends_at)
    assert (view.price, view.status, view.comment) == (
        Decimal("1500.00"),
        BookingStatus.CONFIRMED,
        "Short, please",
    )
    assert view.client_phone == "+79001234567"
    assert view.is_active
    with pytest.raises(errors.BookingNotFound):
        await booking_details(session, booking.id + 1)
