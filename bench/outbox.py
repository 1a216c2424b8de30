"""Outbox delivery against a simulated Telegram, on the database the bot uses.

    uv run python bench/outbox.py [--db sqlite|postgresql|both] [--pg-url URL]
                                  [--bookings 100000] [--deliver 5000] [--ticks 200]

100,000 bookings with 200,000 pending reminders (bulk-inserted with Core). Prints
(a) the cost of one claim tick (claim 100 due rows, then roll back so every tick
sees the same table): p50/p99; and (b) the delivery rate of a backlog of
`--deliver` due reminders through the real code path (claim → render → pace →
send → record) against a simulated Telegram that allows 30 messages a second
overall and one a second per chat and answers 429 with `retry_after` beyond
that: the achieved rate as a share of 30/s, and how many were lost or sent twice.

Telegram runs on a virtual clock, so a burst that takes minutes of Telegram time
takes seconds here: virtual time moves only when every sender is waiting at the
pacing gate (or in a flood wait) and no database work is in flight, so the
database's real cost never hides inside virtual time and the rate measures the
pacing itself. The real seconds spent are printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import itertools
import sys
import tempfile
import time as timer
from collections import deque
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram.methods import SendMessage, TelegramMethod
from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import fresh_database, percentile, postgres_url_from_env
from db.engine import create_engine, create_sessionmaker
from db.models import (
    Booking,
    BookingStatus,
    BusinessSettings,
    Client,
    OutboxMessage,
    OutboxStatus,
    Service,
    Staff,
)
from db.services.notifications import Kind
from db.services.outbox import claim_due
from scheduler.pacing import PacingGate
from scheduler.sender import CONCURRENCY, OutboxSender
from tests.stub_session import Failure, StubSession, stub_bot

TELEGRAM_RATE = 30
SEND_RATE = 28.0  # Settings.send_rate_per_second's default
STAFF = 100
BOOKINGS_PER_CLIENT = 5
VISIT = timedelta(minutes=30)
STEP = timedelta(minutes=45)
OFFSETS_MINUTES = (24 * 60, 2 * 60)
START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
CHUNK = 5_000
CLIENT_IDS_FROM = 10_000_000


class VirtualTime:
    """A clock and a sleep for the simulated world; `drive` moves time when all wait."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        wake_at = self._now + timedelta(seconds=seconds)
        heapq.heappush(self._sleepers, (wake_at, next(self._order), future))
        await future

    async def drive(self, database: DatabaseActivity, done: asyncio.Event) -> None:
        """Wake the earliest sleepers whenever nothing else can run."""
        loop = asyncio.get_running_loop()
        while not done.is_set():
            # asyncio has no public "is the loop idle" question; `_ready` is its run queue.
            if loop._ready:  # type: ignore[attr-defined]
                await asyncio.sleep(0)
                continue
            if database.active or not self._sleepers:
                await database.changed(within=0.001)
                continue
            wake_at = self._sleepers[0][0]
            self._now = max(self._now, wake_at)
            while self._sleepers and self._sleepers[0][0] <= self._now:
                _, _, future = heapq.heappop(self._sleepers)
                if not future.done():
                    future.set_result(None)
            await asyncio.sleep(0)


class DatabaseActivity:
    """Counts connections checked out of the pool: database work in flight."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.active = 0
        self._checked_in = asyncio.Event()
        pool = engine.sync_engine.pool
        event.listen(pool, "checkout", self._out)
        event.listen(pool, "checkin", self._in)

    def _out(self, *_args: Any) -> None:
        self.active += 1

    def _in(self, *_args: Any) -> None:
        self.active -= 1
        self._checked_in.set()

    async def changed(self, within: float) -> None:
        """Until a connection comes back (or `within` real seconds): no busy waiting."""
        self._checked_in.clear()
        with suppress(TimeoutError):
            await asyncio.wait_for(self._checked_in.wait(), within)


class SimulatedTelegram(StubSession):
    """Telegram's limits: 30 messages in any second overall, one a second per chat."""

    def __init__(self, clock: VirtualTime) -> None:
        super().__init__(now=clock.now)
        self.clock = clock
        self.recent: deque[float] = deque()
        self.last_by_chat: dict[int, float] = {}
        self.refused = 0

    def failure_for(self, method: TelegramMethod[Any]) -> Failure | None:
        if not isinstance(method, SendMessage):
            return None
        now = self.clock.now().timestamp()
        while self.recent and now - self.recent[0] >= 1.0 - 1e-6:
            self.recent.popleft()
        last = self.last_by_chat.get(int(method.chat_id))
        if len(self.recent) >= TELEGRAM_RATE or (last is not None and now - last < 1.0 - 1e-6):
            self.refused += 1
            return Failure.flood(1)
        self.recent.append(now)
        self.last_by_chat[int(method.chat_id)] = now
        return None


async def seed(engine: AsyncEngine, bookings: int) -> None:
    """A business, STAFF staff, bookings/5 clients, the bookings and two reminders each.

    Every staff member's diary is full from START, one 30-minute visit every 45 minutes.
    """
    clients = bookings // BOOKINGS_PER_CLIENT
    per_staff = -(-bookings // STAFF)
    async with engine.begin() as connection:
        await connection.execute(insert(BusinessSettings).values(id=1, timezone="Europe/Moscow"))
        await connection.execute(
            insert(Service).values(id=1, name="Haircut", duration_minutes=30, price=Decimal(1500))
        )
        await connection.execute(
            insert(Staff), [{"id": n, "name": f"Staff {n}"} for n in range(1, STAFF + 1)]
        )
        for first in range(0, clients, CHUNK):
            await connection.execute(
                insert(Client),
                [
                    {"id": n + 1, "telegram_id": CLIENT_IDS_FROM + n, "name": f"Client {n}"}
                    for n in range(first, min(first + CHUNK, clients))
                ],
            )
        rows, reminders = [], []
        for number in range(bookings):
            staff, slot = divmod(number, per_staff)
            starts_at = START + slot * STEP
            # Visits at one time belong to different clients; a client's next visit
            # comes days later, as in a real diary.
            client = (slot * STAFF + staff) % clients
            rows.append(
                {
                    "id": number + 1,
                    "client_id": client + 1,
                    "staff_id": staff + 1,
                    "service_id": 1,
                    "starts_at": starts_at,
                    "ends_at": starts_at + VISIT,
                    "busy_until": starts_at + VISIT,
                    "status": BookingStatus.CONFIRMED,
                    "price": Decimal(1500),
                }
            )
            reminders += [
                {
                    "kind": Kind.REMINDER,
                    "chat_id": CLIENT_IDS_FROM + client,
                    "booking_id": number + 1,
                    "payload": {"offset_minutes": offset},
                    "dedup_key": f"reminder:{number + 1}:{offset}:{starts_at.isoformat()}",
                    "status": OutboxStatus.PENDING,
                    "due_at": starts_at - timedelta(minutes=offset),
                    "attempts": 0,
                }
                for offset in OFFSETS_MINUTES
            ]
            if len(rows) >= CHUNK:
                await connection.execute(insert(Booking), rows)
                await connection.execute(insert(OutboxMessage), reminders)
                rows, reminders = [], []
        if rows:
            await connection.execute(insert(Booking), rows)
            await connection.execute(insert(OutboxMessage), reminders)
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            await connection.exec_driver_sql("ANALYZE")
            await connection.commit()  # ANALYZE in a rolled-back transaction is undone


async def nth_due(engine: AsyncEngine, n: int) -> datetime:
    async with engine.connect() as connection:
        due = await connection.scalar(
            select(OutboxMessage.due_at).order_by(OutboxMessage.due_at).offset(n - 1).limit(1)
        )
    assert due is not None
    return due


async def measure_ticks(engine: AsyncEngine, ticks: int, now: datetime) -> list[float]:
    """Milliseconds per claim of 100 rows, each rolled back."""
    sessionmaker = create_sessionmaker(engine)
    costs = []
    for _ in range(ticks):
        async with sessionmaker() as session:
            began = timer.perf_counter()
            claimed = await claim_due(session, now=now, worker="bench", limit=100)
            costs.append((timer.perf_counter() - began) * 1000)
            assert len(claimed) == 100
            await session.rollback()
    return costs


async def measure_delivery(engine: AsyncEngine, backlog_due: datetime) -> dict[str, float]:
    clock = VirtualTime(backlog_due)
    telegram = SimulatedTelegram(clock)
    activity = DatabaseActivity(engine)
    sender = OutboxSender(
        bot=stub_bot(telegram),
        sessionmaker=create_sessionmaker(engine),
        clock=clock,
        gate=PacingGate(rate_per_second=SEND_RATE, clock=clock, sleep=clock.sleep),
        default_locale="ru",
        worker_id="bench",
    )
    async with engine.connect() as connection:
        expected = await connection.scalar(
            select(func.count()).where(OutboxMessage.due_at <= backlog_due)
        )
    done = asyncio.Event()
    driver = asyncio.create_task(clock.drive(activity, done))
    began_real = timer.perf_counter()
    try:
        report = await sender.sweep()
    finally:
        done.set()
        await driver
    real_seconds = timer.perf_counter() - began_real
    virtual_seconds = (clock.now() - backlog_due).total_seconds()

    async with engine.connect() as connection:
        sent_rows = await connection.scalar(
            select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)
        )
        # Due and neither sent nor rightly skipped (a reminder of a visit that had begun).
        lost = await connection.scalar(
            select(func.count()).where(
                OutboxMessage.due_at <= backlog_due,
                OutboxMessage.status.not_in([OutboxStatus.SENT, OutboxStatus.SKIPPED]),
            )
        )
        wrongly_skipped = await connection.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .join(Booking, Booking.id == OutboxMessage.booking_id)
            .where(OutboxMessage.status == OutboxStatus.SKIPPED, Booking.starts_at > backlog_due)
        )
    return {
        "expected": float(expected or 0),
        "delivered": float(len(telegram.delivered)),
        "sent_rows": float(sent_rows or 0),
        "lost": float((lost or 0) + (wrongly_skipped or 0)),
        # Each row marked sent went out once; any delivery beyond that is a repeat.
        "duplicated": float(len(telegram.delivered) - (sent_rows or 0)),
        "refused_429": float(telegram.refused),
        "virtual_seconds": virtual_seconds,
        "real_seconds": real_seconds,
        "skipped": float(report.skipped),
    }


async def run(kind: str, args: argparse.Namespace, workdir: Path) -> None:
    url = await fresh_database(
        kind, workdir=workdir, pg_url=postgres_url_from_env(args.pg_url), name="zapis_bench_outbox"
    )
    # A pool that never opens connections mid-run: opening one is database work
    # the activity counter cannot see (and pre-ping would be another).
    pool = {"pool_size": CONCURRENCY + 4, "max_overflow": 0}
    engine = (
        create_engine(url, pool_pre_ping=False, **pool)
        if kind == "postgresql"
        else create_engine(url, **pool)
    )
    try:
        began = timer.perf_counter()
        await seed(engine, args.bookings)
        seeded = timer.perf_counter() - began
        print(f"\n[{kind}] {args.bookings:,} bookings, {2 * args.bookings:,} pending reminders")
        print(f"  seeded with Core in {seeded:.1f} s")

        half = await nth_due(engine, args.bookings)  # half of the reminders are due
        costs = await measure_ticks(engine, args.ticks, half)
        print(
            f"  claim tick (100 of {args.bookings:,} due rows): "
            f"p50 {percentile(costs, 0.5):.2f} ms, p99 {percentile(costs, 0.99):.2f} ms"
        )

        figures = await measure_delivery(engine, await nth_due(engine, args.deliver))
        rate = figures["delivered"] / figures["virtual_seconds"]
        print(
            f"  delivery of a backlog of {figures['expected']:,.0f} due reminders: "
            f"{rate:.2f} msg/s = {rate / TELEGRAM_RATE:.1%} of {TELEGRAM_RATE}/s "
            f"(virtual {figures['virtual_seconds']:,.0f} s, real {figures['real_seconds']:.1f} s, "
            f"{figures['delivered'] / figures['real_seconds']:,.0f} msg per real second)"
        )
        print(
            f"  lost {figures['lost']:,.0f}, sent twice {figures['duplicated']:,.0f}, "
            f"429 answers {figures['refused_429']:,.0f}, "
            f"skipped as the visit had begun {figures['skipped']:,.0f}, "
            f"rows marked sent {figures['sent_rows']:,.0f}"
        )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url")
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--deliver", type=int, default=5_000)
    parser.add_argument("--ticks", type=int, default=200)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory() as workdir:
        for kind in kinds:
            asyncio.run(run(kind, args, Path(workdir)))


if __name__ == "__main__":
    main()
