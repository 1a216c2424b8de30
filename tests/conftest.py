"""Shared fixtures.

`engine`/`session` run each storage test on SQLite and on PostgreSQL: the
schema comes from the real migrations once per run, and rows are cleared
before each test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.engine import create_engine, create_sessionmaker
from tests.databases import clear_data, drop_postgres_database, migrated_database

DATABASE_KINDS = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgresql_only: runs on PostgreSQL only (deselected on SQLite, not skipped)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test of PostgreSQL's own behaviour has no SQLite twin to run."""
    keep, drop = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        kind = params.params.get("database_url") if params else None
        on_sqlite = kind == "sqlite" and item.get_closest_marker("postgresql_only")
        (drop if on_sqlite else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


class FrozenClock:
    """A clock that moves only when told to."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        assert now.tzinfo is not None
        self._now = now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


@pytest.fixture(scope="session", params=DATABASE_KINDS)
async def database_url(request: pytest.FixtureRequest, tmp_path_factory) -> AsyncIterator[str]:
    url = await migrated_database(request.param, tmp_path_factory.mktemp(request.param))
    yield url
    if request.param == "postgresql":
        await drop_postgres_database(url)


@pytest.fixture(scope="session")
async def _shared_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = (
        create_engine(database_url, pool_size=20, max_overflow=40)
        if (database_url.startswith("postgresql"))
        else create_engine(database_url)
    )
    yield engine
    await engine.dispose()


@pytest.fixture
async def engine(_shared_engine: AsyncEngine) -> AsyncEngine:
    """The migrated test database, emptied of rows."""
    await clear_data(_shared_engine)
    return _shared_engine


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()
