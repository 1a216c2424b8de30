"""What the settings point at, reached at start: one line when it fails.

The database, Redis and the Bot API are reached before the bot starts polling
(the first two before aiogram is even imported, so the line comes at once).
What fails there, and only that, becomes a `StartupFailure`, which
`describe_startup_failure` turns into one line naming the setting, and an exit
status: 2 when the setting itself is wrong (no such database, a rejected token:
restarting would repeat the line), 1 when what it points at cannot be reached
now (refused, no answer: a restart may well succeed, and systemd retries).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.config import DEFAULT_TELEGRAM_API_URL
from bot.logging_setup import mask_tokens

# How long the start waits for the database, Redis or the Bot API to answer.
STARTUP_TIMEOUT_SECONDS = 30.0
EXIT_FAILED = 1
EXIT_CONFIG = 2


class StartupFailure(Exception):
    """The database, Redis or the Bot API that a setting points at failed at start.

    `setting` names it and `url` is where it points; the error is the `__cause__`.
    `describe_startup_failure` turns it into one line (see `startup_step`).
    """

    def __init__(self, setting: str, url: str) -> None:
        super().__init__(setting, url)
        self.setting = setting
        self.url = url


@contextmanager
def startup_step(setting: str, url: str, *errors: type[BaseException]) -> Iterator[None]:
    """Reaching what `setting` points at: `errors` raised inside, and only those,
    are the setting's failure (connection, lookup, refusal), not the program's."""
    try:
        yield
    except errors as error:
        raise StartupFailure(setting, url) from error


def reach_database_setting(database_url: str) -> None:
    """Before the migrations: a database the URL cannot reach is the setting's failure."""
    from sqlalchemy.exc import DBAPIError

    from db.engine import reach_database

    errors = (OSError, sqlite3.Error, DBAPIError, TimeoutError)
    with startup_step("DATABASE_URL", database_url, *errors):
        reach_database(database_url, timeout=STARTUP_TIMEOUT_SECONDS)


def reach_redis_setting(redis_url: str) -> None:
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


def describe_startup_failure(failure: StartupFailure) -> tuple[str, int]:
    """The one line for `failure` and the exit status (see the module docstring)."""
    error = failure.__cause__
    assert error is not None, "a StartupFailure is raised from the error"
    setting, problem, lasting = describe(failure.setting, failure.url, error)
    prefix = "Configuration error" if lasting else "Unavailable"
    line = mask_tokens(f"{prefix}: {setting}: {problem}")
    return line, EXIT_CONFIG if lasting else EXIT_FAILED


def describe(setting: str, url: str, error: BaseException) -> tuple[str, str, bool]:
    """What went wrong reaching `url`, the value of `setting` (DATABASE_URL, REDIS_URL,
    TELEGRAM_API_URL): the setting to blame (a rejected token blames BOT_TOKEN), the
    problem in a few words, and whether it lasts (the setting itself is wrong)."""
    if setting == "DATABASE_URL":
        return (setting, *_database_problem(url, error))
    if setting == "REDIS_URL":
        return (setting, *_redis_problem(url, error))
    return _telegram_problem(url, error)


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
