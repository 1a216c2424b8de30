"""No double booking under concurrency, on SQLite and PostgreSQL.

Each attempt runs in its own session (its own connection and transaction), all
started at once with `asyncio.gather`, the way concurrent updates arrive.
The last tests insert rows past the service to show the database guard itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import AuditEntry, Booking, BookingStatus, OutboxMessage
from db.services import booking as booking_service
from db.services import errors
from db.services.booking import Actor, create_booking, reschedule_booking
from tests.factories import World, local, make_client, make_world

DAY = date(2026, 11, 25)
ATTEMPTS = 50


async def _book(
    sessionmaker: async_sessionmaker[AsyncSession],
    world: World,
    now: datetime,
    *,
    client_id: int,
    starts_at: datetime,
    request_key: str | None = None,
    any_staff: bool = False,
) -> int | errors.BookingError:
    """One booking attempt in its own transaction: the booking id, or the refusal."""
    async with sessionmaker() as session:
        try:
            booking = await create_booking(
                session,
                client_id=client_id,
                service_id=world.service_id,
                staff_id=None if any_staff else world.staff_ids[0],
                starts_at=starts_at,
                now=now,
                request_key=request_key,
            )
            await session.commit()
        except errors.BookingError as error:
            return error
        return booking.id


async def _active_count(session: AsyncSession) -> int:
    statement = select(func.count()).where(Booking.status == BookingStatus.CONFIRMED)
    return await session.scalar(statement) or 0


async def test_fifty_overlapping_attempts_one_wins(session, sessionmaker, clock):
    world = await make_world(session, staff_count=1, commit=False)
    clients = [(await make_client(session, name=f"C{n}")).id for n in range(ATTEMPTS)]
    await session.commit()
    # 10:00, 10:15, 10:30, 10:45 for an hour: every pair overlaps.
    starts = [local(DAY, "10:00") + timedelta(minutes=15 * (n % 4)) for n in range(ATTEMPTS)]

    results = await asyncio.gather(
        *(
            _book(sessionmaker, world, clock.now(), client_id=client_id, starts_at=start)
            for client_id, start in zip(clients, starts, strict=True)
        )
    )

    winners = [result for result in results if isinstance(result, int)]
    refusals = [result for result in results if not isinstance(result, int)]
    assert len(winners) == 1
    assert all(isinstance(refusal, errors.SlotTaken) for refusal in refusals)
    assert await _active_count(session) == 1
    # The losers wrote nothing else either: one audit entry, messages of one booking.
    assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 1
    with_messages = await session.scalars(select(OutboxMessage.booking_id).distinct())
    assert list(with_messages) == winners


async def test_concurrent_double_tap_makes_one_booking(session, sessionmaker, clock):
    world = await make_world(session, staff_count=1)
    start = local(DAY, "10:00")

    results = await asyncio.gather(
        *(
            _book(
                sessionmaker,
                world,
                clock.now(),
                client_id=world.client_id,
                starts_at=start,
                request_key="tap",
            )
            for _ in range(10)
        )
    )

    assert len(set(results)) == 1
    assert isinstance(results[0], int)
    assert await _active_count(session) == 1


async def test_two_any_staff_requests_for_one_time_both_get_someone(
    session, sessionmaker, clock, monkeypatch
):
    """Both pick the first staff member before either inserts (PostgreSQL lets
    them; on SQLite the second waits for the first's transaction): the loser of
    the insert picks again and gets the second one, not "this time was taken"."""
    world = await make_world(session, staff_count=2)
    real_pick = booking_service.pick_staff
    both_picked = asyncio.Barrier(2)

    async def pick_then_wait_for_the_other(*args: Any, **kwargs: Any) -> int | None:
        chosen = await real_pick(*args, **kwargs)
        with contextlib.suppress(TimeoutError):  # SQLite: the other cannot pick yet
            await asyncio.wait_for(both_picked.wait(), timeout=0.2)
        return chosen

    monkeypatch.setattr(booking_service, "pick_staff", pick_then_wait_for_the_other)
    start = local(DAY, "10:00")

    results = await asyncio.gather(
        *(
            _book(
                sessionmaker,
                world,
                clock.now(),
                client_id=client_id,
                starts_at=start,
                any_staff=True,
            )
            for client_id in (world.client_id, world.other_client_id)
        )
    )

    assert all(isinstance(result, int) for result in results), results
    staff = await session.scalars(select(Booking.staff_id).where(Booking.id.in_(results)))
    assert sorted(staff) == sorted(world.staff_ids)


async def test_one_client_racing_two_bookings_stays_within_the_limit(session, sessionmaker, clock):
    world = await make_world(session, staff_count=1, max_upcoming_per_client=1)
    starts = [local(DAY, "10:00"), local(DAY, "16:00")]

    results = await asyncio.gather(
        *(
            _book(sessionmaker, world, clock.now(), client_id=world.client_id, starts_at=start)
            for start in starts
        )
    )

    assert sorted(type(result).__name__ for result in results) == ["TooManyUpcoming", "int"]
    assert await _active_count(session) == 1


async def test_two_reschedules_into_one_slot_one_wins(session, sessionmaker, clock):
    world = await make_world(session, staff_count=1)
    original = {}
    for client_id, hhmm in ((world.client_id, "10:00"), (world.other_client_id, "12:00")):
        booking_id = await _book(
            sessionmaker, world, clock.now(), client_id=client_id, starts_at=local(DAY, hhmm)
        )
        assert isinstance(booking_id, int)
        original[booking_id] = local(DAY, hhmm)
    target = local(DAY, "16:00")

    async def move(booking_id: int) -> errors.BookingError | None:
        async with sessionmaker() as own:
            try:
                await reschedule_booking(
                    own,
                    booking_id=booking_id,
                    actor=Actor.system(),
                    starts_at=target,
                    now=clock.now(),
                )
                await own.commit()
            except errors.BookingError as error:
                return error
            return None

    results = await asyncio.gather(*(move(booking_id) for booking_id in original))

    assert sorted(type(result).__name__ for result in results) == ["NoneType", "SlotTaken"]
    stored = {b.id: b.starts_at for b in await session.scalars(select(Booking))}
    outcomes = dict(zip(original, results, strict=True))
    winner_id = next(bid for bid, result in outcomes.items() if result is None)
    loser_id = next(bid for bid, result in outcomes.items() if result is not None)
    assert stored[winner_id] == target
    assert stored[loser_id] == original[loser_id]


@pytest.mark.postgresql_only  # SQLite's writers queue at BEGIN IMMEDIATE: no deadlock to have
async def test_a_move_failed_by_a_deadlock_in_the_guard_is_slot_taken(session, sessionmaker, clock):
    """PostgreSQL checks the exclusion constraint after writing the row, so two moves
    into one slot can wait for each other, and it fails one with a deadlock. Here a
    second transaction builds such a cycle on purpose: it holds a conflicting row
    in the slot, and then waits for the moving booking's row lock."""
    world = await make_world(session, staff_count=1)
    first = await _book(
        sessionmaker, world, clock.now(), client_id=world.client_id, starts_at=local(DAY, "10:00")
    )
    moving = await _book(
        sessionmaker,
        world,
        clock.now(),
        client_id=world.other_client_id,
        starts_at=local(DAY, "12:00"),
    )
    target = local(DAY, "16:00")

    async with sessionmaker() as holder, sessionmaker() as mover:
        mover_pid = await mover.scalar(select(func.pg_backend_pid()))
        await holder.execute(
            update(Booking)
            .where(Booking.id == first)
            .values(
                starts_at=target,
                ends_at=target + timedelta(hours=1),
                busy_until=target + timedelta(hours=1),
            )
        )
        move = asyncio.create_task(
            reschedule_booking(
                mover, booking_id=moving, actor=Actor.system(), starts_at=target, now=clock.now()
            )
        )
        await _until_waiting(session, mover_pid)  # its UPDATE, for the held row's transaction
        # Now the holder waits for the moving row in turn: a cycle. PostgreSQL breaks
        # it in the transaction that has waited longest, the move's.
        locking = asyncio.create_task(
            holder.execute(select(Booking.id).where(Booking.id == moving).with_for_update())
        )
        with pytest.raises(errors.SlotTaken):
            await asyncio.wait_for(move, timeout=30)
        stored = await mover.get_one(Booking, moving)  # the transaction is still usable
        assert stored.starts_at == local(DAY, "12:00")
        await mover.rollback()
        await locking
        await holder.rollback()


async def _until_waiting(session: AsyncSession, pid: int) -> None:
    """Until the backend `pid` waits for a lock."""
    waiting = (
        select(func.count())
        .select_from(text("pg_locks"))
        .where(text("pid = :pid AND NOT granted").bindparams(pid=pid))
    )
    for _ in range(500):
        count = await session.scalar(waiting)
        await session.rollback()
        if count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for a lock")


# --- the database guard itself, bypassing the service ----------------------------------


def _row(world: World, client_id: int, start: str, end: str, **fields) -> Booking:
    starts_at, ends_at = local(DAY, start), local(DAY, end)
    values = {
        "client_id": client_id,
        "staff_id": world.staff_ids[0],
        "service_id": world.service_id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "busy_until": ends_at,
        "status": BookingStatus.CONFIRMED,
        "price": 0,
    } | fields
    return Booking(**values)


async def _insert(session: AsyncSession, booking: Booking) -> None:
    session.add(booking)
    await session.commit()


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await make_world(session, staff_count=2)


async def test_database_refuses_an_overlapping_active_row(session, world):
    first = _row(world, world.client_id, "10:00", "11:00", busy_until=local(DAY, "11:15"))
    await _insert(session, first)

    with pytest.raises(IntegrityError):
        await _insert(session, _row(world, world.other_client_id, "10:30", "11:30"))
    await session.rollback()
    with pytest.raises(IntegrityError):  # the buffer counts, and so does a pending booking
        await _insert(
            session,
            _row(world, world.other_client_id, "11:00", "12:00", status=BookingStatus.PENDING),
        )
    await session.rollback()
    assert await _active_count(session) == 1


async def test_database_allows_touching_other_staff_and_cancelled(session, world):
    await _insert(session, _row(world, world.client_id, "10:00", "11:00"))
    await _insert(session, _row(world, world.other_client_id, "11:00", "12:00"))
    await _insert(
        session, _row(world, world.other_client_id, "10:00", "11:00", staff_id=world.staff_ids[1])
    )
    cancelled = _row(world, world.other_client_id, "10:30", "11:30", status=BookingStatus.CANCELLED)
    await _insert(session, cancelled)

    # Reviving the cancelled one into an overlap is refused too (the update guard).
    cancelled.status = BookingStatus.CONFIRMED
    with pytest.raises(IntegrityError):
        await session.commit()
    await session.rollback()
    assert await session.scalar(select(func.count()).select_from(Booking)) == 4


async def test_database_looks_back_a_whole_day_for_overlaps(session, world):
    """The SQLite guard reads one day back; a day-long booking is still seen."""
    long_one = _row(world, world.client_id, "10:00", "10:00")
    long_one.starts_at = local(DAY, "10:00") - timedelta(hours=23, minutes=59)  # yesterday
    await _insert(session, long_one)

    with pytest.raises(IntegrityError):
        await _insert(session, _row(world, world.other_client_id, "09:30", "10:30"))
    await session.rollback()
    await _insert(session, _row(world, world.other_client_id, "10:00", "11:00"))  # touching


async def test_database_refuses_a_booking_longer_than_a_day(session, world):
    too_long = _row(world, world.client_id, "10:00", "11:00")
    too_long.busy_until = too_long.starts_at + timedelta(days=1, minutes=1)
    with pytest.raises(IntegrityError):
        await _insert(session, too_long)
    await session.rollback()
    assert await session.scalar(select(func.count()).select_from(Booking)) == 0
