"""The availability loader on real data, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from db.models import (
    Booking,
    BookingStatus,
    ScheduleException,
    Service,
    Staff,
    WorkingInterval,
    staff_services,
)
from db.services.availability import SlotProblem, free_days_any, free_starts_any
from db.services.calendar import (
    _stretches,
    check_slot,
    free_days_for,
    free_times_for,
    load_calendars,
    load_rules,
    pick_staff,
    service_staff,
)
from tests.factories import TIMEZONE, local, make_world

ZONE = ZoneInfo(TIMEZONE)
TOMORROW = date(2026, 11, 24)  # the clock fixture says 2026-11-23 12:00 in Moscow


async def book(
    session,
    world,
    staff_id: int,
    day: date,
    hhmm: str,
    *,
    minutes: int = 60,
    buffer: int = 0,
    status: BookingStatus = BookingStatus.CONFIRMED,
) -> Booking:
    starts_at = local(day, hhmm)
    booking = Booking(
        client_id=world.client_id,
        staff_id=staff_id,
        service_id=world.service_id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        busy_until=starts_at + timedelta(minutes=minutes + buffer),
        status=status,
        price=Decimal("1500.00"),
    )
    session.add(booking)
    await session.flush()
    return booking


def hours(starts) -> list[str]:
    return [start.astimezone(ZONE).strftime("%H:%M") for start in starts]


async def test_load_rules_reads_business_and_service(session, clock):
    world = await make_world(session, slot_step_minutes=30, min_lead_minutes=90, horizon_days=14)
    service = await session.get(Service, world.buffered_service_id)
    rules = await load_rules(session, service, clock.now())
    assert rules.duration == timedelta(minutes=45)
    assert rules.buffer_after == timedelta(minutes=15)
    assert rules.step == timedelta(minutes=30)
    assert rules.min_lead == timedelta(minutes=90)
    assert rules.horizon_days == 14
    assert rules.zone == ZONE
    assert rules.now == clock.now()


async def test_service_staff_are_active_ordered_and_doing_the_service(session):
    world = await make_world(session, staff_count=3)
    first, second, third = [await session.get(Staff, i) for i in world.staff_ids]
    first.sort_order, second.sort_order, third.sort_order = 2, 1, 1
    await session.flush()
    assert [s.id for s in await service_staff(session, world.service_id)] == [
        second.id,
        third.id,
        first.id,
    ]
    third.active = False
    await session.flush()
    assert [s.id for s in await service_staff(session, world.service_id)] == [
        second.id,
        first.id,
    ]
    service = await session.get(Service, world.service_id)
    service.active = False
    await session.flush()
    assert await service_staff(session, world.service_id) == []
    assert await service_staff(session, 999_999) == []


async def test_load_calendars_reads_hours_exceptions_and_active_bookings(session):
    world = await make_world(session, staff_count=2)
    anna, boris = world.staff_ids
    kept = await book(session, world, anna, TOMORROW, "10:00")
    await book(session, world, anna, TOMORROW, "12:00", status=BookingStatus.CANCELLED)
    await book(session, world, anna, TOMORROW + timedelta(days=5), "10:00")  # out of range
    early = await book(session, world, boris, TOMORROW, "00:30")  # the previous UTC date
    session.add_all(
        [
            ScheduleException(staff_id=anna, kind="off", date_from=TOMORROW, date_to=TOMORROW),
            ScheduleException(
                staff_id=anna,
                kind="off",
                date_from=TOMORROW + timedelta(days=7),
                date_to=TOMORROW + timedelta(days=8),
            ),
        ]
    )
    await session.flush()

    calendars = await load_calendars(session, [boris, anna, 12345], TOMORROW, TOMORROW, ZONE)

    assert [c.staff_id for c in calendars] == [boris, anna, 12345]
    boris_calendar, anna_calendar, nobody = calendars
    assert len(anna_calendar.weekly) == 14  # two intervals, seven days
    assert [(e.kind, e.date_from) for e in anna_calendar.exceptions] == [("off", TOMORROW)]
    assert [(b.start, b.end) for b in anna_calendar.busy] == [(kept.starts_at, kept.ends_at)]
    assert [b.start for b in boris_calendar.busy] == [early.starts_at]
    assert (nobody.weekly, nobody.exceptions, nobody.busy) == ((), (), ())

    (without,) = await load_calendars(
        session, [anna], TOMORROW, TOMORROW, ZONE, exclude_booking_id=kept.id
    )
    assert without.busy == ()
    assert await load_calendars(session, [], TOMORROW, TOMORROW, ZONE) == []


async def test_a_booking_begun_the_day_before_still_blocks(session, clock):
    world = await make_world(session, staff_count=1)
    (anna,) = world.staff_ids
    await book(session, world, anna, TOMORROW - timedelta(days=1), "20:00", minutes=15 * 60)
    times = await free_times_for(
        session, service_id=world.service_id, staff_id=anna, day=TOMORROW, now=clock.now()
    )
    assert hours(times)[0] == "11:00"


async def test_free_times_and_days_for_one_staff_member(session, clock):
    world = await make_world(session, staff_count=2)
    anna, _ = world.staff_ids
    await book(session, world, anna, TOMORROW, "10:00", minutes=45, buffer=15)
    await session.commit()
    times = await free_times_for(
        session, service_id=world.service_id, staff_id=anna, day=TOMORROW, now=clock.now()
    )
    assert hours(times)[:3] == ["11:00", "11:15", "11:30"]
    assert hours(times)[-1] == "18:00"
    assert "13:15" not in hours(times)  # would run into the lunch break

    days = await free_days_for(
        session,
        service_id=world.service_id,
        staff_id=anna,
        first=date(2026, 11, 1),
        last=date(2026, 12, 31),
        now=clock.now(),
    )
    assert days[0] == date(2026, 11, 23)  # today still has afternoon hours
    assert days[-1] == date(2026, 11, 23) + timedelta(days=30)  # the default horizon
    assert len(days) == 31


async def test_a_full_day_is_not_offered_to_one_but_is_to_any(session, clock):
    world = await make_world(session, staff_count=2)
    anna, boris = world.staff_ids
    for start in ("10:00", "11:00", "12:00", "13:00", "15:00", "16:00", "17:00", "18:00"):
        await book(session, world, anna, TOMORROW, start)
    await session.commit()
    now = clock.now()
    window = {"first": TOMORROW, "last": TOMORROW + timedelta(days=1), "now": now}
    assert await free_days_for(session, service_id=world.service_id, staff_id=anna, **window) == [
        TOMORROW + timedelta(days=1)
    ]
    assert await free_days_for(session, service_id=world.service_id, staff_id=None, **window) == [
        TOMORROW,
        TOMORROW + timedelta(days=1),
    ]
    assert (
        await free_times_for(
            session, service_id=world.service_id, staff_id=anna, day=TOMORROW, now=now
        )
        == []
    )
    anyone = await free_times_for(
        session, service_id=world.service_id, staff_id=None, day=TOMORROW, now=now
    )
    boris_times = await free_times_for(
        session, service_id=world.service_id, staff_id=boris, day=TOMORROW, now=now
    )
    assert anyone == boris_times != []


async def test_inactive_service_or_staff_offer_nothing(session, clock):
    world = await make_world(session, staff_count=2)
    anna, boris = world.staff_ids
    now = clock.now()
    query = {"first": TOMORROW, "last": TOMORROW, "now": now}

    (await session.get(Staff, anna)).active = False
    await session.flush()
    assert await free_days_for(session, service_id=world.service_id, staff_id=anna, **query) == []
    assert (
        await free_times_for(
            session, service_id=world.service_id, staff_id=anna, day=TOMORROW, now=now
        )
        == []
    )
    assert await free_days_for(session, service_id=world.service_id, staff_id=None, **query) == [
        TOMORROW
    ]
    assert await free_days_for(session, service_id=999, staff_id=boris, **query) == []

    (await session.get(Service, world.service_id)).active = False
    await session.flush()
    assert await free_days_for(session, service_id=world.service_id, staff_id=None, **query) == []
    assert (
        await free_times_for(
            session, service_id=world.service_id, staff_id=boris, day=TOMORROW, now=now
        )
        == []
    )


async def test_days_outside_today_and_horizon_offer_nothing(session, clock):
    world = await make_world(session, staff_count=1, horizon_days=3)
    (anna,) = world.staff_ids
    now = clock.now()
    for day in (date(2026, 11, 22), date(2026, 11, 27)):
        assert (
            await free_times_for(
                session, service_id=world.service_id, staff_id=anna, day=day, now=now
            )
            == []
        )
    assert (
        await free_days_for(
            session,
            service_id=world.service_id,
            staff_id=anna,
            first=date(2026, 12, 1),
            last=date(2026, 12, 31),
            now=now,
        )
        == []
    )


async def test_check_slot_and_rescheduling_over_the_own_old_slot(session, clock):
    world = await make_world(session, staff_count=1)
    (anna,) = world.staff_ids
    booking = await book(session, world, anna, TOMORROW, "10:00")
    await session.commit()
    service = await session.get(Service, world.service_id)
    rules = await load_rules(session, service, clock.now())

    async def problem(hhmm: str, day: date = TOMORROW, **kwargs) -> SlotProblem | None:
        return await check_slot(
            session, rules=rules, staff_id=anna, start=local(day, hhmm), **kwargs
        )

    assert await problem("10:30") is SlotProblem.TAKEN
    assert await problem("10:30", exclude_booking_id=booking.id) is None
    assert await problem("11:00") is None
    assert await problem("10:05") is SlotProblem.OUTSIDE_HOURS
    assert await problem("14:00") is SlotProblem.OUTSIDE_HOURS
    assert await problem("12:30", day=date(2026, 11, 23)) is SlotProblem.TOO_SOON
    assert await problem("11:00", day=date(2027, 1, 10)) is SlotProblem.TOO_FAR


async def test_pick_staff_takes_the_least_loaded_then_the_first_in_order(session, clock):
    world = await make_world(session, staff_count=3)
    anna, boris, vera = world.staff_ids
    service = await session.get(Service, world.service_id)
    rules = await load_rules(session, service, clock.now())
    start = local(TOMORROW, "16:00")

    async def pick(**kwargs) -> int | None:
        return await pick_staff(session, service_id=service.id, rules=rules, start=start, **kwargs)

    assert await pick() == anna
    await book(session, world, anna, TOMORROW, "10:00")
    await book(session, world, boris, TOMORROW, "10:00")
    await book(session, world, boris, TOMORROW, "11:00")
    await book(session, world, vera, TOMORROW, "10:00")
    (await session.get(Staff, vera)).sort_order = -1
    await session.flush()
    assert await pick() == vera
    taken = await book(session, world, vera, TOMORROW, "16:00")
    assert await pick() == anna
    assert await pick(exclude_booking_id=taken.id) == vera
    await book(session, world, anna, TOMORROW, "16:00")
    await book(session, world, boris, TOMORROW, "16:00")
    assert await pick() is None


async def test_a_blocked_stretch_from_the_database(session, clock):
    world = await make_world(session, staff_count=1)
    (anna,) = world.staff_ids
    session.add(
        ScheduleException(
            staff_id=anna,
            kind="off",
            date_from=TOMORROW,
            date_to=TOMORROW,
            start_time=time(11),
            end_time=time(12, 30),
        )
    )
    await session.commit()
    times = await free_times_for(
        session, service_id=world.service_id, staff_id=anna, day=TOMORROW, now=clock.now()
    )
    assert hours(times)[:3] == ["10:00", "12:30", "12:45"]


async def test_a_search_before_any_settings_row_uses_the_defaults(session, clock):
    service = Service(name="Haircut", duration_minutes=60, price=Decimal(0))
    anna = Staff(name="Anna")
    session.add_all([service, anna])
    await session.flush()
    await session.execute(staff_services.insert().values(staff_id=anna.id, service_id=service.id))
    session.add(
        WorkingInterval(staff_id=anna.id, weekday=1, start_time=time(10), end_time=time(12))
    )
    await session.flush()
    times = await free_times_for(
        session, service_id=service.id, staff_id=None, day=TOMORROW, now=clock.now()
    )
    assert hours(times)[0] == "10:00"  # Europe/Moscow, the default zone
    assert len(times) == 5  # the default 15-minute step


async def test_any_staff_finds_the_one_free_member_behind_four_full_ones(session, clock):
    world = await make_world(session, staff_count=5)
    *full, last = world.staff_ids
    day_after = TOMORROW + timedelta(days=1)
    for staff_id in full:
        for start in ("10:00", "11:00", "12:00", "13:00", "15:00", "16:00", "17:00", "18:00"):
            await book(session, world, staff_id, TOMORROW, start)
    session.add(
        ScheduleException(staff_id=last, kind="off", date_from=day_after, date_to=day_after)
    )
    await session.commit()

    async def free_days() -> list[date]:
        return await free_days_for(
            session,
            service_id=world.service_id,
            staff_id=None,
            first=TOMORROW,
            last=day_after,
            now=clock.now(),
        )

    assert await free_days() == [TOMORROW, day_after]
    await book(session, world, last, TOMORROW, "10:00", minutes=9 * 60)
    await session.commit()
    assert await free_days() == [day_after]


async def test_rounds_agree_with_reading_everyone_at_once(session, clock):
    """free_days_for reads staff in rounds; the answer must equal the plain one."""
    rng = random.Random(7)
    world = await make_world(session, staff_count=6, horizon_days=20)
    for staff_id in world.staff_ids:
        for offset in range(21):
            day = TOMORROW + timedelta(days=offset)
            for hhmm in ("10:00", "11:00", "12:00", "13:00", "15:00", "16:00", "17:00", "18:00"):
                if rng.random() < 0.97:
                    await book(session, world, staff_id, day, hhmm)
        if rng.random() < 0.5:
            start = TOMORROW + timedelta(days=rng.randrange(20))
            session.add(
                ScheduleException(
                    staff_id=staff_id, kind="off", date_from=start, date_to=start + timedelta(2)
                )
            )
    await session.commit()
    now = clock.now()
    service = await session.get(Service, world.service_id)
    rules = await load_rules(session, service, now)
    first, last = rules.today, rules.last_day
    everyone = await load_calendars(session, list(world.staff_ids), first, last, ZONE)

    days = await free_days_for(
        session, service_id=world.service_id, staff_id=None, first=first, last=last, now=now
    )
    assert days == free_days_any(everyone, rules, first, last)
    assert 0 < len(days) < 21  # some days full for everyone, some not
    for day in (first, first + timedelta(days=3), last):
        times = await free_times_for(
            session, service_id=world.service_id, staff_id=None, day=day, now=now
        )
        assert times == [slot.start for slot in free_starts_any(everyone, rules, day)]


def test_stretches_join_across_a_day_off_and_split_at_longer_gaps():
    d = date(2026, 12, 1)
    days = [d, d + timedelta(1), d + timedelta(3), d + timedelta(6), d + timedelta(7)]
    # A one-day gap (a Sunday off) stays in the stretch; two free days between split it,
    # and then the next stretch's window (a day back) cannot reach the last one's.
    assert _stretches(days) == [(d, d + timedelta(3)), (d + timedelta(6), d + timedelta(7))]
    assert _stretches([d]) == [(d, d)]
