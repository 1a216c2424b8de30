"""`python run.py [command]`: run the bot or one of the maintenance commands.

Each command's work lives in its own module; this file only parses arguments,
loads the settings and turns the outcome into lines and an exit status:
0 done, 1 the command could not do its job, 2 a setting is wrong. What the
settings point at is reached first (bot/startup.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.config import DatabaseSettings, Settings, SettingsError, load_settings
from bot.logging_setup import setup_logging
from bot.startup import (
    EXIT_CONFIG,
    EXIT_FAILED,
    StartupFailure,
    describe_startup_failure,
    reach_database_setting,
    reach_redis_setting,
)


def _run(_args: argparse.Namespace) -> int:
    settings = load_settings(Settings)
    setup_logging(settings.log_level)
    # Before aiogram is imported too: what the settings point at answers in a moment.
    reach_database_setting(settings.database_url)
    if settings.redis_url:
        reach_redis_setting(settings.redis_url)
    # Imported after the settings are loaded: aiogram takes seconds to import,
    # and a wrong setting deserves its one line at once.
    from bot.app import run_bot
    from db.migrate import upgrade

    upgrade(settings.database_url)
    asyncio.run(run_bot(settings))
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    settings = load_settings(DatabaseSettings)
    setup_logging()
    reach_database_setting(settings.database_url)
    upgrade(settings.database_url)
    print("Database is up to date.")
    return 0


def _check(_args: argparse.Namespace) -> int:
    settings = load_settings(Settings)
    setup_logging("WARNING")
    from bot.maintenance.check import run_checks

    results = asyncio.run(run_checks(settings))
    for result in results:
        print(result.line())
    return 0 if all(result.ok for result in results) else EXIT_FAILED


def _demo_data(_args: argparse.Namespace) -> int:
    from db.demo_data import DatabaseNotEmpty, fill_demo_data
    from db.engine import create_engine, create_sessionmaker
    from db.migrate import upgrade

    settings = load_settings(DatabaseSettings)
    setup_logging("WARNING")
    reach_database_setting(settings.database_url)
    upgrade(settings.database_url)

    async def fill() -> None:
        engine = create_engine(settings.database_url)
        try:
            async with create_sessionmaker(engine).begin() as session:
                summary = await fill_demo_data(session)
        finally:
            await engine.dispose()
        print(
            f"Demo business added: {summary.services} services, {summary.staff} staff, "
            f"{summary.intervals} working intervals."
        )

    try:
        asyncio.run(fill())
    except DatabaseNotEmpty as error:
        print(f"Refusing to add demo data: {error}.", file=sys.stderr)
        return EXIT_FAILED
    return 0


def _backup(args: argparse.Namespace) -> int:
    from db.backup import BackupError, backup_sqlite, default_backup_path, pg_dump_hint
    from db.clock import SystemClock

    settings = load_settings(DatabaseSettings)
    source = settings.sqlite_path
    if not settings.is_sqlite:
        print(pg_dump_hint(settings.database_url), file=sys.stderr)
        return EXIT_FAILED
    if source is None:
        print("An in-memory SQLite database cannot be backed up.", file=sys.stderr)
        return EXIT_FAILED
    target = args.to or default_backup_path(SystemClock().now())
    try:
        backup_sqlite(source, target)
    except BackupError as error:
        print(f"Backup failed: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Backup written to {target}")
    return 0


def _backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to",
        type=Path,
        metavar="PATH",
        help="where to write the copy (default: data/backups/zapis-YYYYmmdd-HHMMSS.sqlite3)",
    )


@dataclass(frozen=True)
class Command:
    help: str
    handler: Callable[[argparse.Namespace], int]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None


COMMANDS: dict[str, Command] = {
    "run": Command("run the bot (the default)", _run),
    "migrate": Command("apply database migrations and exit", _migrate),
    "check": Command("check the settings, database, Redis and Bot API token", _check),
    "demo-data": Command("fill an empty database with a demo business", _demo_data),
    "backup": Command(
        "copy the SQLite database safely, even while the bot runs", _backup, _backup_arguments
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description="Zapis booking bot")
    commands = parser.add_subparsers(dest="command")
    for name, command in COMMANDS.items():
        subparser = commands.add_parser(name, help=command.help)
        if command.arguments is not None:
            command.arguments(subparser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = COMMANDS[args.command or "run"]
    try:
        return command.handler(args)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    except StartupFailure as failure:
        line, status = describe_startup_failure(failure)
        print(line, file=sys.stderr)
        return status
    except KeyboardInterrupt:
        return 130
