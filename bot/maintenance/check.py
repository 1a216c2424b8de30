"""`run.py check`: can this configuration run the bot?

Each check reaches the real thing (database, Redis, the Bot API's `getMe`) and
reports one line, so an operator sees every problem at once, not the first one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from bot.config import DEFAULT_TELEGRAM_API_URL, Settings
from bot.factory import create_bot
from bot.logging_setup import mask_tokens
from bot.startup import STARTUP_TIMEOUT_SECONDS, describe
from db.engine import reach_database

# As long as the start waits: a failure reads the same in both ("no answer within …").
CHECK_TIMEOUT_SECONDS = STARTUP_TIMEOUT_SECONDS


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
    """As the bot's start reaches it (`db.engine.reach_database`, in a thread: it
    runs an event loop of its own for PostgreSQL)."""
    url = settings.database_url
    await asyncio.to_thread(reach_database, url, timeout=CHECK_TIMEOUT_SECONDS)
    return make_url(url).get_backend_name()


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


@dataclass(frozen=True)
class _Probe:
    name: str
    setting: str  # what a failure is told against, in the words the start uses
    url: str
    reach: Callable[[], Awaitable[str]]


async def _run_one(probe: _Probe) -> CheckResult:
    try:
        detail = await asyncio.wait_for(probe.reach(), CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # any failure is the answer we report
        setting, problem, _ = describe(probe.setting, probe.url, error)
        return CheckResult(probe.name, error=mask_tokens(f"{setting}: {problem}"))
    return CheckResult(probe.name, detail=detail)


async def run_checks(settings: Settings) -> list[CheckResult]:
    """Settings are already valid when this runs (loading them is the first check)."""
    probes = [
        _Probe("database", "DATABASE_URL", settings.database_url, lambda: check_database(settings))
    ]
    if settings.redis_url:
        probes.append(
            _Probe("redis", "REDIS_URL", settings.redis_url, lambda: check_redis(settings))
        )
    api_url = settings.telegram_api_url or DEFAULT_TELEGRAM_API_URL
    probes.append(_Probe("telegram", "TELEGRAM_API_URL", api_url, lambda: check_telegram(settings)))
    results = [CheckResult("settings")]
    results += await asyncio.gather(*(_run_one(probe) for probe in probes))
    return results
