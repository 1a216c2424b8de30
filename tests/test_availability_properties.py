"""Property-based tests of the availability engine against a brute-force oracle.

The oracle knows nothing of spans or the pipeline: it marks each working
minute of a local day in a set and checks candidate starts minute by minute
(every boundary is a multiple of five minutes, so five-minute samples are exact).
On days near a DST change, where a wall-clock minute can mean two instants or
none, only the safety properties are checked; the DST rules themselves have
table tests in test_availability_engine.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from db.services.availability import (
    DatedException,
    Interval,
    SlotRules,
    StaffCalendar,
    WeeklyInterval,
    free_days,
    free_days_any,
    free_starts,
    free_starts_any,
    slot_problem,
)

ZONES = [ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")]
# Around both DST changes of both DST zones, and a plain week.
BASE_DAYS = [date(2026, 3, 6), date(2026, 3, 27), date(2026, 10, 23), date(2026, 10, 30)]
BASE_DAYS.append(date(2026, 6, 10))
SAMPLE = timedelta(minutes=5)
MINUTES_A_DAY = 24 * 60

minutes5 = st.integers(0, MINUTES_A_DAY // 5 - 1).map(lambda n: n * 5)


def wall(minute: int) -> time:
    return time(minute // 60, minute % 60)


@st.composite
def local_stretch(draw: st.DrawFn) -> tuple[time, time]:
    """A wall-clock [start, end) within one day; an end of 23:59 means midnight."""
    start = draw(minutes5)
    length = draw(st.integers(1, 60).map(lambda n: n * 5))
    return wall(start), wall(min(start + length, MINUTES_A_DAY - 1))


@st.composite
def calendars(draw: st.DrawFn, staff_id: int, base: date, zone: ZoneInfo) -> StaffCalendar:
    weekly = tuple(
        WeeklyInterval(draw(st.integers(0, 6)), *draw(local_stretch()))
        for _ in range(draw(st.integers(0, 10)))
    )
    exceptions = []
    for _ in range(draw(st.integers(0, 3))):
        date_from = base + timedelta(days=draw(st.integers(-1, 6)))
        date_to = date_from + timedelta(days=draw(st.integers(0, 2)))
        kind = draw(st.sampled_from(["off", "extra"]))
        with_times = kind == "extra" or draw(st.booleans())
        start, end = draw(local_stretch()) if with_times else (None, None)
        exceptions.append(DatedException(kind, date_from, date_to, start, end))
    midnight = datetime.combine(base - timedelta(days=1), time(), zone).astimezone(UTC)
    busy = []
    for _ in range(draw(st.integers(0, 12))):
        start = midnight + timedelta(minutes=draw(st.integers(0, 9 * MINUTES_A_DAY // 5)) * 5)
        busy.append(Interval(start, start + timedelta(minutes=draw(st.integers(0, 48)) * 5)))
    return StaffCalendar(staff_id, weekly, tuple(exceptions), tuple(busy))


@st.composite
def scenarios(draw: st.DrawFn, staff: int = 1) -> tuple[list[StaffCalendar], SlotRules]:
    zone = draw(st.sampled_from(ZONES))
    base = draw(st.sampled_from(BASE_DAYS))
    now = datetime.combine(base, time(), zone).astimezone(UTC) + timedelta(
        minutes=draw(st.integers(0, 3 * MINUTES_A_DAY // 5)) * 5
    )
    rules = SlotRules(
        duration=timedelta(minutes=draw(st.integers(1, 36)) * 5),
        buffer_after=timedelta(minutes=draw(st.integers(0, 6)) * 5),
        step=timedelta(minutes=draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60]))),
        min_lead=timedelta(minutes=draw(st.integers(0, 48)) * 5),
        horizon_days=draw(st.integers(0, 4)),
        zone=zone,
        now=now,
    )
    return [draw(calendars(staff_id, base, zone)) for staff_id in range(1, staff + 1)], rules


def days_around(rules: SlotRules) -> list[date]:
    """Every day a query could touch, and one beyond each end."""
    return [rules.today + timedelta(days=n) for n in range(-1, rules.horizon_days + 2)]


# --- the oracle ----------------------------------------------------------------------


@lru_cache(maxsize=256)
def open_minutes(calendar: StaffCalendar, day: date) -> frozenset[int]:
    """Working minutes of a local day, from the raw rows."""

    def minutes(start: time, end: time) -> range:
        last = MINUTES_A_DAY if end >= time(23, 59) else end.hour * 60 + end.minute
        return range(start.hour * 60 + start.minute, last)

    covering = [e for e in calendar.exceptions if e.date_from <= day <= e.date_to]
    result: set[int] = set()
    if not any(e.kind == "off" and e.start is None for e in covering):
        for interval in calendar.weekly:
            if interval.weekday == day.weekday():
                result.update(minutes(interval.start, interval.end))
    for e in covering:
        if e.kind == "extra":
            result.update(minutes(e.start, e.end))
    for e in covering:
        if e.kind == "off" and e.start is not None:
            result.difference_update(minutes(e.start, e.end))
    return frozenset(result)


def is_working(calendar: StaffCalendar, instant: datetime, zone: ZoneInfo) -> bool:
    local = instant.astimezone(zone)
    return local.hour * 60 + local.minute in open_minutes(calendar, local.date())


def is_busy(calendar: StaffCalendar, start: datetime, end: datetime) -> bool:
    """Overlap of half-open intervals: an empty one holds no moment, so blocks nothing."""
    return any(b.start < b.end and b.start < end and start < b.end for b in calendar.busy)


def steady(zone: ZoneInfo, day: date) -> bool:
    """No UTC offset change from the day before to the day after."""
    offsets = {
        datetime.combine(day + timedelta(days=n), time(h), zone).utcoffset()
        for n in (-1, 0, 1, 2)
        for h in (0, 12)
    }
    return len(offsets) == 1


def samples(start: datetime, need: timedelta) -> list[datetime]:
    return [start + SAMPLE * n for n in range(need // SAMPLE)]


def oracle_starts(calendar: StaffCalendar, rules: SlotRules, day: date) -> list[datetime]:
    """Brute force for a steady day: every grid point of every working period."""
    zone, need = rules.zone, rules.duration + rules.buffer_after
    if not rules.today <= day <= rules.today + timedelta(days=rules.horizon_days):
        return []
    result = []
    for origin, end in _period_origins(calendar, day):
        start = datetime.combine(day, wall(origin), zone).astimezone(UTC)
        stop = datetime.combine(day, wall(0), zone).astimezone(UTC) + timedelta(minutes=end)
        while start < stop:
            if (
                start >= rules.now + rules.min_lead
                and all(is_working(calendar, x, zone) for x in samples(start, need))
                and not is_busy(calendar, start, start + need)
            ):
                result.append(start)
            start += rules.step
    return result


def _period_origins(calendar: StaffCalendar, day: date) -> list[tuple[int, int]]:
    """Working periods (before blocked stretches) as (first minute, end minute)."""
    blank = StaffCalendar(
        calendar.staff_id,
        calendar.weekly,
        tuple(e for e in calendar.exceptions if e.kind == "extra" or e.start is None),
    )
    minutes = sorted(open_minutes(blank, day))
    periods: list[tuple[int, int]] = []
    for minute in minutes:
        if periods and periods[-1][1] == minute:
            periods[-1] = (periods[-1][0], minute + 1)
        else:
            periods.append((minute, minute + 1))
    return periods


# --- properties ------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


@PROPERTY_SETTINGS
@given(scenarios())
def test_free_starts_are_safe(scenario):
    (calendar,), rules = scenario
    need = rules.duration + rules.buffer_after
    for day in days_around(rules):
        starts = free_starts(calendar, rules, day)
        assert starts == sorted(set(starts))
        for start in starts:
            assert start.tzinfo is not None
            assert start >= rules.now + rules.min_lead
            assert start.astimezone(rules.zone).date() == day
            assert rules.today <= day <= rules.today + timedelta(days=rules.horizon_days)
            assert not is_busy(calendar, start, start + need)
            for moment in samples(start, need):
                local = moment.astimezone(rules.zone)
                ambiguous = local.replace(fold=1 - local.fold).astimezone(UTC) != moment
                assert ambiguous or is_working(calendar, moment, rules.zone), (start, moment)
            assert slot_problem(calendar, rules, start) is None


@PROPERTY_SETTINGS
@given(scenarios())
def test_free_starts_match_the_oracle_on_steady_days(scenario):
    (calendar,), rules = scenario
    for day in days_around(rules):
        if steady(rules.zone, day):
            assert free_starts(calendar, rules, day) == oracle_starts(calendar, rules, day)


@PROPERTY_SETTINGS
@given(scenarios())
def test_free_days_are_days_with_a_free_start(scenario):
    (calendar,), rules = scenario
    days = days_around(rules)
    expected = [day for day in days if free_starts(calendar, rules, day)]
    assert free_days(calendar, rules, days[0], days[-1]) == expected


@PROPERTY_SETTINGS
@given(scenarios(staff=3))
def test_any_staff_is_the_union_of_each(scenario):
    calendars, rules = scenario
    days = days_around(rules)
    for day in days:
        each = {c.staff_id: set(free_starts(c, rules, day)) for c in calendars}
        slots = free_starts_any(calendars, rules, day)
        assert [slot.start for slot in slots] == sorted(set().union(*each.values()))
        for slot in slots:
            assert slot.staff_ids == tuple(s for s in (1, 2, 3) if slot.start in each[s])
    expected = [day for day in days if any(free_starts(c, rules, day) for c in calendars)]
    assert free_days_any(calendars, rules, days[0], days[-1]) == expected
