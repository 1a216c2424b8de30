"""The migrations build exactly the models, and undo themselves cleanly.

Runs on its own databases (a temp SQLite file; a separate PostgreSQL database
beside the test one), so the shared test schema is never disturbed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url

from db.engine import create_engine
from db.migrate import downgrade, upgrade
from db.models import Base
from tests.databases import create_postgres_database, postgres_url, sqlite_url


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "migrations.sqlite3")
        return
    base = postgres_url()
    name = f"{make_url(base).database}_migrations"
    yield await create_postgres_database(base, name)


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def _inspect(url: str) -> tuple[list[Any], set[str], bool]:
    """Autogenerate's differences, the tables, and whether the overlap guard exists."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
            tables = await connection.run_sync(_tables)
            if connection.dialect.name == "postgresql":
                guard = await connection.scalar(
                    text("SELECT count(*) FROM pg_constraint WHERE conname = :name"),
                    {"name": "ex_bookings_no_overlap"},
                )
            else:
                guard = await connection.scalar(
                    text(
                        "SELECT count(*) FROM sqlite_master "
                        "WHERE type = 'trigger' AND name LIKE 'bookings_no_overlap_%'"
                    )
                )
    finally:
        await engine.dispose()
    return differences, tables, bool(guard)


async def test_models_and_migrations_agree(empty_database: str) -> None:
    await asyncio.to_thread(upgrade, empty_database)
    differences, tables, guard = await _inspect(empty_database)
    assert differences == []
    assert tables == set(Base.metadata.tables)
    assert guard


async def test_upgrade_downgrade_upgrade_round_trip(empty_database: str) -> None:
    await asyncio.to_thread(upgrade, empty_database)
    await asyncio.to_thread(downgrade, empty_database, "base")
    differences, tables, guard = await _inspect(empty_database)
    assert differences  # the comparison sees the missing tables: it is really looking
    assert tables == set()
    assert not guard

    await asyncio.to_thread(upgrade, empty_database)
    differences, tables, guard = await _inspect(empty_database)
    assert differences == []
    assert tables == set(Base.metadata.tables)
    assert guard
