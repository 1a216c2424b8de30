"""`run.py check`: can this configuration run the bot?

Each check reaches the real thing (database, Redis, the Bot API's `getMe`) and
reports one line, so an operator sees every problem at once, not the first one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy import text

from bot.config import Settings
from bot.factory import create_bot
from bot.logging_setup import mask_tokens
from db.engine import create_engine

CHECK_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    error: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    def line(self) -> str:
        if self.error is not None:
            return f"{self.name}: FAILED: {self.error}"
        return f"{self.name}: ok{f' ({self.detail})' if self.detail else ''}"


async def check_database(settings: Settings) -> str:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    return engine.dialect.name


async def check_redis(settings: Settings) -> str:
    assert settings.redis_url is not None
    redis = Redis.from_url(settings.redis_url)
    try:
        await redis.ping()
    finally:
        await redis.aclose()
    return ""


async def check_telegram(settings: Settings) -> str:
    bot = create_bot(settings)
    try:
        me = await bot.get_me()
    finally:
        await bot.session.close()
    return f"@{me.username}"


async def _run_one(name: str, probe: Callable[[], Awaitable[str]]) -> CheckResult:
    try:
        detail = await asyncio.wait_for(probe(), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return CheckResult(name, error=f"no answer within {CHECK_TIMEOUT_SECONDS:g} s")
    except Exception as error:  # any failure is the answer we report
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return CheckResult(name, error=mask_tokens(reason))
    return CheckResult(name, detail=detail)


async def run_checks(settings: Settings) -> list[CheckResult]:
    """Settings are already valid when this runs (loading them is the first check)."""
    probes: list[tuple[str, Callable[[], Awaitable[str]]]] = [
        ("database", lambda: check_database(settings)),
    ]
    if settings.redis_url:
        probes.append(("redis", lambda: check_redis(settings)))
    probes.append(("telegram", lambda: check_telegram(settings)))
    results = [CheckResult("settings")]
    results += await asyncio.gather(*(_run_one(name, probe) for name, probe in probes))
    return results
