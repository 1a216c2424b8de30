"""`python run.py [command]`: run the bot or one of the maintenance commands.

Each command's work lives in its own module; this file only parses arguments,
loads the settings and turns the outcome into lines and an exit status:
0 done, 1 the command could not do its job, 2 a setting is wrong.

What a setting points at (the database, Redis, the Bot API) is reached at start;
when that fails, `_describe_startup_failure` says in one line which setting and
why, with exit status 2 when the setting itself is wrong (no such database, a
rejected token: restarting would repeat the line) and 1 when what it points at
cannot be reached now (refused, no answer: a restart may well succeed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.config import (
    DEFAULT_TELEGRAM_API_URL,
    STARTUP_TIMEOUT_SECONDS,
    DatabaseSettings,
    Settings,
    SettingsError,
    StartupFailure,
    load_settings,
    startup_step,
)
from bot.logging_setup import mask_tokens, setup_logging

EXIT_FAILED = 1
EXIT_CONFIG = 2


def _reach_database(database_url: str) -> None:
    """Before the migrations: a database the URL cannot reach is the setting's failure."""
    from sqlalchemy.exc import DBAPIError

    from db.engine import reach_database

    errors = (OSError, sqlite3.Error, DBAPIError, TimeoutError)
    with startup_step("DATABASE_URL", database_url, *errors):
        reach_database(database_url, timeout=STARTUP_TIMEOUT_SECONDS)


def _reach_redis(redis_url: str) -> None:
    """A PING: a Redis out of reach, or refusing the URL's password or database number,
    stops the start here, not at every update."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    async def ping() -> None:
        redis = Redis.from_url(redis_url)
        try:
            await redis.ping()
        finally:
            await redis.aclose()

    with startup_step("REDIS_URL", redis_url, RedisError, OSError, TimeoutError):
        asyncio.run(asyncio.wait_for(ping(), STARTUP_TIMEOUT_SECONDS))


def _run(_args: argparse.Namespace) -> int:
    settings = load_settings(Settings)
    setup_logging(settings.log_level)
    # Before aiogram is imported too: what the settings point at answers in a moment.
    _reach_database(settings.database_url)
    if settings.redis_url:
        _reach_redis(settings.redis_url)
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
    _reach_database(settings.database_url)
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
    _reach_database(settings.database_url)
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


def _describe_startup_failure(failure: StartupFailure) -> tuple[str, int]:
    """The one line for `failure` and the exit status (see the module docstring)."""
    error = failure.__cause__
    assert error is not None, "a StartupFailure is raised from the error"
    setting = failure.setting
    if setting == "DATABASE_URL":
        problem, lasting = _database_problem(failure.url, error)
    elif setting == "REDIS_URL":
        problem, lasting = _redis_problem(failure.url, error)
    else:
        setting, problem, lasting = _telegram_problem(failure.url, error)
    prefix = "Configuration error" if lasting else "Unavailable"
    line = mask_tokens(f"{prefix}: {setting}: {problem}")
    return line, EXIT_CONFIG if lasting else EXIT_FAILED


def _database_problem(database_url: str, error: BaseException) -> tuple[str, bool]:
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = url.database
        if isinstance(error, OSError):  # only making the folder raises one
            folder = error.filename or Path(str(path)).parent
            return f"cannot create the folder {folder} for the SQLite file ({_reason(error)})", True
        if path and Path(path).is_dir():
            return f"{path} is a folder, not a SQLite database file", True
        if getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY:
            waited = f"{STARTUP_TIMEOUT_SECONDS:g} s"
            return f"the SQLite file {path} stayed locked by another process for {waited}", False
        return f"cannot open the SQLite file {path} ({_first_line(error)})", True
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    if isinstance(error, TimeoutError):
        return f"no answer from PostgreSQL at {where} within {STARTUP_TIMEOUT_SECONDS:g} s", False
    if isinstance(error, socket.gaierror):
        return f"cannot find the PostgreSQL host {url.host} ({_reason(error)})", False
    if isinstance(error, OSError):
        return f"cannot connect to PostgreSQL at {where} ({_reason(error)})", False
    # The server answered and refused: asyncpg's error (with its SQLSTATE) is behind
    # SQLAlchemy's wrapper.
    driver_error = getattr(error, "orig", None)
    sqlstate = str(getattr(driver_error, "sqlstate", None) or "")
    message = _first_line((driver_error and driver_error.__cause__) or driver_error or error)
    # 28: the user or password is refused; 3D: no such database.
    lasting = sqlstate.startswith(("28", "3D"))
    return f"PostgreSQL at {where} refused the connection: {message}", lasting


def _redis_problem(redis_url: str, error: BaseException) -> tuple[str, bool]:
    from redis.asyncio.connection import parse_url
    from redis.exceptions import AuthenticationError, ResponseError
    from redis.exceptions import TimeoutError as RedisTimeout

    options = parse_url(redis_url)
    where = options.get("path") or f"{options.get('host', 'localhost')}:{options.get('port', 6379)}"
    if isinstance(error, TimeoutError | RedisTimeout):
        return f"no answer from Redis at {where} within {STARTUP_TIMEOUT_SECONDS:g} s", False
    if isinstance(error, AuthenticationError):
        return f"Redis at {where} refused the user name or password ({_first_line(error)})", True
    if isinstance(error, ResponseError):  # a database number beyond the server's, say
        return f"Redis at {where} refused the connection: {_first_line(error)}", True
    return f"cannot connect to Redis at {where} ({_reason(error)})", False


def _telegram_problem(api_url: str, error: BaseException) -> tuple[str, str, bool]:
    from aiogram.exceptions import (
        ClientDecodeError,
        TelegramAPIError,
        TelegramNetworkError,
        TelegramNotFound,
        TelegramUnauthorizedError,
    )

    setting = "TELEGRAM_API_URL"
    api_is_set = api_url != DEFAULT_TELEGRAM_API_URL
    api = f"the Bot API at {api_url}"
    if isinstance(error, TelegramUnauthorizedError):
        why = "it was revoked or mistyped; @BotFather gives the current one"
        return "BOT_TOKEN", f"{api} does not accept the token (Unauthorized): {why}", True
    if isinstance(error, TelegramNotFound):
        if not api_is_set:  # Telegram itself: the token is no bot's
            return "BOT_TOKEN", f"{api} knows no bot with this token (Not Found)", True
        return setting, f"{api_url} answers getMe with Not Found: is it a Bot API server?", True
    if isinstance(error, TimeoutError):
        return setting, f"no answer from {api} within {STARTUP_TIMEOUT_SECONDS:g} s", False
    if isinstance(error, TelegramNetworkError):
        return setting, f"cannot reach {api} ({_reason(error)})", False
    if isinstance(error, ClientDecodeError):
        return setting, f"{api_url} does not answer like a Bot API server", api_is_set
    if isinstance(error, TelegramAPIError):
        return setting, f"{api} answered getMe with an error: {error.message}", False
    return setting, f"{api} failed: {_first_line(error)}", False


def _reason(error: BaseException) -> str:
    """In a few words why a connection failed: the operating system's reason if an
    OSError is behind `error`, else the error's own first line."""
    seen: BaseException | None = error
    for _depth in range(10):
        if seen is None:
            break
        if isinstance(seen, socket.gaierror) and seen.strerror:
            return _lower_first(seen.strerror)
        if isinstance(seen, OSError) and seen.errno:
            return _lower_first(os.strerror(seen.errno))
        seen = seen.__cause__ or seen.__context__
    return _first_line(error)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0].rstrip(".") if text else type(error).__name__


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


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
        line, status = _describe_startup_failure(failure)
        print(line, file=sys.stderr)
        return status
    except KeyboardInterrupt:
        return 130
