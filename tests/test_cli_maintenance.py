"""The maintenance commands of `run.py`: demo-data, backup and check.

The commands run in-process through `bot.cli.main` (a worker thread, since each
command runs its own event loop), with the environment and the working
directory set as an operator's shell would set them.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from bot.cli import main
from bot.config import Settings
from db.demo_data import STAFF, DatabaseNotEmpty, fill_demo_data
from db.models import Service, Staff, WorkingInterval
from db.services.calendar import free_days_for, free_times_for
from tests.botapi_stub import BotApiStub
from tests.conftest import FrozenClock
from tests.databases import postgres_url, redis_url, sqlite_url

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
SETTING_NAMES = [name.upper() for name in Settings.model_fields]


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """An empty working directory and an environment with none of our settings.

    The commands set up the process's logging; the test's logging is restored after.
    """
    monkeypatch.chdir(tmp_path)
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield monkeypatch
    root.handlers[:] = handlers
    root.setLevel(level)


async def run_cli(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


# demo-data ------------------------------------------------------------------


async def test_demo_data_fills_an_empty_database(
    session: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    summary = await fill_demo_data(session)
    await session.commit()

    async with sessionmaker() as check:
        services = (await check.scalars(select(Service).order_by(Service.sort_order))).all()
        staff = (
            await check.scalars(
                select(Staff).options(selectinload(Staff.services)).order_by(Staff.sort_order)
            )
        ).all()
        intervals = (await check.scalars(select(WorkingInterval))).all()
    assert (summary.services, summary.staff, summary.intervals) == (5, 3, len(intervals))
    assert len(services) == 5 and len(staff) == 3
    assert len({s.duration_minutes for s in services}) >= 3
    assert len({s.price for s in services}) >= 3
    assert any(s.buffer_after_minutes for s in services)
    assert all(member.services for member in staff)
    days_worked = []
    for member in staff:
        mine = [i for i in intervals if i.staff_id == member.id]
        by_day: dict[int, list[WorkingInterval]] = {}
        for interval in mine:
            by_day.setdefault(interval.weekday, []).append(interval)
        # A lunch break every working day: two intervals with a gap between them.
        for day in by_day.values():
            first, second = sorted(day, key=lambda i: i.start_time)
            assert first.end_time < second.start_time
        days_worked.append(frozenset(by_day))
    assert len(set(days_worked)) == 3  # different days off

    async with sessionmaker() as calendar:
        today = clock.now().date()
        horizon = today + timedelta(days=14)
        for service in services:
            days = await free_days_for(
                calendar,
                service_id=service.id,
                staff_id=None,
                first=today,
                last=horizon,
                now=clock.now(),
            )
            assert len(days) >= 10, service.name
        anna = staff[0]
        anna_days = await free_days_for(
            calendar,
            service_id=services[0].id,
            staff_id=anna.id,
            first=today,
            last=horizon,
            now=clock.now(),
        )
        assert anna_days and all(day.weekday() in STAFF[0].days for day in anna_days)
        times = await free_times_for(
            calendar,
            service_id=services[0].id,
            staff_id=anna.id,
            day=anna_days[-1],
            now=clock.now(),
        )
        assert times


async def test_demo_data_refuses_a_database_in_use(session: AsyncSession) -> None:
    await fill_demo_data(session)
    await session.commit()
    with pytest.raises(DatabaseNotEmpty):
        await fill_demo_data(session)
    await session.rollback()
    assert await session.scalar(select(func.count()).select_from(Service)) == 5


async def test_demo_data_command(
    shell: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shell.setenv("DATABASE_URL", sqlite_url(tmp_path / "demo.sqlite3"))
    assert await run_cli("demo-data") == 0
    assert "Demo business added: 5 services, 3 staff" in capsys.readouterr().out

    assert await run_cli("demo-data") == 1
    refused = capsys.readouterr()
    assert refused.err.strip().splitlines() == [
        "Refusing to add demo data: the database already has services, staff or bookings."
    ]


# backup ---------------------------------------------------------------------


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {t: connection.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}


async def test_backup_copies_a_database_in_use(
    shell: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "live.sqlite3"
    shell.setenv("DATABASE_URL", sqlite_url(database))
    assert await run_cli("demo-data") == 0
    target = tmp_path / "copies" / "zapis.sqlite3"

    # The bot holds the database open (WAL mode) and is in the middle of a write.
    bot = sqlite3.connect(database, isolation_level=None)
    try:
        bot.execute("PRAGMA journal_mode=WAL")
        bot.execute("BEGIN")
        bot.execute("UPDATE services SET name = 'half-written'")
        committed = _rows(database)
        assert await run_cli("backup", "--to", str(target)) == 0
        bot.execute("ROLLBACK")
    finally:
        bot.close()

    assert f"Backup written to {target}" in capsys.readouterr().out
    copy = _rows(target)
    assert copy == committed
    assert len(copy["working_intervals"]) == 30
    assert not target.with_name(target.name + "-wal").exists()  # one self-contained file


async def test_backup_default_path_and_no_overwrite(
    shell: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shell.setenv("DATABASE_URL", sqlite_url(tmp_path / "zapis.sqlite3"))
    assert await run_cli("migrate") == 0
    assert await run_cli("backup") == 0
    (made,) = (tmp_path / "data" / "backups").glob("zapis-*.sqlite3")
    assert len(made.stem) == len("zapis-YYYYmmdd-HHMMSS")
    capsys.readouterr()

    assert await run_cli("backup", "--to", str(made)) == 1
    assert "already exists" in capsys.readouterr().err


async def test_backup_of_a_missing_database_fails_clearly(
    shell: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shell.setenv("DATABASE_URL", sqlite_url(tmp_path / "nothing-here.sqlite3"))
    assert await run_cli("backup", "--to", str(tmp_path / "copy.sqlite3")) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "copy.sqlite3").exists()


async def test_backup_of_postgresql_points_to_pg_dump(
    shell: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shell.setenv("DATABASE_URL", postgres_url())
    assert await run_cli("backup") == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "pg_dump" in line and "postgresql://" in line


# check ----------------------------------------------------------------------


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as api:
        yield api


async def test_check_reaches_everything(
    shell: pytest.MonkeyPatch, stub: BotApiStub, capsys: pytest.CaptureFixture[str]
) -> None:
    shell.setenv("BOT_TOKEN", TOKEN)
    shell.setenv("TELEGRAM_API_URL", stub.url)
    shell.setenv("DATABASE_URL", postgres_url())
    shell.setenv("REDIS_URL", redis_url())
    assert await run_cli("check") == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [
        "settings: ok",
        "database: ok (postgresql)",
        "redis: ok",
        "telegram: ok (@zapis_test_bot)",
    ]
    assert [r.method for r in stub.requests] == ["getMe"]


async def test_check_reports_each_failure_and_exits_non_zero(
    shell: pytest.MonkeyPatch, stub: BotApiStub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shell.setenv("BOT_TOKEN", TOKEN)
    shell.setenv("TELEGRAM_API_URL", stub.url)
    shell.setenv("DATABASE_URL", sqlite_url(tmp_path / "zapis.sqlite3"))
    shell.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert await run_cli("check") == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[:2] == ["settings: ok", "database: ok (sqlite)"]
    # In the words the start itself uses (bot/startup.py).
    assert lines[2] == (
        "redis: FAILED: REDIS_URL: cannot connect to Redis at 127.0.0.1:1 (connection refused)"
    )
    assert lines[3] == "telegram: ok (@zapis_test_bot)"
    assert TOKEN not in "\n".join(lines)


async def test_check_tells_a_folder_from_a_sqlite_file_without_noise(
    shell: pytest.MonkeyPatch, stub: BotApiStub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shell.setenv("BOT_TOKEN", TOKEN)
    shell.setenv("TELEGRAM_API_URL", stub.url)
    shell.setenv("DATABASE_URL", sqlite_url(tmp_path))  # a folder, not a file
    assert await run_cli("check") == 1
    output = capsys.readouterr()
    assert f"database: FAILED: DATABASE_URL: {tmp_path} is a folder" in output.out
    assert "Event loop is closed" not in output.err
