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


async def reset_postgres_schema(url: str) -> None:
    """Empty the database's public schema, so migrations start from nothing."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def create_postgres_database(url: str, name: str) -> str:
    """A fresh database beside the test database (dropped first if it exists)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def migrated_database(kind: str, workdir: Path) -> str:
    """A URL of an empty, fully migrated database of the given kind."""
    if kind == "sqlite":
        url = sqlite_url(workdir / "zapis-test.sqlite3")
    else:
        url = postgres_url()
        await reset_postgres_schema(url)
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
