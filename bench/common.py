"""Helpers the benchmarks share: fresh databases, percentiles, concurrent workers."""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from db.migrate import upgrade
from tests.databases import create_postgres_database, sqlite_url

T = TypeVar("T")


def postgres_url_from_env(explicit: str | None) -> str | None:
    """`--pg-url` if given, else TEST_DATABASE_URL (None when neither is set)."""
    return explicit or os.environ.get("TEST_DATABASE_URL")


async def fresh_database(kind: str, *, workdir: Path, pg_url: str | None, name: str) -> str:
    """A new, migrated database: a SQLite file in `workdir`, or a PostgreSQL
    database called `name` beside the one `pg_url` names (dropped first)."""
    if kind == "sqlite":
        path = workdir / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        url = sqlite_url(path)
    else:
        if pg_url is None:
            raise SystemExit("PostgreSQL: set TEST_DATABASE_URL or pass --pg-url")
        url = await create_postgres_database(pg_url, name)
    await asyncio.to_thread(upgrade, url)
    return url


def percentile(values: Iterable[float], fraction: float) -> float:
    """The nearest-rank percentile (fraction 0.99 = p99) of non-empty values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def run_workers(
    jobs: Iterable[T], concurrency: int, handle: Callable[[T], Awaitable[None]]
) -> None:
    """Run `handle` over `jobs` with `concurrency` workers pulling from one queue."""
    pending = iter(jobs)

    async def worker() -> None:
        for job in pending:
            await handle(job)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


class StatementCount:
    """How many SQL statements an engine ran while `counting` was open."""

    def __init__(self) -> None:
        self.total = 0

    def _count(self, *_: Any) -> None:
        self.total += 1


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[StatementCount]:
    count = StatementCount()
    event.listen(engine.sync_engine, "before_cursor_execute", count._count)
    try:
        yield count
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count._count)
