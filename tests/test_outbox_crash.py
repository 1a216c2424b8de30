"""A process killed at each point of a sweep, then a fresh one started.

Nothing is lost at any point; a message is repeated only when the process died
between Telegram's answer and the commit that records it (the documented window).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from db.models import OutboxMessage, OutboxStatus
from db.services.notifications import Kind
from db.services.outbox import LEASE
from tests.factories import local, make_world
from tests.outbox_support import book, make_sender, outbox_rows
from tests.stub_session import StubSession


class ProcessKilled(BaseException):
    """Stands for the process dying: not an `Exception`, so nothing handles it."""


def die(*_args: object) -> None:
    raise ProcessKilled


@pytest.fixture
async def row_id(sessionmaker, clock, session) -> int:
    """One due row (the client's booking confirmation); every other row set aside."""
    world = await make_world(session, staff_count=1)
    day = clock.now().date() + timedelta(days=3)
    booking = await book(sessionmaker, world, local(day, "12:00"), clock.now())
    (row,) = await outbox_rows(sessionmaker, booking_id=booking.id, kind=Kind.CLIENT_BOOKED)
    async with sessionmaker() as other:
        await other.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id != row.id)
            .values(status=OutboxStatus.SKIPPED)
        )
        await other.commit()
    return row.id


async def status_of(sessionmaker, row_id: int) -> OutboxStatus:
    (row,) = await outbox_rows(sessionmaker, id=row_id)
    return row.status


async def restart_after_lease(sessionmaker, clock, telegram: StubSession) -> None:
    """A fresh process: nothing until the dead one's lease ends, then the row is taken back."""
    fresh = make_sender(sessionmaker, clock, telegram, worker_id="fresh")
    assert (await fresh.sweep()).total == 0
    clock.advance(LEASE + timedelta(seconds=1))
    await fresh.sweep()


async def test_killed_after_the_claim_loses_nothing_and_repeats_nothing(
    sessionmaker, clock, row_id
):
    telegram = StubSession()
    dead = make_sender(sessionmaker, clock, telegram, worker_id="dead")
    claimed = await dead.claim()  # committed; the process dies before sending
    assert [message.id for message in claimed] == [row_id]
    assert await status_of(sessionmaker, row_id) == OutboxStatus.SENDING

    await restart_after_lease(sessionmaker, clock, telegram)

    assert len(telegram.delivered) == 1
    assert await status_of(sessionmaker, row_id) == OutboxStatus.SENT


class DiesOnFirstRequest(StubSession):
    """The process dies while the first request is on its way: Telegram never saw it."""

    def __init__(self) -> None:
        super().__init__()
        self.died = False

    def failure_for(self, method):  # type: ignore[no-untyped-def]
        if not self.died:
            self.died = True
            raise ProcessKilled
        return super().failure_for(method)


async def test_killed_during_the_send_before_telegram_got_it(sessionmaker, clock, row_id):
    telegram = DiesOnFirstRequest()
    with pytest.raises(BaseExceptionGroup) as killed:
        await make_sender(sessionmaker, clock, telegram, worker_id="dead").sweep()
    assert killed.group_contains(ProcessKilled)
    assert telegram.delivered == []

    await restart_after_lease(sessionmaker, clock, telegram)

    assert len(telegram.delivered) == 1
    assert await status_of(sessionmaker, row_id) == OutboxStatus.SENT


async def test_killed_between_telegrams_answer_and_the_commit_repeats_that_one_message(
    sessionmaker, clock, row_id
):
    telegram = StubSession()
    telegram.after_delivery = die
    with pytest.raises(BaseExceptionGroup) as killed:
        await make_sender(sessionmaker, clock, telegram, worker_id="dead").sweep()
    assert killed.group_contains(ProcessKilled)
    telegram.after_delivery = None
    assert len(telegram.delivered) == 1
    assert await status_of(sessionmaker, row_id) == OutboxStatus.SENDING

    await restart_after_lease(sessionmaker, clock, telegram)

    assert len(telegram.delivered) == 2  # the one repeat the protocol allows
    assert telegram.delivered[0].text == telegram.delivered[1].text
    assert await status_of(sessionmaker, row_id) == OutboxStatus.SENT


async def test_killed_after_the_commit_sends_nothing_again(sessionmaker, clock, row_id):
    telegram = StubSession()
    await make_sender(sessionmaker, clock, telegram, worker_id="dead").sweep()

    await restart_after_lease(sessionmaker, clock, telegram)

    assert len(telegram.delivered) == 1
    assert await status_of(sessionmaker, row_id) == OutboxStatus.SENT
