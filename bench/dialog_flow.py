"""Benchmark: the booking flow through the project's real dispatcher, against a bare
aiogram-dialog flow of the same shape, on memory storage and on Redis.

    uv run python -m bench.dialog_flow [--flows 400] [--users 10] [--redis-url URL]
                                       [--telegram-ms 0]

Prints figures, never passes or fails. Telegram is a stub session (no network)
behind the production `create_bot`; the database is a fresh SQLite file, migrated
and seeded; Redis is a dedicated database number, flushed first (skipped when no
URL is given). Each flow is a new client, as a first booking is the longest path.
The bare and the real flow take turns in rounds, so that both meet the same
drift of the machine's speed, and the heap is frozen first, as in production.

Per run: flows and updates per second (wall clock), CPU per update (the whole
process, all threads: steadier than wall time on a shared
machine), p50/p99 latency of one update (with several users this includes the
wait for the others; `--users 1` shows the bare service time), Redis commands
and SQL statements per update. With `--users 1` it also prints the median CPU
of each step (what the update was: `/start`, the button's widget id, `contact`),
which shows where the time goes; with more users a step's CPU would include the
others' updates that ran while it waited. Goals: the real flow costs at most
twice the bare flow per update on the same storage, and no more Redis round trips.

`--telegram-ms 50` makes each answer of the stub Telegram take that long, as the
real one does over the network: then the figures show how many users the bot
serves at once, not only what an update costs.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.bare_dialog import bare_dispatcher, bare_flow
from bench.booking_flow import booking_flow, seed_business
from bench.common import fresh_database, percentile
from bench.simulated_user import Screens, SimulatedUser
from bench.stub_bot import WatchedSession
from bot.app import freeze_startup_heap
from bot.config import Settings
from bot.factory import create_bot, create_dispatcher
from bot.middlewares.throttling import ThrottlingMiddleware
from bot.storage import create_storage
from db.engine import create_engine, create_sessionmaker
from tests.redis_count import count_round_trips
from tests.stub_session import STUB_TOKEN

Flow = Callable[[SimulatedUser], Awaitable[None]]
_user_ids = itertools.count(5_000_000)


@dataclass
class Figures:
    flow: str
    storage: str
    settings: Settings
    flows: int = 0
    failures: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # all threads (a wait for SQLite's lock runs in aiosqlite's)
    latencies: list[float] = field(default_factory=list)
    step_cpu: dict[str, list[float]] = field(default_factory=dict)  # seconds, by step label
    commands: Counter[str] | None = None  # Redis commands by name
    statements: Counter[str] | None = None  # SQL statements by first word
    first_failure: str | None = None

    @property
    def updates(self) -> int:
        return len(self.latencies)

    @property
    def seconds_per_update(self) -> float:
        return self.seconds / self.updates

    @property
    def cpu_per_update(self) -> float:
        """Less disturbed than wall time when other processes share the machine."""
        return self.cpu_seconds / self.updates

    def percentile_ms(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000

    def record(self, label: str, wall: float, cpu: float) -> None:
        self.latencies.append(wall)
        self.step_cpu.setdefault(label, []).append(cpu)

    def forget_warmup(self) -> None:
        self.latencies.clear()
        self.step_cpu.clear()
        for counter in (self.commands, self.statements):
            if counter is not None:
                counter.clear()

    def steps_line(self) -> str:
        """Median CPU of each kind of update, in the order the flow first sent them."""
        return "cpu per step (median ms): " + ", ".join(
            f"{label} {percentile(cpu, 0.5) * 1000:.2f}" for label, cpu in self.step_cpu.items()
        )

    @property
    def round_trips_per_update(self) -> float:
        return sum((self.commands or Counter()).values()) / self.updates

    def per_update(self, command: str) -> float:
        return (self.commands or Counter())[command] / self.updates

    def line(self) -> str:
        text = (
            f"{self.flow:<5} {self.storage:<6} {self.flows / self.seconds:8.1f} flows/s "
            f"{self.updates / self.seconds:8.0f} updates/s  "
            f"p50 {self.percentile_ms(0.50):6.2f} ms  p99 {self.percentile_ms(0.99):6.2f} ms  "
            f"cpu {self.cpu_per_update * 1000:5.2f} ms/update  "
            f"({self.updates / max(self.flows, 1):.1f} updates/flow"
        )
        if self.failures:
            text += f", {self.failures} failed"
        text += ")"
        if self.commands is not None:
            text += (
                f"\n             redis per update: {self.round_trips_per_update:.2f} round trips = "
                f"{self.per_update('GET'):.2f} GET, {self.per_update('SET'):.2f} SET, "
                f"{self.per_update('DEL'):.2f} DEL"
            )
            others = sorted(set(self.commands) - {"GET", "SET", "DEL"})
            if others:
                text += " + " + ", ".join(f"{self.per_update(c):.2f} {c}" for c in others)
        if self.statements is not None:
            kinds = ", ".join(
                f"{count / self.updates:.2f} {kind}"
                for kind, count in self.statements.most_common()
            )
            total = sum(self.statements.values()) / self.updates
            text += f"\n             sql per update: {total:.2f} statements = {kinds}"
        return text


@dataclass
class Contender:
    """One flow on its dispatcher, with the stub Telegram it talks to and its figures."""

    figures: Figures
    dp: Dispatcher
    flow: Flow
    telegram_latency: float = 0.0
    screens: Screens = field(default_factory=Screens)
    bot: Bot = field(init=False)

    def __post_init__(self) -> None:
        telegram = WatchedSession(self.screens, latency=self.telegram_latency)
        self.bot = create_bot(self.figures.settings, session=telegram)


async def measure(contender: Contender, *, flows: int, users: int, warmup: int) -> Figures:
    """`users` simulated users at once, each running whole flows as new clients;
    adds to the contender's figures (a run is several rounds), the `warmup` flows
    first untimed."""
    figures = contender.figures
    pending = iter(range(flows + warmup))
    started = cpu_started = 0.0

    async def one_user_after_another() -> None:
        nonlocal started, cpu_started
        for number in pending:
            if number == warmup:  # the warm-up flows are handed out: start the clock
                if warmup:
                    figures.forget_warmup()
                started, cpu_started = time.perf_counter(), time.process_time()
            user = SimulatedUser(
                contender.dp,
                contender.bot,
                contender.screens,
                next(_user_ids),
                record=figures.record,
            )
            try:
                await contender.flow(user)
            except Exception as error:  # a flow that takes another turn is a figure too
                figures.failures += 1
                figures.first_failure = figures.first_failure or repr(error)
            figures.flows += number >= warmup

    await asyncio.gather(*(one_user_after_another() for _ in range(users)))
    figures.seconds += time.perf_counter() - started
    figures.cpu_seconds += time.process_time() - cpu_started
    return figures


async def alternate(contenders: list[Contender], args: argparse.Namespace) -> None:
    """Each contender's flows in `args.rounds` rounds, taking turns (in the order
    A B, then B A, ...): this machine's speed drifts by up to 2x within minutes,
    and a bare run followed by a real one read the drift as a difference.

    The heap built so far is frozen first, as `run_bot` does before polling.
    """
    freeze_startup_heap()
    per_round = max(args.flows // args.rounds, 1)
    for number in range(args.rounds):
        order = contenders if number % 2 == 0 else contenders[::-1]
        for contender in order:
            await measure(
                contender,
                flows=per_round,
                users=args.users,
                warmup=args.warmup if number == 0 else 0,
            )


StorageMaker = Callable[[], Awaitable[tuple[BaseStorage, Counter[str] | None]]]


async def memory_storage() -> tuple[BaseStorage, None]:
    return MemoryStorage(), None


def redis_storage(url: str, settings: Settings) -> StorageMaker:
    """Production's Redis storage (same TTLs and key builder), flushed and counting."""

    async def make() -> tuple[BaseStorage, Counter[str]]:
        storage = create_storage(settings.model_copy(update={"redis_url": url}))
        assert isinstance(storage, RedisStorage)
        await storage.redis.flushdb()
        return storage, count_round_trips(storage)

    return make


def redis_url_with_db(url: str, db: int) -> str:
    base, _, last = url.rstrip("/").rpartition("/")
    return f"{base}/{db}" if last.isdigit() else f"{url.rstrip('/')}/{db}"


async def real_dispatcher(
    settings: Settings, storage: BaseStorage, workdir: Path, name: str
) -> tuple[Dispatcher, AsyncEngine, Counter[str]]:
    """The production dispatcher on a fresh, migrated and seeded SQLite file, and the
    live tally of the SQL statements it runs.

    Throttling stays in (its cost is part of every update) with limits no
    simulated user reaches.
    """
    url = await fresh_database("sqlite", workdir=workdir, pg_url=None, name=name)
    engine = create_engine(url)
    statements: Counter[str] = Counter()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements[statement.split(None, 1)[0].upper()] += 1

    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        await seed_business(session, settings.timezone)
    dp = create_dispatcher(
        settings.model_copy(update={"database_url": url}),
        sessionmaker,
        storage=storage,
        throttling=ThrottlingMiddleware(burst=10**9, rate=10**9),
    )
    return dp, engine, statements


async def run(args: argparse.Namespace) -> None:
    settings = Settings(bot_token=STUB_TOKEN, default_locale="en", timezone="Europe/Moscow")
    storages: list[tuple[str, StorageMaker]] = []
    if "memory" in args.storage:
        storages.append(("memory", memory_storage))
    if "redis" in args.storage and args.redis_url:
        url = redis_url_with_db(args.redis_url, args.redis_db)
        storages.append(("redis", redis_storage(url, settings)))
    elif "redis" in args.storage:
        print("no --redis-url / TEST_REDIS_URL: Redis runs skipped")
    print(
        f"{args.flows} flows per run in {args.rounds} alternating rounds, "
        f"{args.users} users at a time, warm-up {args.warmup} flows, "
        f"Telegram answers in {args.telegram_ms:g} ms"
    )
    latency = args.telegram_ms / 1000

    with tempfile.TemporaryDirectory(prefix="zapis-bench-") as workdir:
        for storage_name, make_storage in storages:
            bare_storage, bare_commands = await make_storage()
            real_storage, real_commands = await make_storage()
            dp, engine, statements = await real_dispatcher(
                settings, real_storage, Path(workdir), storage_name
            )
            bare = Figures("bare", storage_name, settings, commands=bare_commands)
            real = Figures(
                "real", storage_name, settings, commands=real_commands, statements=statements
            )
            await alternate(
                [
                    Contender(bare, bare_dispatcher(bare_storage), bare_flow, latency),
                    Contender(real, dp, booking_flow, latency),
                ],
                args,
            )
            for storage in (bare_storage, real_storage):
                await storage.close()
            await engine.dispose()
            report(bare, per_step=args.users == 1)
            report(real, per_step=args.users == 1)
            print(
                f"      {storage_name:<6} real / bare per update: "
                f"{real.seconds_per_update / bare.seconds_per_update:.2f}x time, "
                f"{real.cpu_per_update / bare.cpu_per_update:.2f}x cpu, "
                f"p50 {real.percentile_ms(0.5) / bare.percentile_ms(0.5):.2f}x"
                + (
                    f", {real.round_trips_per_update / bare.round_trips_per_update:.2f}x "
                    "Redis round trips"
                    if real_commands is not None
                    else ""
                )
            )


def report(figures: Figures, *, per_step: bool) -> None:
    print(figures.line())
    if per_step:
        print("            ", figures.steps_line())
    if figures.first_failure:
        print("             first failure:", figures.first_failure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=400, help="flows per measured run")
    parser.add_argument("--rounds", type=int, default=8, help="bare and real take turns")
    parser.add_argument("--users", type=int, default=10, help="simulated users at a time")
    parser.add_argument("--warmup", type=int, default=20, help="untimed flows first")
    parser.add_argument("--redis-url", default=os.environ.get("TEST_REDIS_URL"))
    parser.add_argument("--redis-db", type=int, default=15, help="flushed before each run")
    parser.add_argument(
        "--telegram-ms", type=float, default=0.0, help="how long each Telegram answer takes"
    )
    parser.add_argument(
        "--storage", nargs="+", choices=("memory", "redis"), default=["memory", "redis"]
    )
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
