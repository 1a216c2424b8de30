"""The availability engine: which start times are free. Pure functions, no I/O.

A start S of a service is free for a staff member when the whole stretch
[S, S + duration + buffer_after) lies in their working time and overlaps none of
their busy intervals, S is on the step grid, S >= now + min_lead, and S's local
date is at most today + horizon_days (both "today" and dates are in the
business's zone). Intervals are half-open, so touching ones never conflict.

For one staff member and one local day the answer is a pipeline of small steps,
each a function below:

1. `working_periods`: the weekly hours of that weekday (none on a whole-day
   'off'), plus 'extra' hours, merged. Each period is an origin of the step grid.
2. `minus_blocked`: 'off' stretches with times are cut out.
3. `to_instants`: local wall-clock times become instants (DST rules below).
4. `minus_busy`: existing bookings, [starts_at, busy_until), are cut out.
5. `grid_starts`: starts on the grid of each period whose stretch fits in what
   is left, and not before the lead time.
6. `within_horizon`: days after today + horizon_days (or before today) offer nothing.

Exceptions: a whole-day 'off' (no times; a vacation is a range of days) removes
the weekly hours of those days; 'extra' hours are added even on such a day (the
more specific entry wins); an 'off' with times blocks that stretch of every day
in its range, extra hours included.

Wall-clock rules:
- An end of 23:59 means midnight (`time` cannot say 24:00, and a lost minute
  would cost the day's last slot). A visit may run past midnight into a period
  of the next day that starts at 00:00 (a night shift is two rows).
- Grid steps are counted in real time from the period's real start.
- DST gap (spring): a wall time that does not exist is read as the instant of
  the change, so a period shrinks to the real time it covers (01:00–05:00 in
  Berlin on the spring day is 3 hours; 02:15–02:45 vanishes).
- DST fold (autumn): an ambiguous wall time is read as its first occurrence when
  it starts a period and its second when it ends one, so a period covers every
  moment its wall-clock reading names (01:00–05:00 on the autumn day is 5 hours).
  Blocked 'off' stretches are cut in wall-clock time, before this step.

"Any staff member": a start is offered when at least one of them can take it
(`AnySlot.staff_ids`). Who gets it is `choose_staff`: the one with the fewest
active bookings that local day, ties broken by the stable order given (staff
sort_order, then id), so work is spread evenly and the choice is reproducible.

Internally instants are integer seconds since the epoch and wall-clock times
integer seconds since local midnight: a month of "any staff" queries stays
arithmetic on ints, not thousands of datetime objects.
"""

from __future__ import annotations

import enum
import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from db.models import ExceptionKind

Span = tuple[int, int]
"""A half-open [start, end) in seconds: since local midnight, or since the epoch."""

DAY = 86_400
MIDNIGHT_END = time(23, 59)
"""An end at or after this wall time means "until midnight"."""
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def validate_weekly_interval(start: time, end: time) -> None:
    """Refuse a working interval the engine cannot mean (for the admin UI).

    Raises `ValueError` with a message that says how to enter it instead.
    """
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError("working hours are local wall-clock times, without a time zone")
    if start >= end:
        raise ValueError(
            f"a working interval must start before it ends ({start:%H:%M}–{end:%H:%M}); "
            "a night shift is two intervals: until 23:59 (midnight) and from 00:00 next day"
        )


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open stretch of time [start, end) between aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("an interval needs aware datetimes")
        if self.end < self.start:
            raise ValueError(f"interval ends before it starts: {self.start} > {self.end}")


@dataclass(frozen=True, slots=True)
class WeeklyInterval:
    """Weekly working hours: `weekday` (Monday 0) from `start` to `end`, local time."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) … 6 (Sunday), got {self.weekday}")
        validate_weekly_interval(self.start, self.end)


@dataclass(frozen=True, slots=True)
class DatedException:
    """A dated change to the weekly hours on each day of [date_from, date_to].

    `kind` is an `ExceptionKind` value. 'off' without times: whole days off;
    'off' with times: a blocked stretch each day; 'extra' (always with times):
    added hours.
    """

    kind: str
    date_from: date
    date_to: date
    start: time | None = None
    end: time | None = None

    def __post_init__(self) -> None:
        if self.kind not in (ExceptionKind.OFF, ExceptionKind.EXTRA):
            raise ValueError(f"unknown exception kind {self.kind!r}")
        if self.date_from > self.date_to:
            raise ValueError("an exception's dates must be in order")
        if (self.start is None) != (self.end is None):
            raise ValueError("an exception has both times or neither")
        if self.start is None and self.kind == ExceptionKind.EXTRA:
            raise ValueError("extra hours need times")
        if self.start is not None and self.end is not None:
            validate_weekly_interval(self.start, self.end)

    def covers(self, day: date) -> bool:
        return self.date_from <= day <= self.date_to

    @property
    def span(self) -> Span | None:
        """The stretch each day, in seconds since local midnight; None for whole days."""
        if self.start is None or self.end is None:
            return None
        return _local_span(self.start, self.end)


class StaffCalendar:
    """What the engine knows of one staff member: hours, exceptions, bookings.

    `busy` holds existing active bookings as [starts_at, busy_until) (the
    service buffer already included). Loaders that read thousands of bookings
    use `from_spans`, which skips building an `Interval` per booking.
    """

    __slots__ = (
        "_busy",
        "_busy_ends",
        "_busy_spans",
        "_weekly_spans",
        "exceptions",
        "staff_id",
        "weekly",
    )

    def __init__(
        self,
        staff_id: int,
        weekly: tuple[WeeklyInterval, ...] = (),
        exceptions: tuple[DatedException, ...] = (),
        busy: tuple[Interval, ...] = (),
    ) -> None:
        spans = [(math.floor(b.start.timestamp()), math.ceil(b.end.timestamp())) for b in busy]
        self._setup(staff_id, weekly, exceptions, spans)
        self._busy: tuple[Interval, ...] | None = tuple(busy)

    @classmethod
    def from_spans(
        cls,
        staff_id: int,
        weekly: tuple[WeeklyInterval, ...],
        exceptions: tuple[DatedException, ...],
        busy_spans: Iterable[Span],
    ) -> StaffCalendar:
        """A calendar whose busy intervals are given in epoch seconds."""
        calendar = cls.__new__(cls)
        calendar._setup(staff_id, weekly, exceptions, list(busy_spans))
        calendar._busy = None
        return calendar

    def _setup(
        self,
        staff_id: int,
        weekly: tuple[WeeklyInterval, ...],
        exceptions: tuple[DatedException, ...],
        busy_spans: list[Span],
    ) -> None:
        self.staff_id = staff_id
        self.weekly = tuple(weekly)
        self.exceptions = tuple(exceptions)
        self._weekly_spans = _weekly_spans(self.weekly)
        self._busy_spans = merge(busy_spans)
        self._busy_ends = [end for _, end in self._busy_spans]

    @property
    def busy(self) -> tuple[Interval, ...]:
        """The busy intervals (merged, when the calendar came `from_spans`)."""
        if self._busy is None:
            self._busy = tuple(
                Interval(_instant(start), _instant(end)) for start, end in self._busy_spans
            )
        return self._busy

    def busy_between(self, lo: int, hi: int) -> list[Span]:
        """The merged busy spans that overlap [lo, hi) (epoch seconds)."""
        spans = self._busy_spans
        first = bisect_right(self._busy_ends, lo)
        last = first
        while last < len(spans) and spans[last][0] < hi:
            last += 1
        return spans[first:last]

    def __repr__(self) -> str:
        return (
            f"StaffCalendar(staff_id={self.staff_id}, weekly={len(self.weekly)}, "
            f"exceptions={len(self.exceptions)}, busy={len(self._busy_spans)})"
        )


@lru_cache(maxsize=1024)
def _weekly_spans(weekly: tuple[WeeklyInterval, ...]) -> tuple[tuple[Span, ...], ...]:
    """Merged local spans per weekday; cached (and so immutable), as staff keep
    the same hours for months."""
    by_weekday: list[list[Span]] = [[] for _ in range(7)]
    for interval in weekly:
        by_weekday[interval.weekday].append(_local_span(interval.start, interval.end))
    return tuple(tuple(merge(spans)) for spans in by_weekday)


@dataclass(frozen=True, slots=True)
class SlotRules:
    """The service and business settings a search runs under."""

    duration: timedelta
    buffer_after: timedelta
    step: timedelta
    min_lead: timedelta
    horizon_days: int
    zone: ZoneInfo
    now: datetime

    def __post_init__(self) -> None:
        if self.duration <= timedelta(0) or self.step <= timedelta(0):
            raise ValueError("duration and step must be positive")
        if self.buffer_after < timedelta(0) or self.min_lead < timedelta(0):
            raise ValueError("buffer and lead time cannot be negative")
        if self.horizon_days < 0:
            raise ValueError("horizon_days cannot be negative")
        if self.now.tzinfo is None:
            raise ValueError("now must be an aware datetime")

    @property
    def today(self) -> date:
        """The business's local date at `now`."""
        return self.now.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        return self.today + timedelta(days=self.horizon_days)


class SlotProblem(enum.Enum):
    """Why a given start cannot be booked (checked in this order)."""

    TOO_SOON = "too_soon"
    TOO_FAR = "too_far"
    OUTSIDE_HOURS = "outside_hours"
    TAKEN = "taken"


@dataclass(frozen=True, slots=True)
class AnySlot:
    """A start some staff members can take, in the order they were given."""

    start: datetime
    staff_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Search:
    """`SlotRules` in integer seconds, computed once per call."""

    need: int
    step: int
    earliest: int
    first_day: date
    last_day: date
    zone: ZoneInfo

    @classmethod
    def of(cls, rules: SlotRules) -> _Search:
        return cls(
            need=_seconds(rules.duration + rules.buffer_after),
            step=_seconds(rules.step),
            earliest=math.ceil((rules.now + rules.min_lead).timestamp()),
            first_day=rules.today,
            last_day=rules.last_day,
            zone=rules.zone,
        )


# --- spans -------------------------------------------------------------------


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted, disjoint spans covering the same time; empty ones dropped, touching joined."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(spans: Sequence[Span], cuts: Sequence[Span]) -> list[Span]:
    """`spans` minus `cuts`; both sorted and disjoint (as `merge` returns them)."""
    if not cuts:
        return list(spans)
    result: list[Span] = []
    index = 0
    for start, end in spans:
        while index < len(cuts) and cuts[index][1] <= start:
            index += 1
        cursor = start
        scan = index
        while scan < len(cuts) and cuts[scan][0] < end:
            cut_start, cut_end = cuts[scan]
            if cut_start > cursor:
                result.append((cursor, cut_start))
            cursor = max(cursor, cut_end)
            scan += 1
        if cursor < end:
            result.append((cursor, end))
    return result


# --- the pipeline --------------------------------------------------------------


def working_periods(calendar: StaffCalendar, day: date) -> list[Span]:
    """Step 1: local working periods of the day (weekly, unless off, plus extra)."""
    day_off = False
    extra: list[Span] = []
    for exception in calendar.exceptions:
        if not exception.covers(day):
            continue
        span = exception.span
        if span is None:
            day_off = True  # only 'off' has no times
        elif exception.kind == ExceptionKind.EXTRA:
            extra.append(span)
    weekly = [] if day_off else calendar._weekly_spans[day.weekday()]
    return merge([*weekly, *extra]) if extra else list(weekly)


def minus_blocked(periods: Sequence[Span], calendar: StaffCalendar, day: date) -> list[Span]:
    """Step 2: cut out the day's 'off' stretches that have times."""
    blocked = [
        span
        for exception in calendar.exceptions
        if exception.kind == ExceptionKind.OFF
        and (span := exception.span) is not None
        and exception.covers(day)
    ]
    return subtract(periods, merge(blocked)) if blocked else list(periods)


def to_instants(spans: Iterable[Span], day: date, zone: ZoneInfo) -> list[Span]:
    """Step 3: local spans of `day` as epoch spans (see the module's DST rules)."""
    frame = _day_frame(day, zone)
    if frame.offset is not None:
        base = frame.base - frame.offset
        return [(base + start, base + end) for start, end in spans]
    # Read by the fold rule, two periods of one wall-clock day can overlap in
    # real time; merged they stay sorted and disjoint for the later steps.
    return merge(
        (_wall_to_epoch(day, zone, start, end=False), _wall_to_epoch(day, zone, end, end=True))
        for start, end in spans
    )


def minus_busy(spans: Sequence[Span], calendar: StaffCalendar) -> list[Span]:
    """Step 4: cut out existing bookings."""
    if not spans:
        return []
    busy = calendar.busy_between(spans[0][0], spans[-1][1])
    return subtract(spans, busy)


def grid_starts(
    periods: Sequence[Span], free: Sequence[Span], need: int, step: int, earliest: int
) -> Iterator[int]:
    """Step 5: starts on each period's grid, not before `earliest`, whose
    [start, start + need) fits in one free span.

    Ascending within a period; periods of a DST fold day may overlap in real
    time, so callers that list starts sort and deduplicate them.
    """
    for origin, period_end in periods:
        for free_start, free_end in free:
            if free_end <= origin or free_start >= period_end:
                continue
            lowest = max(origin, free_start, earliest)
            start = origin + -(-(lowest - origin) // step) * step
            while start < period_end and start + need <= free_end:
                yield start
                start += step


def within_horizon(day: date, search: _Search) -> bool:
    """Step 6: only today … today + horizon_days can offer anything."""
    return search.first_day <= day <= search.last_day


def _day_spans(calendar: StaffCalendar, day: date, zone: ZoneInfo) -> tuple[list[Span], list[Span]]:
    """Steps 1–3 of one day: (grid periods, open spans), both as epoch spans.

    The open spans run on into a period of the next day that starts at
    midnight, so a visit may cross midnight inside a night shift.
    """
    local_periods = working_periods(calendar, day)
    if not local_periods:
        return [], []
    periods = to_instants(local_periods, day, zone)
    open_local = minus_blocked(local_periods, calendar, day)
    open_spans = periods if open_local == local_periods else to_instants(open_local, day, zone)
    if local_periods[-1][1] == DAY:
        following = day + timedelta(days=1)
        tomorrow = minus_blocked(working_periods(calendar, following), calendar, following)
        if tomorrow and tomorrow[0][0] == 0:
            open_spans = merge([*open_spans, *to_instants(tomorrow[:1], following, zone)])
    return periods, open_spans


def _day_starts(calendar: StaffCalendar, day: date, search: _Search) -> Iterator[int]:
    if not within_horizon(day, search):
        return iter(())
    periods, open_spans = _day_spans(calendar, day, search.zone)
    free = minus_busy(open_spans, calendar)
    return grid_starts(periods, free, search.need, search.step, search.earliest)


# --- public queries --------------------------------------------------------------


def free_starts(calendar: StaffCalendar, rules: SlotRules, day: date) -> list[datetime]:
    """Free starts of one local day, as sorted UTC instants."""
    starts = set(_day_starts(calendar, day, _Search.of(rules)))
    return [_instant(start) for start in sorted(starts)]


def free_days(calendar: StaffCalendar, rules: SlotRules, first: date, last: date) -> list[date]:
    """Local days in [first, last] with at least one free start."""
    return free_days_among([calendar], rules, _bookable_dates(first, last, rules))


def free_starts_any(
    calendars: Sequence[StaffCalendar], rules: SlotRules, day: date
) -> list[AnySlot]:
    """Free starts of a day for "any staff member", each with who can take it."""
    search = _Search.of(rules)
    takers: dict[int, list[int]] = {}
    for calendar in calendars:
        for start in set(_day_starts(calendar, day, search)):
            takers.setdefault(start, []).append(calendar.staff_id)
    return [AnySlot(_instant(start), tuple(takers[start])) for start in sorted(takers)]


def free_days_any(
    calendars: Sequence[StaffCalendar], rules: SlotRules, first: date, last: date
) -> list[date]:
    """Local days in [first, last] on which at least one staff member has a free start."""
    return free_days_among(calendars, rules, _bookable_dates(first, last, rules))


def free_days_among(
    calendars: Sequence[StaffCalendar], rules: SlotRules, days: Iterable[date]
) -> list[date]:
    """Those of `days` (ascending) on which one of the calendars has a free start.

    Only existence matters, so each day stops at the first staff member (in
    the given order) with a start, and each calendar at its first start.
    """
    search = _Search.of(rules)
    return [
        day
        for day in days
        if within_horizon(day, search)
        and any(_has_start(calendar, day, search) for calendar in calendars)
    ]


def choose_staff(
    staff_ids: Sequence[int], day_load: Mapping[int, int], order: Sequence[int]
) -> int:
    """The least loaded of `staff_ids` that day; ties go to the earliest in `order`.

    `day_load` counts each one's active bookings on the local day (missing = 0);
    ids absent from `order` come after those in it, by id.
    """
    if not staff_ids:
        raise ValueError("no staff member to choose from")
    rank = {staff_id: position for position, staff_id in enumerate(order)}
    return min(staff_ids, key=lambda s: (day_load.get(s, 0), rank.get(s, len(rank)), s))


def slot_problem(calendar: StaffCalendar, rules: SlotRules, start: datetime) -> SlotProblem | None:
    """Why `start` cannot be booked with this staff member, or None when it can."""
    search = _Search.of(rules)
    exact = start.timestamp()
    at = math.floor(exact)
    if exact < search.earliest:
        return SlotProblem.TOO_SOON
    day = start.astimezone(rules.zone).date()
    if day > search.last_day:
        return SlotProblem.TOO_FAR
    periods, open_spans = _day_spans(calendar, day, rules.zone)
    if exact != at or at not in grid_starts(periods, open_spans, search.need, search.step, at):
        return SlotProblem.OUTSIDE_HOURS
    if calendar.busy_between(at, at + search.need):
        return SlotProblem.TAKEN
    return None


# --- helpers ---------------------------------------------------------------------


def _has_start(calendar: StaffCalendar, day: date, search: _Search) -> bool:
    return next(_day_starts(calendar, day, search), None) is not None


def _bookable_dates(first: date, last: date, rules: SlotRules) -> Iterator[date]:
    """The days of [first, last] within today … today + horizon_days."""
    day = max(first, rules.today)
    last = min(last, rules.last_day)
    while day <= last:
        yield day
        day += timedelta(days=1)


def _seconds(delta: timedelta) -> int:
    return math.ceil(delta.total_seconds())


def _instant(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _local_span(start: time, end: time) -> Span:
    """Seconds since local midnight; an end at 23:59 or later is midnight."""
    end_seconds = DAY if end >= MIDNIGHT_END else end.hour * 3600 + end.minute * 60 + end.second
    return (start.hour * 3600 + start.minute * 60 + start.second, end_seconds)


@dataclass(frozen=True, slots=True)
class _DayFrame:
    base: int
    """Epoch seconds of the day's local midnight read as if it were UTC."""
    offset: int | None
    """The day's UTC offset in seconds, or None when it changes during the day."""


@lru_cache(maxsize=4096)
def _day_frame(day: date, zone: ZoneInfo) -> _DayFrame:
    midnight = datetime.combine(day, time(), zone)
    last_moment = datetime.combine(day, time(23, 59, 59), zone).replace(fold=1)
    offset = midnight.utcoffset()
    base = (day.toordinal() - _EPOCH_ORDINAL) * DAY
    if (
        offset is None
        or offset != last_moment.utcoffset()
        or midnight.replace(fold=1).utcoffset() != offset
    ):
        return _DayFrame(base, None)
    return _DayFrame(base, _seconds(offset))


def _wall_to_epoch(day: date, zone: ZoneInfo, seconds: int, *, end: bool) -> int:
    """A wall time on a day whose UTC offset changes, by the module's DST rules."""
    wall = datetime.combine(day, time()) + timedelta(seconds=seconds)
    first = math.floor(wall.replace(tzinfo=zone, fold=0).timestamp())
    second = math.floor(wall.replace(tzinfo=zone, fold=1).timestamp())
    if first == second:
        return first
    if first < second:  # fold: the wall time happens twice
        return second if end else first
    return _change_instant(zone, second, first)  # gap: `second` < change <= `first`


def _change_instant(zone: ZoneInfo, before: int, after: int) -> int:
    """The first second in (before, after] with a UTC offset other than at `before`."""
    offset = _offset_at(zone, before)
    while after - before > 1:
        middle = (before + after) // 2
        if _offset_at(zone, middle) == offset:
            before = middle
        else:
            after = middle
    return after


def _offset_at(zone: ZoneInfo, epoch: int) -> timedelta | None:
    return datetime.fromtimestamp(epoch, zone).utcoffset()
