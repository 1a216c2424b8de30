"""Shared fixtures.

`engine`/`session` run each storage test on SQLite and on PostgreSQL: the
schema comes from the real migrations once per run, and rows are cleared
before each test.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.storage import create_storage
from db.engine import create_engine, create_sessionmaker
from tests.databases import clear_data, drop_postgres_database, migrated_database, redis_url
from tests.stub_session import STUB_TOKEN

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


class FakeMonotonic:
    """A `time.monotonic` stand-in: seconds that move only when `now` is set."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


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


REDIS_TTL_DAYS = 3


@asynccontextmanager
async def isolated_redis_storage(url: str | None = None) -> AsyncIterator[RedisStorage]:
    """Production's Redis storage (`create_storage`) on the test Redis (or `url`),
    expiring after `REDIS_TTL_DAYS`, its keys under a prefix of its own and removed
    at the end."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=STUB_TOKEN,
        redis_url=url or redis_url(),
        redis_state_ttl_days=REDIS_TTL_DAYS,
    )
    storage = create_storage(settings)
    assert isinstance(storage, RedisStorage)
    prefix = f"test-{uuid.uuid4().hex}"
    storage.key_builder = DefaultKeyBuilder(prefix=prefix, with_destiny=True)
    try:
        yield storage
    finally:
        async for name in storage.redis.scan_iter(match=f"{prefix}:*"):
            await storage.redis.delete(name)
        await storage.close()


@pytest.fixture
async def redis_storage() -> AsyncIterator[RedisStorage]:
    async with isolated_redis_storage() as storage:
        yield storage
