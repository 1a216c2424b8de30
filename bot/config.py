"""Settings from the environment and `.env`.

Every setting is validated here, so a wrong value stops the start with one line
that names it (see `load_settings`), never with a traceback from deep inside.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

TOKEN_PATTERN = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,50}$")
SUPPORTED_DRIVERS = {"sqlite+aiosqlite", "postgresql+asyncpg"}
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/zapis.sqlite3"
SUPPORTED_LOCALES = ("ru", "en")
DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
# Telegram user ids are positive and fit a signed 64-bit integer (our BIGINT columns).
MAX_TELEGRAM_ID = 2**63 - 1
DIGITS = re.compile(r"[0-9]+")


class SettingsError(Exception):
    """A setting is missing or malformed; the message is the one line to print."""


class DatabaseSettings(BaseSettings):
    """Just what migrations and maintenance commands need: no token required."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", validate_default=True
    )

    database_url: str = DEFAULT_DATABASE_URL

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        _check_port(value)
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError("cannot be parsed as a database URL") from None
        if url.drivername not in SUPPORTED_DRIVERS:
            raise ValueError(
                f"driver {url.drivername!r} is not supported; use "
                + " or ".join(f"{d}://" for d in sorted(SUPPORTED_DRIVERS))
            )
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None for PostgreSQL and in-memory databases."""
        if not self.is_sqlite:
            return None
        database = make_url(self.database_url).database
        return Path(database) if database and database != ":memory:" else None


class Settings(DatabaseSettings):
    bot_token: SecretStr
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    redis_url: str | None = None
    redis_state_ttl_days: int = Field(default=30, ge=1)
    timezone: str = "Europe/Moscow"
    default_locale: Literal["ru", "en"] = "ru"
    telegram_api_url: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    sweep_interval_seconds: float = Field(default=5.0, gt=0)
    send_rate_per_second: float = Field(default=28.0, gt=0)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not TOKEN_PATTERN.match(value.get_secret_value().strip()):
            raise ValueError("is not shaped like a bot token from @BotFather (123456:ABC...)")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
            bad = [part for part in parts if not DIGITS.fullmatch(part.lstrip("-"))]
            if bad:
                raise ValueError(f"must be Telegram user ids separated by commas, got {bad[0]!r}")
            return [int(part) for part in parts]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("admin_ids")
    @classmethod
    def _telegram_id_range(cls, value: list[int]) -> list[int]:
        # A number no Telegram user can have would only fail later, when the first
        # booking writes a notice to it.
        bad = [admin_id for admin_id in value if not 0 < admin_id <= MAX_TELEGRAM_ID]
        if bad:
            raise ValueError(
                f"must be Telegram user ids, positive numbers up to {MAX_TELEGRAM_ID}, got {bad[0]}"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Moscow)") from None
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        _check_port(value)
        if not value.startswith("unix://"):
            # redis-py takes a path that is not a number for database 0, silently.
            database = urlsplit(value).path.strip("/")
            if database and not DIGITS.fullmatch(database):
                raise ValueError(
                    f"database {database!r} (the path after the host) must be a number such as 0"
                )
        # redis-py parses the rest (query options) only when it connects.
        from redis.asyncio.connection import parse_url

        try:
            parse_url(value)
        except ValueError as error:
            raise ValueError(f"cannot be parsed: {error}") from None
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        _check_port(value)
        if not urlsplit(value).hostname:
            raise ValueError("has no host name")
        return value.rstrip("/")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _check_port(value: str) -> None:
    """A port in a URL, if any, must be a number from 1 to 65535."""
    try:
        if urlsplit(value).port != 0:
            return
    except ValueError:  # not a number, or beyond 65535
        pass
    host_and_port = urlsplit(value).netloc.rpartition("@")[2]  # no password in the line
    text = host_and_port.rpartition("]")[2].partition(":")[2]  # "]": an IPv6 address
    raise ValueError(f"port {text!r} is not a number from 1 to 65535")


S = TypeVar("S", bound=DatabaseSettings)


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "settings"
    if first["type"] == "missing":
        return f"{name} is not set: put it into .env or the environment (see .env.example)"
    message = first["msg"].removeprefix("Value error, ")
    return f"{name} {message}" if first["type"] == "value_error" else f"{name}: {message}"


def load_settings(cls: type[S] = Settings, **overrides: object) -> S:  # type: ignore[assignment]
    """Build the settings or raise `SettingsError` with one line naming the bad setting."""
    try:
        return cls(**overrides)
    except ValidationError as error:
        raise SettingsError(f"Configuration error: {_describe(error)}") from None
