"""Two bot processes (two engines, two senders) on one database: no message twice, none lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from db.engine import create_engine, create_sessionmaker
from db.models import OutboxStatus
from db.services.notifications import Kind
from db.services.outbox import enqueue
from tests.factories import local, make_world
from tests.outbox_support import book, make_sender, outbox_rows
from tests.stub_session import StubSession

MESSAGES = 120


@pytest.fixture
async def second_sessionmaker(database_url, engine):
    """Another process's view of the same database: its own engine and pool."""
    other = create_engine(database_url)
    yield create_sessionmaker(other)
    await other.dispose()


async def test_two_senders_deliver_each_message_exactly_once(
    sessionmaker, second_sessionmaker, clock, session
):
    world = await make_world(session, staff_count=1)
    booking = await book(
        sessionmaker, world, local(clock.now().date() + timedelta(days=2), "12:00"), clock.now()
    )
    async with sessionmaker() as writer:
        for number in range(MESSAGES):
            await enqueue(
                writer,
                kind=Kind.STAFF_CANCELLED,
                chat_id=700_000 + number,
                due_at=clock.now(),
                booking_id=booking.id,
            )
        await writer.commit()
    first, second = StubSession(), StubSession()

    await asyncio.gather(
        make_sender(sessionmaker, clock, first, worker_id="one", batch_size=10).sweep(),
        make_sender(second_sessionmaker, clock, second, worker_id="two", batch_size=10).sweep(),
    )

    chats = Counter(message.chat_id for message in first.delivered + second.delivered)
    ours = {chat: n for chat, n in chats.items() if 700_000 <= chat < 700_000 + MESSAGES}
    assert len(ours) == MESSAGES  # none lost
    assert set(ours.values()) == {1}  # none twice
    assert first.delivered and second.delivered  # both really took part
    rows = await outbox_rows(sessionmaker, kind=Kind.STAFF_CANCELLED)
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    assert {row.claimed_by for row in rows} == {"one", "two"}
