"""Availability and booking speed against the database the bot uses.

    uv run python bench/availability.py [--db sqlite|postgresql|both] [--pg-url URL]

A business in Europe/Berlin with 20 staff (Mon–Sat 09–13, 14–20, a vacation
and a few blocked hours each), three services, a 15-minute step, a 60-day
horizon and 50,000 bookings: a long history and a future that is nearly full
this week and thins out towards the horizon. Prints p50/p99 of
(a) free days of a month for "any staff member" (`free_days_for`; goal p99 <= 20 ms),
(b) free times of one day for one staff member (`free_times_for`; goal p99 <= 5 ms),
and (c) bookings a second through `create_booking` beside a plain INSERT of the
same rows, 50 concurrent clients each, in alternating rounds (goal: ratio >=
0.5). Beside the times it prints this process's CPU per query and the SQL
statements each query or row took: figures a busy machine distorts less.
Figures, no verdicts.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time as timer
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.common import (
    counting,
    fresh_database,
    percentile,
    postgres_url_from_env,
    run_workers,
)
from db.engine import create_engine, create_sessionmaker
from db.models import (
    Booking,
    BookingStatus,
    Client,
    ExceptionKind,
    ScheduleException,
    Service,
    Staff,
    WorkingInterval,
    staff_services,
)
from db.services.availability import free_starts
from db.services.booking import create_booking
from db.services.business import get_business
from db.services.calendar import (
    free_days_for,
    free_times_for,
    load_calendars,
    load_rules,
)
from db.services.errors import BookingError

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday, 08:00 in Berlin
TODAY = NOW.astimezone(ZONE).date()
STAFF = 20
HORIZON_DAYS = 60
STEP_MINUTES = 15
BOOKINGS = 50_000
CLIENTS = 5_000
CONCURRENCY = 50
ROUNDS = 6  # of (c), alternating plain INSERT and create_booking
HOURS = ((time(9), time(13)), (time(14), time(20)))  # Monday to Saturday
SERVICES = ((30, 0), (60, 10), (90, 15))  # (duration, buffer after) in minutes
MONTHS = (date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1))


@dataclass(frozen=True)
class World:
    service_ids: list[int]
    staff_ids: list[int]
    client_ids: list[int]


async def seed(sessionmaker: async_sessionmaker[AsyncSession], rng: random.Random) -> World:
    async with sessionmaker() as session:
        business = await get_business(session)
        business.timezone = ZONE.key
        business.slot_step_minutes = STEP_MINUTES
        business.horizon_days = HORIZON_DAYS
        business.min_lead_minutes = 60
        business.max_upcoming_per_client = 1_000_000
        services = [
            Service(name=f"Service {d}", duration_minutes=d, buffer_after_minutes=b, price=1000)
            for d, b in SERVICES
        ]
        staff = [Staff(name=f"Staff {n}", sort_order=n % 3) for n in range(STAFF)]
        session.add_all([*services, *staff])
        await session.flush()
        await session.execute(
            insert(staff_services),
            [{"staff_id": m.id, "service_id": s.id} for m in staff for s in services],
        )
        await session.execute(
            insert(WorkingInterval),
            [
                {"staff_id": m.id, "weekday": wd, "start_time": a, "end_time": b}
                for m in staff
                for wd in range(6)
                for a, b in HOURS
            ],
        )
        await session.execute(insert(ScheduleException), _exceptions(staff, rng))
        client_ids = list(
            await session.scalars(
                insert(Client).returning(Client.id),
                [{"name": f"Client {n}", "telegram_id": 10_000 + n} for n in range(CLIENTS)],
            )
        )
        await session.commit()
    world = World([s.id for s in services], [m.id for m in staff], client_ids)
    rows = _bookings(world, rng)
    # Newest first: each insert's overlap check then finds no earlier rows to scan.
    rows.sort(key=lambda row: row["starts_at"], reverse=True)
    for chunk in range(0, len(rows), 5_000):
        async with sessionmaker() as session:
            await session.execute(insert(Booking), rows[chunk : chunk + 5_000])
            await session.commit()
    async with sessionmaker() as session:
        if session.bind.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load on a live server.
            await session.execute(text("ANALYZE"))
            await session.commit()
    return world


def _exceptions(staff: list[Staff], rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for member in staff:
        start = TODAY + timedelta(days=rng.randrange(3, HORIZON_DAYS))
        rows.append(
            {
                "staff_id": member.id,
                "kind": ExceptionKind.OFF,
                "date_from": start,
                "date_to": start + timedelta(days=rng.randrange(0, 7)),
            }
        )
        for _ in range(5):
            day = TODAY + timedelta(days=rng.randrange(0, HORIZON_DAYS))
            hour = rng.randrange(9, 19)
            rows.append(
                {
                    "staff_id": member.id,
                    "kind": ExceptionKind.OFF,
                    "date_from": day,
                    "date_to": day,
                    "start_time": time(hour),
                    "end_time": time(hour + 1),
                }
            )
    return rows


def _fill(days_ahead: int) -> float:
    """How full a day is: history full, this week nearly, the horizon sparse."""
    if days_ahead < 0:
        return 0.85
    return 0.9 - 0.8 * days_ahead / HORIZON_DAYS


def _bookings(world: World, rng: random.Random) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    days_ahead = HORIZON_DAYS
    while len(rows) < BOOKINGS:
        day = TODAY + timedelta(days=days_ahead)
        if day.weekday() < 6:
            for staff_id in world.staff_ids:
                rows.extend(_day_of_bookings(world, rng, staff_id, day, _fill(days_ahead)))
        days_ahead -= 1
    return rows[:BOOKINGS]


def _day_of_bookings(
    world: World, rng: random.Random, staff_id: int, day: date, fill: float
) -> list[dict[str, Any]]:
    rows = []
    step = timedelta(minutes=STEP_MINUTES)
    past = day < TODAY
    for opens, closes in HOURS:
        at = datetime.combine(day, opens, ZONE).astimezone(UTC)
        end = datetime.combine(day, closes, ZONE).astimezone(UTC)
        while at < end:
            index = rng.randrange(len(SERVICES))
            duration, buffer = SERVICES[index]
            ends_at = at + timedelta(minutes=duration)
            busy_until = ends_at + timedelta(minutes=buffer)
            if busy_until > end or rng.random() > fill:
                at += step
                continue
            status = rng.choices(
                [
                    BookingStatus.COMPLETED if past else BookingStatus.CONFIRMED,
                    BookingStatus.CANCELLED,
                ],
                [9, 1],
            )[0]
            rows.append(
                {
                    "client_id": rng.choice(world.client_ids),
                    "staff_id": staff_id,
                    "service_id": world.service_ids[index],
                    "starts_at": at,
                    "ends_at": ends_at,
                    "busy_until": busy_until,
                    "status": status,
                    "price": Decimal(1000),
                }
            )
            at = busy_until
    return rows


# --- measurements -----------------------------------------------------------------


@dataclass
class Latency:
    """Per-query figures: wall and CPU milliseconds, SQL statements."""

    wall_ms: list[float]
    cpu_ms: list[float]
    statements: float


async def timed(
    engine: AsyncEngine, queries: int, query: Callable[[AsyncSession], Awaitable[Any]]
) -> Latency:
    """Each query in its own session, like an update of the bot; the first
    20 only warm the connection pool and caches. CPU is this process's own
    (all its threads, so a wait in aiosqlite's counts too), which a busy machine
    inflates less than wall time."""
    sessionmaker = create_sessionmaker(engine)
    wall, cpu = [], []
    with counting(engine) as statements:
        for n in range(queries + 20):
            if n == 20:
                statements.total = 0
            started, cpu_started = timer.perf_counter(), timer.process_time()
            async with sessionmaker() as session:
                await query(session)
            wall.append((timer.perf_counter() - started) * 1000)
            cpu.append((timer.process_time() - cpu_started) * 1000)
    return Latency(wall[20:], cpu[20:], statements.total / queries)


async def measure_free_days(
    engine: AsyncEngine, world: World, rng: random.Random, n: int
) -> Latency:
    def query(session: AsyncSession) -> Awaitable[Any]:
        month = rng.choice(MONTHS)
        last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return free_days_for(
            session,
            service_id=rng.choice(world.service_ids),
            staff_id=None,
            first=month,
            last=last,
            now=NOW,
        )

    return await timed(engine, n, query)


async def measure_free_times(
    engine: AsyncEngine, world: World, rng: random.Random, n: int
) -> Latency:
    def query(session: AsyncSession) -> Awaitable[Any]:
        return free_times_for(
            session,
            service_id=rng.choice(world.service_ids),
            staff_id=rng.choice(world.staff_ids),
            day=TODAY + timedelta(days=rng.randrange(HORIZON_DAYS + 1)),
            now=NOW,
        )

    return await timed(engine, n, query)


async def free_slots(
    sessionmaker: async_sessionmaker[AsyncSession], world: World, count: int
) -> list[dict[str, Any]]:
    """`count` bookable rows that overlap neither each other nor existing bookings."""
    rows: list[dict[str, Any]] = []
    async with sessionmaker() as session:
        services = [await session.get(Service, i) for i in world.service_ids]
        for days_ahead in range(HORIZON_DAYS, 0, -1):
            day = TODAY + timedelta(days=days_ahead)
            calendars = await load_calendars(session, world.staff_ids, day, day, ZONE)
            for n, calendar in enumerate(calendars):
                service = services[n % len(services)]
                rules = await load_rules(session, service, NOW)
                free_from = NOW
                for start in free_starts(calendar, rules, day):
                    if start < free_from:
                        continue
                    ends_at = start + rules.duration
                    free_from = ends_at + rules.buffer_after
                    rows.append(
                        {
                            "client_id": world.client_ids[len(rows) % len(world.client_ids)],
                            "staff_id": calendar.staff_id,
                            "service_id": service.id,
                            "starts_at": start,
                            "ends_at": ends_at,
                            "busy_until": free_from,
                            "status": BookingStatus.CONFIRMED,
                            "price": service.price,
                        }
                    )
                    if len(rows) == count:
                        return rows
    return rows


@dataclass
class Throughput:
    """Rows written by one way of writing, how fast, and what went wrong."""

    rows: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    statements: int = 0
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return (self.rows - sum(self.failures.values())) / self.seconds

    @property
    def cpu_ms_per_row(self) -> float:
        return 1000 * self.cpu_seconds / self.rows

    @property
    def statements_per_row(self) -> float:
        return self.statements / self.rows

    def __add__(self, other: Throughput) -> Throughput:
        return Throughput(
            self.rows + other.rows,
            self.seconds + other.seconds,
            self.cpu_seconds + other.cpu_seconds,
            self.statements + other.statements,
            self.failures + other.failures,
        )


async def throughput(
    engine: AsyncEngine,
    rows: list[dict[str, Any]],
    write: Callable[[dict[str, Any]], Awaitable[None]],
) -> Throughput:
    """Write every row with CONCURRENCY clients; count SQL statements on the way."""
    failures: Counter[str] = Counter()

    async def handle(row: dict[str, Any]) -> None:
        try:
            await write(row)
        except BookingError as error:
            failures[error.code] += 1
        except OperationalError as error:  # SQLite: a writer waited past busy_timeout
            failures[str(error.orig)] += 1

    with counting(engine) as statements:
        started, cpu_started = timer.perf_counter(), timer.process_time()
        await run_workers(rows, CONCURRENCY, handle)
        elapsed, cpu = timer.perf_counter() - started, timer.process_time() - cpu_started
    return Throughput(len(rows), elapsed, cpu, statements.total, failures)


async def booking_rates(
    engine: AsyncEngine, rows: list[dict[str, Any]]
) -> tuple[Throughput, Throughput]:
    """(create_booking, plain INSERT) over the same rows, in ROUNDS alternating
    rounds: the machine's speed drifts during a run (here by up to 2x within
    minutes), and alternating exposes both ways of writing to the same drift."""
    sessionmaker = create_sessionmaker(engine)

    async def plain(row: dict[str, Any]) -> None:
        async with sessionmaker() as session:
            await session.execute(insert(Booking).values(**row))
            await session.commit()

    async def book(row: dict[str, Any]) -> None:
        async with sessionmaker() as session:
            await create_booking(
                session,
                client_id=row["client_id"],
                service_id=row["service_id"],
                staff_id=row["staff_id"],
                starts_at=row["starts_at"],
                now=NOW,
            )
            await session.commit()

    booked, inserted = Throughput(), Throughput()
    for chunk in (rows[n::ROUNDS] for n in range(ROUNDS)):
        async with sessionmaker() as session:
            last_id = await session.scalar(select(func.max(Booking.id)))
        inserted += await throughput(engine, chunk, plain)
        async with sessionmaker() as session:  # the same rows again, now booked
            await session.execute(delete(Booking).where(Booking.id > last_id))
            await session.commit()
        booked += await throughput(engine, chunk, book)
    return booked, inserted


# --- the run ------------------------------------------------------------------------


async def bench(kind: str, args: argparse.Namespace, workdir: Path) -> None:
    rng = random.Random(args.seed)
    url = await fresh_database(
        kind, workdir=workdir, pg_url=postgres_url_from_env(args.pg_url), name="zapis_bench"
    )
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    try:
        started = timer.perf_counter()
        world = await seed(sessionmaker, rng)
        print(
            f"\n[{kind}] {BOOKINGS} bookings, {STAFF} staff, {HORIZON_DAYS}-day horizon, "
            f"{STEP_MINUTES}-minute step (seeded in {timer.perf_counter() - started:.1f} s)"
        )
        days = await measure_free_days(engine, world, rng, args.queries)
        _print_latency("(a) free days of a month, any staff", days, goal=20)
        times = await measure_free_times(engine, world, rng, args.queries)
        _print_latency("(b) free times of a day, one staff ", times, goal=5)
        rows = await free_slots(sessionmaker, world, args.bookings)
        booked, inserted = await booking_rates(engine, rows)
        print(f"(c) {len(rows)} bookings, {CONCURRENCY} concurrent clients, same rows:")
        for label, result in (("create_booking", booked), ("plain INSERT  ", inserted)):
            print(
                f"    {label} {result.per_second:7.1f}/s  "
                f"(CPU {result.cpu_ms_per_row:.2f} ms, "
                f"{result.statements_per_row:.1f} SQL statements a row)  "
                f"failed: {dict(result.failures) or 'none'}"
            )
        print(
            f"    ratio {booked.per_second / inserted.per_second:.2f} (goal >= 0.5; "
            f"by CPU a row {inserted.cpu_ms_per_row / booked.cpu_ms_per_row:.2f})"
        )
    finally:
        await engine.dispose()


def _print_latency(label: str, latency: Latency, *, goal: float) -> None:
    print(
        f"{label}: p50 {percentile(latency.wall_ms, 0.5):6.2f} ms  "
        f"p99 {percentile(latency.wall_ms, 0.99):6.2f} ms  (goal p99 <= {goal} ms; "
        f"CPU p50 {percentile(latency.cpu_ms, 0.5):.2f} ms, "
        f"{latency.statements:.1f} SQL statements, {len(latency.wall_ms)} queries)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", help="PostgreSQL server URL (default: TEST_DATABASE_URL)")
    parser.add_argument("--queries", type=int, default=300, help="queries per latency figure")
    parser.add_argument("--bookings", type=int, default=1200, help="bookings for (c)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    with tempfile.TemporaryDirectory(prefix="zapis-bench-") as workdir:
        for kind in kinds:
            asyncio.run(bench(kind, args, Path(workdir)))


if __name__ == "__main__":
    main()
