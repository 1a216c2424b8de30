"""The availability engine as pure functions: each pipeline step, the boundaries,
DST days, and the "any staff member" rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from db.services.availability import (
    AnySlot,
    DatedException,
    Interval,
    SlotProblem,
    SlotRules,
    StaffCalendar,
    WeeklyInterval,
    choose_staff,
    free_days,
    free_days_among,
    free_days_any,
    free_starts,
    free_starts_any,
    grid_starts,
    merge,
    minus_blocked,
    minus_busy,
    slot_problem,
    subtract,
    to_instants,
    validate_weekly_interval,
    working_periods,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
MOSCOW = ZoneInfo("Europe/Moscow")

MONDAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # a Monday, a week before MONDAY


def t(hhmm: str) -> time:
    return time.fromisoformat(hhmm)


def at(day: date, hhmm: str, zone: ZoneInfo = MOSCOW, *, fold: int = 0) -> datetime:
    """A local wall-clock time as an aware UTC instant."""
    return datetime.combine(day, t(hhmm), zone).replace(fold=fold).astimezone(UTC)


def every_day(*hours: str) -> tuple[WeeklyInterval, ...]:
    """Weekly hours like "09:00-12:00" on all seven weekdays."""
    spans = [hour.split("-") for hour in hours]
    return tuple(WeeklyInterval(wd, t(a), t(b)) for wd in range(7) for a, b in spans)


def rules(
    zone: ZoneInfo = MOSCOW,
    *,
    duration: int = 60,
    buffer: int = 0,
    step: int = 15,
    lead: int = 0,
    horizon: int = 60,
    now: datetime = NOW,
) -> SlotRules:
    return SlotRules(
        duration=timedelta(minutes=duration),
        buffer_after=timedelta(minutes=buffer),
        step=timedelta(minutes=step),
        min_lead=timedelta(minutes=lead),
        horizon_days=horizon,
        zone=zone,
        now=now,
    )


def labels(starts: list[datetime], zone: ZoneInfo = MOSCOW) -> list[str]:
    return [start.astimezone(zone).strftime("%H:%M") for start in starts]


def busy(day: date, *stretches: str, zone: ZoneInfo = MOSCOW) -> tuple[Interval, ...]:
    spans = [stretch.split("-") for stretch in stretches]
    return tuple(Interval(at(day, a, zone), at(day, b, zone)) for a, b in spans)


# --- span arithmetic ------------------------------------------------------------


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], []),
        ([(5, 5)], []),  # zero-length: nothing
        ([(0, 10), (10, 20)], [(0, 20)]),  # touching: joined
        ([(10, 20), (0, 15)], [(0, 20)]),  # overlapping, unsorted
        ([(0, 30), (5, 10)], [(0, 30)]),  # contained
        ([(0, 5), (6, 9)], [(0, 5), (6, 9)]),  # apart
    ],
)
def test_merge(spans, expected):
    assert merge(spans) == expected


@pytest.mark.parametrize(
    ("spans", "cuts", "expected"),
    [
        ([(0, 100)], [], [(0, 100)]),
        ([(0, 100)], [(100, 120)], [(0, 100)]),  # touching after: nothing cut
        ([(0, 100)], [(-20, 0)], [(0, 100)]),  # touching before
        ([(0, 100)], [(20, 30)], [(0, 20), (30, 100)]),
        ([(0, 100)], [(0, 100)], []),
        ([(0, 50), (60, 100)], [(40, 70)], [(0, 40), (70, 100)]),
        ([(0, 100)], [(10, 20), (30, 40), (90, 200)], [(0, 10), (20, 30), (40, 90)]),
    ],
)
def test_subtract(spans, cuts, expected):
    assert subtract(spans, cuts) == expected


# --- pipeline steps -------------------------------------------------------------

H = 3600


@pytest.mark.parametrize(
    ("exceptions", "expected"),
    [
        ((), [(9 * H, 12 * H), (13 * H, 18 * H)]),
        ((DatedException("off", MONDAY, MONDAY),), []),  # a day off
        ((DatedException("off", MONDAY - timedelta(days=3), MONDAY + timedelta(days=7)),), []),
        ((DatedException("off", MONDAY + timedelta(days=1), MONDAY + timedelta(days=9)),), None),
        (  # extra hours join the weekly ones
            (DatedException("extra", MONDAY, MONDAY, t("12:00"), t("13:00")),),
            [(9 * H, 18 * H)],
        ),
        (  # extra hours count even on a day off
            (
                DatedException("off", MONDAY, MONDAY),
                DatedException("extra", MONDAY, MONDAY, t("19:00"), t("21:00")),
            ),
            [(19 * H, 21 * H)],
        ),
    ],
)
def test_working_periods(exceptions, expected):
    calendar = StaffCalendar(1, every_day("09:00-12:00", "13:00-18:00"), exceptions)
    if expected is None:  # not covering the day: weekly hours unchanged
        expected = [(9 * H, 12 * H), (13 * H, 18 * H)]
    assert working_periods(calendar, MONDAY) == expected


def test_minus_blocked_cuts_extra_hours_too():
    calendar = StaffCalendar(
        1,
        every_day("09:00-12:00"),
        (
            DatedException("extra", MONDAY, MONDAY, t("12:00"), t("14:00")),
            DatedException("off", MONDAY, MONDAY, t("11:00"), t("13:00")),
        ),
    )
    periods = working_periods(calendar, MONDAY)
    assert periods == [(9 * H, 14 * H)]
    assert minus_blocked(periods, calendar, MONDAY) == [(9 * H, 11 * H), (13 * H, 14 * H)]


def test_to_instants_and_minus_busy():
    calendar = StaffCalendar(1, (), (), busy(MONDAY, "10:00-11:00", zone=TOKYO))
    spans = to_instants([(9 * H, 12 * H)], MONDAY, TOKYO)
    nine = int(at(MONDAY, "09:00", TOKYO).timestamp())
    assert spans == [(nine, nine + 3 * H)]
    assert minus_busy(spans, calendar) == [(nine, nine + H), (nine + 2 * H, nine + 3 * H)]


def test_grid_starts_count_from_the_period_start():
    # A period from 10 with step 30 and need 60: starts 10, 40, 70 fit in [0, 140)…
    # …but the free span begins at 45, so 70 is the first and 100 does not fit.
    assert list(grid_starts([(10, 140)], [(45, 140)], need=60, step=30, earliest=0)) == [70]
    assert list(grid_starts([(10, 140)], [(0, 140)], need=60, step=30, earliest=41)) == [70]


# --- free_starts: boundaries -----------------------------------------------------


@pytest.mark.parametrize(
    ("case", "hours", "exceptions", "busy_at", "kwargs", "expected"),
    [
        ("simple", ["09:00-11:00"], (), [], {"step": 30}, ["09:00", "09:30", "10:00"]),
        (
            "lunch break splits the day",
            ["09:00-12:00", "13:00-15:00"],
            (),
            [],
            {"step": 60},
            ["09:00", "10:00", "11:00", "13:00", "14:00"],
        ),
        (
            "touching a booking on both sides is fine",
            ["09:00-12:00"],
            (),
            ["10:00-11:00"],
            {"step": 60},
            ["09:00", "11:00"],
        ),
        (
            "the buffer must fit before the next booking and before closing",
            ["09:00-12:15"],
            (),
            ["10:15-11:00"],
            {"step": 15, "buffer": 15},
            ["09:00", "11:00"],
        ),
        ("a zero-length busy blocks nothing", ["09:00-10:00"], (), ["09:30-09:30"], {}, ["09:00"]),
        ("duration equal to the period", ["09:00-10:00"], (), [], {"step": 60}, ["09:00"]),
        ("too short a period", ["09:00-09:45"], (), [], {}, []),
        (
            "grid counts from the period's start",
            ["09:10-11:00"],
            (),
            [],
            {"step": 30},
            ["09:10", "09:40"],
        ),
        (
            "a booking does not shift the grid",
            ["09:00-11:00"],
            (),
            ["09:00-09:20"],
            {"step": 30},
            ["09:30", "10:00"],
        ),
        (
            "a blocked hour",
            ["09:00-12:00"],
            (DatedException("off", MONDAY, MONDAY, t("10:00"), t("10:30")),),
            [],
            {"step": 30},
            ["09:00", "10:30", "11:00"],
        ),
        (
            "vacation",
            ["09:00-12:00"],
            (DatedException("off", MONDAY - timedelta(days=2), MONDAY + timedelta(days=5)),),
            [],
            {},
            [],
        ),
        (
            "extra hours",
            ["09:00-10:00"],
            (DatedException("extra", MONDAY, MONDAY, t("18:00"), t("19:00")),),
            [],
            {"step": 60},
            ["09:00", "18:00"],
        ),
        ("23:59 means midnight", ["22:00-23:59"], (), [], {"step": 60}, ["22:00", "23:00"]),
    ],
)
def test_free_starts_boundaries(case, hours, exceptions, busy_at, kwargs, expected):
    calendar = StaffCalendar(1, every_day(*hours), exceptions, busy(MONDAY, *busy_at))
    assert labels(free_starts(calendar, rules(**kwargs), MONDAY)) == expected, case


def test_a_visit_runs_past_midnight_into_a_night_shift():
    calendar = StaffCalendar(1, every_day("00:00-02:00", "22:00-23:59"))
    starts = free_starts(calendar, rules(duration=90, step=30), MONDAY)
    assert labels(starts) == ["00:00", "00:30", "22:00", "22:30", "23:00", "23:30"]
    assert starts[-1] == at(MONDAY, "23:30")


def test_a_night_visit_stops_at_a_blocked_start_of_the_next_day():
    tuesday = MONDAY + timedelta(days=1)
    calendar = StaffCalendar(
        1,
        every_day("00:00-02:00", "22:00-23:59"),
        (DatedException("off", tuesday, tuesday, t("00:00"), t("00:30")),),
    )
    assert labels(free_starts(calendar, rules(duration=90, step=30), MONDAY)) == [
        "00:00",
        "00:30",
        "22:00",
        "22:30",
    ]


def test_lead_time_boundary_is_inclusive():
    calendar = StaffCalendar(1, every_day("09:00-12:00"))
    now = at(MONDAY, "09:10")
    starts = free_starts(calendar, rules(lead=35, now=now), MONDAY)
    assert labels(starts)[:2] == ["09:45", "10:00"]


def test_horizon_and_past_days():
    calendar = StaffCalendar(1, every_day("09:00-12:00"))
    today = MONDAY
    search = rules(horizon=2, now=at(today, "08:00"))
    assert free_starts(calendar, search, today - timedelta(days=1)) == []
    assert free_starts(calendar, search, today + timedelta(days=2))
    assert free_starts(calendar, search, today + timedelta(days=3)) == []
    assert free_days(calendar, search, today - timedelta(days=5), today + timedelta(days=9)) == [
        today,
        today + timedelta(days=1),
        today + timedelta(days=2),
    ]


def test_today_in_the_business_zone_not_in_utc():
    # 23:30 UTC on Sunday is already Monday in Tokyo: Monday is "today", Sunday is past.
    now = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    calendar = StaffCalendar(1, every_day("09:00-12:00"))
    search = rules(TOKYO, horizon=0, now=now)
    assert free_days(calendar, search, MONDAY - timedelta(days=1), MONDAY + timedelta(days=1)) == [
        MONDAY
    ]


def test_free_days_match_free_starts_with_bookings():
    calendar = StaffCalendar(1, every_day("09:00-10:00"), (), busy(MONDAY, "09:00-10:00"))
    search = rules()
    days = free_days(calendar, search, MONDAY - timedelta(days=1), MONDAY + timedelta(days=1))
    assert days == [MONDAY - timedelta(days=1), MONDAY + timedelta(days=1)]


# --- slot_problem ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(MONDAY, "09:00"), None),
        (at(MONDAY, "11:00"), None),  # right after the booking: touching
        (at(MONDAY, "10:00"), SlotProblem.TAKEN),
        (at(MONDAY, "09:30"), SlotProblem.TAKEN),  # would run into the booking
        (at(MONDAY, "09:05"), SlotProblem.OUTSIDE_HOURS),  # off the grid
        (at(MONDAY, "09:00") + timedelta(seconds=1), SlotProblem.OUTSIDE_HOURS),
        (at(MONDAY, "11:30"), SlotProblem.OUTSIDE_HOURS),  # runs past the end
        (at(MONDAY, "12:00"), SlotProblem.OUTSIDE_HOURS),  # in the lunch break
        (at(MONDAY, "07:00"), SlotProblem.OUTSIDE_HOURS),
        (at(MONDAY - timedelta(days=10), "09:00"), SlotProblem.TOO_SOON),  # in the past
        (at(MONDAY + timedelta(days=61), "09:00"), SlotProblem.TOO_FAR),
    ],
)
def test_slot_problem(start, expected):
    calendar = StaffCalendar(
        1, every_day("09:00-12:00", "13:00-18:00"), (), busy(MONDAY, "10:00-11:00")
    )
    assert slot_problem(calendar, rules(), start) is expected


def test_slot_problem_lead_time():
    calendar = StaffCalendar(1, every_day("09:00-12:00"))
    search = rules(lead=60, now=at(MONDAY, "08:30"))
    assert slot_problem(calendar, search, at(MONDAY, "09:15")) is SlotProblem.TOO_SOON
    assert slot_problem(calendar, search, at(MONDAY, "09:30")) is None


def test_slot_problem_agrees_with_free_starts_across_the_day():
    calendar = StaffCalendar(
        1,
        every_day("09:00-12:00", "13:00-18:00"),
        (DatedException("off", MONDAY, MONDAY, t("15:00"), t("15:40")),),
        busy(MONDAY, "10:00-11:00"),
    )
    search = rules(buffer=10)
    free = set(free_starts(calendar, search, MONDAY))
    minute = at(MONDAY, "00:00")
    for offset in range(0, 24 * 60, 5):
        start = minute + timedelta(minutes=offset)
        assert (slot_problem(calendar, search, start) is None) == (start in free), start


# --- DST -------------------------------------------------------------------------

BERLIN_SPRING = date(2026, 3, 29)
BERLIN_AUTUMN = date(2026, 10, 25)
NY_SPRING = date(2026, 3, 8)
NY_AUTUMN = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        (BERLIN, BERLIN_SPRING),
        (BERLIN, BERLIN_AUTUMN),
        (NEW_YORK, NY_SPRING),
        (NEW_YORK, NY_AUTUMN),
        (TOKYO, date(2026, 3, 29)),
        (MOSCOW, date(2026, 10, 25)),
    ],
)
def test_a_nine_to_six_day_is_nine_real_hours(zone, day):
    calendar = StaffCalendar(1, every_day("09:00-18:00"))
    search = rules(zone, step=60, now=datetime(2026, 1, 1, tzinfo=UTC), horizon=400)
    starts = free_starts(calendar, search, day)
    assert labels(starts, zone) == [f"{hour:02d}:00" for hour in range(9, 18)]
    assert starts[0] == at(day, "09:00", zone)
    assert starts[-1] - starts[0] == timedelta(hours=8)


def dst_starts(zone: ZoneInfo, day: date, hours: str) -> list[datetime]:
    calendar = StaffCalendar(1, every_day(hours))
    search = rules(zone, step=60, now=datetime(2026, 1, 1, tzinfo=UTC), horizon=400)
    return free_starts(calendar, search, day)


def test_spring_gap_shrinks_a_period_to_real_time():
    # Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    starts = dst_starts(BERLIN, BERLIN_SPRING, "01:00-05:00")
    assert [s.hour for s in starts] == [0, 1, 2]  # UTC: 3 real hours
    assert labels(starts, BERLIN) == ["01:00", "03:00", "04:00"]


def test_spring_gap_start_is_the_moment_of_the_change():
    starts = dst_starts(BERLIN, BERLIN_SPRING, "02:30-05:00")
    assert starts[0] == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert labels(starts, BERLIN) == ["03:00", "04:00"]


def test_spring_gap_end_is_the_moment_of_the_change():
    starts = dst_starts(NEW_YORK, NY_SPRING, "00:00-02:30")
    assert labels(starts, NEW_YORK) == ["00:00", "01:00"]


def test_a_period_inside_the_gap_vanishes():
    assert dst_starts(BERLIN, BERLIN_SPRING, "02:00-02:59") == []


def test_autumn_fold_start_first_occurrence_end_second():
    # Berlin, 25 October 2026: 03:00 CEST falls back to 02:00 CET (01:00 UTC).
    starts = dst_starts(BERLIN, BERLIN_AUTUMN, "01:00-05:00")
    assert len(starts) == 5  # 5 real hours
    assert starts[0] == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert labels(starts, BERLIN) == ["01:00", "02:00", "02:00", "03:00", "04:00"]
    starts = dst_starts(BERLIN, BERLIN_AUTUMN, "02:30-04:00")
    assert starts[0] == at(BERLIN_AUTUMN, "02:30", BERLIN, fold=0)  # 00:30 UTC, CEST
    assert starts[-1] + timedelta(hours=1) <= at(BERLIN_AUTUMN, "04:00", BERLIN)
    assert len(starts) == 2  # 2.5 real hours


def test_autumn_fold_end_is_the_second_occurrence():
    starts = dst_starts(NEW_YORK, NY_AUTUMN, "00:00-01:30")
    # 00:00 EDT to 01:30 EST is 2.5 real hours: 00:00 EDT, 01:00 EDT.
    assert starts == [at(NY_AUTUMN, "00:00", NEW_YORK), at(NY_AUTUMN, "01:00", NEW_YORK)]
    assert starts[1].astimezone(NEW_YORK).utcoffset() == timedelta(hours=-4)


def test_fold_day_lists_each_start_once():
    starts = dst_starts(BERLIN, BERLIN_AUTUMN, "01:00-02:30")
    assert starts == sorted(set(starts))


def test_slot_problem_on_dst_days():
    calendar = StaffCalendar(1, every_day("01:00-05:00"))
    search = rules(BERLIN, step=60, now=datetime(2026, 1, 1, tzinfo=UTC), horizon=400)
    assert slot_problem(calendar, search, datetime(2026, 3, 29, 1, tzinfo=UTC)) is None
    assert slot_problem(calendar, search, datetime(2026, 3, 29, 3, tzinfo=UTC)) is not None
    second_two = at(BERLIN_AUTUMN, "02:00", BERLIN, fold=1)
    assert slot_problem(calendar, search, second_two) is None


# --- "any staff member" ------------------------------------------------------------


def test_free_starts_any_lists_who_can_take_each_start():
    anna = StaffCalendar(1, every_day("09:00-11:00"), (), busy(MONDAY, "09:00-10:00"))
    boris = StaffCalendar(2, every_day("10:00-12:00"))
    slots = free_starts_any([anna, boris], rules(step=60), MONDAY)
    assert slots == [
        AnySlot(at(MONDAY, "10:00"), (1, 2)),
        AnySlot(at(MONDAY, "11:00"), (2,)),
    ]


def test_free_days_any_is_the_union():
    tuesday = MONDAY + timedelta(days=1)
    anna = StaffCalendar(1, (WeeklyInterval(0, t("09:00"), t("12:00")),))
    boris = StaffCalendar(2, (WeeklyInterval(1, t("09:00"), t("12:00")),))
    search = rules()
    assert free_days_any([anna, boris], search, MONDAY, MONDAY + timedelta(days=6)) == [
        MONDAY,
        tuesday,
    ]
    assert free_days_any([], search, MONDAY, tuesday) == []


@pytest.mark.parametrize(
    ("staff_ids", "load", "order", "expected"),
    [
        ((1, 2, 3), {1: 3, 2: 1, 3: 2}, (1, 2, 3), 2),  # least loaded
        ((1, 2, 3), {1: 1, 2: 1, 3: 1}, (3, 1, 2), 3),  # tie: stable order
        ((1, 2), {1: 2}, (1, 2), 2),  # no bookings counts as 0
        ((5, 4), {}, (1, 2), 4),  # not in the order: by id, after ordered ones
        ((5, 2), {}, (1, 2), 2),
    ],
)
def test_choose_staff(staff_ids, load, order, expected):
    assert choose_staff(staff_ids, load, order) == expected


def test_choose_staff_needs_someone():
    with pytest.raises(ValueError, match="no staff"):
        choose_staff((), {}, (1,))


# --- inputs ------------------------------------------------------------------------


def test_validate_weekly_interval():
    validate_weekly_interval(t("09:00"), t("18:00"))
    with pytest.raises(ValueError, match="night shift is two intervals"):
        validate_weekly_interval(t("22:00"), t("06:00"))
    with pytest.raises(ValueError, match="start before it ends"):
        validate_weekly_interval(t("09:00"), t("09:00"))


@pytest.mark.parametrize(
    "build",
    [
        lambda: WeeklyInterval(7, t("09:00"), t("10:00")),
        lambda: DatedException("extra", MONDAY, MONDAY),
        lambda: DatedException("off", MONDAY, MONDAY, t("09:00"), None),
        lambda: DatedException("off", MONDAY, MONDAY - timedelta(days=1)),
        lambda: DatedException("holiday", MONDAY, MONDAY),
        lambda: Interval(datetime(2026, 1, 1, 10), datetime(2026, 1, 1, 11)),
        lambda: Interval(NOW, NOW - timedelta(minutes=1)),
        lambda: rules(step=0),
        lambda: rules(now=datetime(2026, 1, 1)),
    ],
)
def test_bad_inputs_are_refused(build):
    with pytest.raises(ValueError):
        build()


def test_calendar_from_spans_gives_busy_intervals_back():
    start = int(at(MONDAY, "10:00").timestamp())
    calendar = StaffCalendar.from_spans(1, every_day("09:00-12:00"), (), [(start, start + H)])
    assert calendar.busy == (Interval(at(MONDAY, "10:00"), at(MONDAY, "11:00")),)
    assert labels(free_starts(calendar, rules(step=60), MONDAY)) == ["09:00", "11:00"]


def test_free_days_among_keeps_only_given_bookable_days():
    anna = StaffCalendar(1, every_day("09:00-12:00"), (), busy(MONDAY, "09:00-12:00"))
    boris = StaffCalendar(2, every_day("09:00-12:00"), (), busy(MONDAY, "09:00-11:00"))
    search = rules(horizon=10)
    days = [MONDAY - timedelta(days=30), MONDAY, MONDAY + timedelta(days=2), MONDAY + timedelta(9)]
    assert free_days_among([anna], search, days) == [MONDAY + timedelta(days=2)]
    assert free_days_among([anna, boris], search, days) == [MONDAY, MONDAY + timedelta(days=2)]
