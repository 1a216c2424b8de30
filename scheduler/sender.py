"""`OutboxSender`: claims due outbox rows, paces, sends, and records each answer.

It follows the claim protocol of `db/services/outbox.py`: the claim commits
before anything is sent, each answer commits right after it arrives, and no
database session stays open while Telegram is being asked (SQLite holds its
write lock for a whole transaction). The one repeat it allows: a crash after
Telegram accepted a message and before `mark_sent` committed sends that one
message again once its lease runs out.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import os
import socket
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Concatenate, ParamSpec, TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.clock import Clock
from db.models import OutboxStatus
from db.services.outbox import (
    LEASE,
    MAX_ATTEMPTS,
    ClaimedMessage,
    claim_due,
    drop_chat,
    mark_sent,
    mark_skipped,
    release,
    retry_later,
)
from scheduler.pacing import PacingGate
from scheduler.render import Outgoing, Stale, render

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

BATCH_SIZE = 100
"""Rows per claim: at 28 messages a second a batch is sent well within the lease."""

CONCURRENCY = 8
"""Database sessions a sweep uses at once (rendering and recording); sends are paced by the gate."""

MAX_FLOOD_WAITS = 3
"""429 answers for one message waited out in place; after that the row goes back
to the queue, so a long flood wait never outlives the claim's lease."""


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


class Outcome(enum.StrEnum):
    """What became of one claimed message in a sweep."""

    SENT = "sent"
    SKIPPED = "skipped"  # stale (the visit began, the booking is gone, …), or dropped meanwhile
    RETRIED = "retried"  # failed; back in the queue with backoff
    FAILED = "failed"  # failed for the last time
    DROPPED = "dropped"  # the recipient blocked the bot
    RELEASED = "released"  # Telegram kept asking to wait; back in the queue untouched
    UNRECORDED = "unrecorded"  # the answer could not be written; the lease brings it back


_FAILURE_OUTCOMES = {
    OutboxStatus.PENDING: Outcome.RETRIED,
    OutboxStatus.FAILED: Outcome.FAILED,
    OutboxStatus.SKIPPED: Outcome.SKIPPED,  # dropped by a change while it was being sent
}


@dataclass
class SweepReport:
    """What one sweep did: each message's outcome, and counts by outcome."""

    outcomes: dict[int, Outcome] = field(default_factory=dict)

    def add(self, message_id: int, outcome: Outcome) -> None:
        self.outcomes[message_id] = outcome

    def count(self, outcome: Outcome) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)

    @property
    def sent(self) -> int:
        return self.count(Outcome.SENT)

    @property
    def skipped(self) -> int:
        return self.count(Outcome.SKIPPED)

    @property
    def dropped(self) -> int:
        return self.count(Outcome.DROPPED)

    @property
    def total(self) -> int:
        return len(self.outcomes)


class OutboxSender:
    def __init__(
        self,
        *,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        gate: PacingGate,
        default_locale: str,
        worker_id: str | None = None,
        batch_size: int = BATCH_SIZE,
        concurrency: int = CONCURRENCY,
        lease: timedelta = LEASE,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._bot = bot
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._gate = gate
        self._default_locale = default_locale
        self.worker_id = worker_id or default_worker_id()
        self._batch_size = batch_size
        self._slots = asyncio.Semaphore(concurrency)
        self._lease = lease
        self._max_attempts = max_attempts
        self._idle = asyncio.Event()
        self._idle.set()
        self._again = False

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    async def wait_idle(self) -> None:
        """Until no sweep is running (shutdown lets the one in flight finish recording)."""
        await self._idle.wait()

    def poke(self) -> None:
        """Something became due during a sweep: run one more pass before stopping."""
        self._again = True

    async def sweep(self) -> SweepReport:
        """Deliver everything due now, batch after batch, then return what happened."""
        report = SweepReport()
        self._idle.clear()
        try:
            while True:
                self._again = False
                batch = await self.claim()
                await self.deliver(batch, report)
                if len(batch) < self._batch_size and not self._again:
                    return report
        finally:
            self._idle.set()

    async def claim(self) -> list[ClaimedMessage]:
        """Claim one batch and commit the claim (step 1 of the protocol)."""
        async with self._sessionmaker() as session:
            batch = await claim_due(
                session,
                now=self._clock.now(),
                worker=self.worker_id,
                limit=self._batch_size,
                lease=self._lease,
            )
            await session.commit()
        return batch

    async def deliver(self, batch: list[ClaimedMessage], report: SweepReport) -> None:
        """Chats are served concurrently; one chat's messages go out in due order.

        A chat waiting out its one-second interval holds nothing, so a chat with a
        backlog (an admin told about many bookings) never slows the others; only
        database work is bounded, by `concurrency` sessions at a time.
        """
        by_chat: dict[int, list[ClaimedMessage]] = defaultdict(list)
        for message in batch:
            by_chat[message.chat_id].append(message)

        async def one_chat(messages: list[ClaimedMessage]) -> None:
            for message in messages:
                try:
                    outcome = await self._deliver(message)
                except Exception:
                    # Recording failed (the database went away): the row stays
                    # claimed and its lease brings it back.
                    log.exception("Could not record outbox message %s", message.id)
                    outcome = Outcome.UNRECORDED
                report.add(message.id, outcome)

        async with asyncio.TaskGroup() as group:
            for messages in by_chat.values():
                group.create_task(one_chat(messages))

    async def _deliver(self, message: ClaimedMessage) -> Outcome:
        """Render, pace, send, record; returns what became of the message.

        Only `Exception`s are handled: a `BaseException` (cancellation, a process
        being torn down) leaves the row claimed, and its lease brings it back.
        """
        try:
            outgoing = await self._render(message)
        except Exception as error:
            log.exception("Could not render outbox message %s", message.id)
            return await self._count_failure(message, error)
        if isinstance(outgoing, Stale):
            await self._record(mark_skipped, message.id, reason=outgoing.reason)
            return Outcome.SKIPPED
        return await self._send(message, outgoing)

    async def _render(self, message: ClaimedMessage) -> Outgoing | Stale:
        async with self._slots, self._sessionmaker() as session:
            return await render(
                session, message, now=self._clock.now(), default_locale=self._default_locale
            )

    async def _send(self, message: ClaimedMessage, outgoing: Outgoing) -> Outcome:
        for _ in range(MAX_FLOOD_WAITS + 1):
            await self._gate.wait(message.chat_id)
            try:
                await self._bot.send_message(
                    chat_id=message.chat_id, text=outgoing.text, reply_markup=outgoing.markup
                )
            except TelegramRetryAfter as flood:
                log.warning("Telegram asked to wait %s s", flood.retry_after)
                await self._gate.pause(flood.retry_after)
                continue
            except TelegramForbiddenError as error:
                dropped = await self._record(
                    drop_chat, message.id, chat_id=message.chat_id, error=str(error)
                )
                log.info("Chat %s blocked the bot; %s messages dropped", message.chat_id, dropped)
                return Outcome.DROPPED
            except Exception as error:
                log.warning("Sending outbox message %s failed: %s", message.id, error)
                return await self._count_failure(message, error)
            await self._record(mark_sent, message.id, now=self._clock.now())
            return Outcome.SENT
        released = await self._record(release, message.id, due_at=self._clock.now())
        return Outcome.RELEASED if released else Outcome.SKIPPED

    async def _count_failure(self, message: ClaimedMessage, error: Exception) -> Outcome:
        status = await self._record(
            retry_later,
            message,
            now=self._clock.now(),
            error=f"{type(error).__name__}: {error}",
            max_attempts=self._max_attempts,
        )
        return _FAILURE_OUTCOMES[status]

    async def _record(
        self,
        action: Callable[Concatenate[AsyncSession, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run one recording step in its own short transaction (step 2 of the protocol)."""
        async with self._slots, self._sessionmaker() as session:
            result = await action(session, *args, **kwargs)
            await session.commit()
            return result
