"""Test databases: SQLite always, PostgreSQL when `TEST_DATABASE_URL` is set.

Under `CI=true` a missing PostgreSQL or Redis is a failure, not a skip.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from db.migrate import upgrade
from db.models import Base
from db.services.client_cache import client_cache
from db.services.snapshot import forget_snapshot

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_env(name: str, what: str) -> str:
    """The variable's value, or a skip with a clear reason (a failure under CI)."""
    value = os.environ.get(name)
    if value:
        return value
    reason = f"{name} is not set: {what} tests need it (CI sets it)"
    if IN_CI:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def postgres_url() -> str:
    return require_env("TEST_DATABASE_URL", "PostgreSQL")


def redis_url() -> str:
    return require_env("TEST_REDIS_URL", "Redis")


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def create_postgres_database(url: str, name: str) -> str:
    """A fresh database beside the test database (dropped first if it exists)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    """Drop the database `url` names, connecting through the test database."""
    engine = create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        name = make_url(url).database
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


def private_database_name(purpose: str) -> str:
    """A database name of this test process alone, so parallel runs never collide."""
    base = make_url(postgres_url()).database or "test"
    return f"{base}_{purpose}_{os.getpid()}"


async def migrated_database(kind: str, workdir: Path) -> str:
    """A URL of an empty, fully migrated database of the given kind.

    PostgreSQL gets a database of this process's own beside `TEST_DATABASE_URL`'s
    (dropped again by the caller with `drop_postgres_database`).
    """
    if kind == "sqlite":
        url = sqlite_url(workdir / "zapis-test.sqlite3")
    else:
        url = await create_postgres_database(postgres_url(), private_database_name("run"))
    await asyncio.to_thread(upgrade, url)
    return url


async def clear_data(engine: AsyncEngine) -> None:
    """Delete every row, keeping the schema (faster than migrating per test)."""
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await connection.execute(text(f"DELETE FROM {table}"))
    # Raw SQL: the caches cannot see it.
    forget_snapshot(engine)
    client_cache(engine).forget_everyone()
