"""Builds the APScheduler that drives outbox delivery and housekeeping in the bot's process.

APScheduler only ticks: its in-memory job store holds no state worth keeping
(APScheduler 3 cannot share a job store between processes), the outbox table
is the source of truth. A commit that enqueues something due now wakes the
sweep at once, so a booking confirmation goes out within a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from db.clock import Clock, SystemClock
from db.services.outbox import on_commit_enqueued
from scheduler.jobs import complete_finished_bookings, plan_digests
from scheduler.pacing import PacingGate, Sleep
from scheduler.sender import OutboxSender

log = logging.getLogger(__name__)

SWEEP_JOB = "outbox-sweep"
COMPLETE_JOB = "complete-bookings"
DIGEST_JOB = "plan-digests"
COMPLETE_EVERY = timedelta(minutes=1)
DIGEST_EVERY = timedelta(minutes=10)
SHUTDOWN_GRACE_SECONDS = 10.0


def _guarded(name: str, job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
    """A job never lets an exception reach APScheduler's log as a traceback without context."""

    async def run() -> None:
        try:
            await job()
        except Exception:
            log.exception("Scheduled job %s failed; it runs again at its next tick", name)

    return run


class Scheduling:
    """The scheduler, its sender, and the wake-up hook; `start()` and `shutdown()`."""

    def __init__(
        self,
        *,
        settings: Settings,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        worker_id: str | None = None,
    ) -> None:
        self.clock = clock or SystemClock()
        self.interval = timedelta(seconds=settings.sweep_interval_seconds)
        self.gate = PacingGate(
            rate_per_second=settings.send_rate_per_second, clock=self.clock, sleep=sleep
        )
        """The one gate for everything the bot sends on its own (broadcasts too)."""
        self.sender = OutboxSender(
            bot=bot,
            sessionmaker=sessionmaker,
            clock=self.clock,
            gate=self.gate,
            default_locale=settings.default_locale,
            worker_id=worker_id,
        )
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
        )
        started = datetime.now(UTC)
        self.scheduler.add_job(
            _guarded(SWEEP_JOB, self.sender.sweep),
            "interval",
            seconds=self.interval.total_seconds(),
            id=SWEEP_JOB,
            next_run_time=started,
        )
        self.scheduler.add_job(
            _guarded(COMPLETE_JOB, lambda: complete_finished_bookings(sessionmaker, self.clock)),
            "interval",
            seconds=COMPLETE_EVERY.total_seconds(),
            id=COMPLETE_JOB,
            next_run_time=started,
        )
        self.scheduler.add_job(
            _guarded(DIGEST_JOB, lambda: plan_digests(sessionmaker, self.clock)),
            "interval",
            seconds=DIGEST_EVERY.total_seconds(),
            id=DIGEST_JOB,
            next_run_time=started,
        )
        self._unsubscribe: Callable[[], None] | None = None

    def wake(self, earliest_due: datetime) -> None:
        """A commit enqueued something: sweep now if it is due before the next tick."""
        if earliest_due > self.clock.now() + self.interval:
            return
        if self.sender.busy:
            self.sender.poke()
        elif self.scheduler.running:
            self.scheduler.modify_job(SWEEP_JOB, next_run_time=datetime.now(UTC))

    def start(self) -> None:
        self._unsubscribe = on_commit_enqueued(self.wake)
        self.scheduler.start()
        log.info("Scheduler started (sweep every %s s)", self.interval.total_seconds())

    async def shutdown(self, grace_seconds: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Stop ticking, let a sweep in flight finish (up to the grace time), then stop.

        A sweep still running after that is cancelled: the rows it claimed come
        back after their lease, so nothing is lost.
        """
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        with suppress(TimeoutError):
            await asyncio.wait_for(self.sender.wait_idle(), grace_seconds)
        self.scheduler.shutdown(wait=False)
