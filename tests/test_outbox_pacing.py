"""The pacing gate's spacing, and the sweep woken at once by a commit that enqueues."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from db.services.notifications import Kind
from db.services.outbox import enqueue, on_commit_enqueued
from scheduler.pacing import PacingGate
from scheduler.setup import Scheduling
from tests.factories import local, make_world
from tests.outbox_support import VirtualSleep, book, make_settings
from tests.stub_session import StubSession, stub_bot


async def test_gate_spaces_messages_overall_and_per_chat(clock):
    sleep = VirtualSleep(clock)
    gate = PacingGate(rate_per_second=10, clock=clock, sleep=sleep)
    start = clock.now()
    moments = []
    for chat in (1, 2, 1, 3, 1):
        await gate.wait(chat)
        moments.append((clock.now() - start).total_seconds())
    # 0.1 s apart overall; chat 1 waits a full second between its own messages.
    assert moments == [0.0, 0.1, 1.0, 1.1, 2.0]


async def test_flood_pause_holds_every_chat(clock):
    gate = PacingGate(rate_per_second=100, clock=clock, sleep=VirtualSleep(clock))
    start = clock.now()
    await gate.pause(5)
    await gate.wait(42)
    assert clock.now() - start == timedelta(seconds=5)


async def test_commit_that_enqueues_announces_its_earliest_due_time(sessionmaker, clock):
    heard = []
    unsubscribe = on_commit_enqueued(heard.append)
    try:
        async with sessionmaker() as session:
            for minutes in (30, 5, 60):
                await enqueue(
                    session,
                    kind=Kind.CLIENT_BOOKED,
                    chat_id=1,
                    due_at=clock.now() + timedelta(minutes=minutes),
                )
            await session.rollback()  # rolled back: nothing to announce
            await enqueue(session, kind=Kind.CLIENT_BOOKED, chat_id=1, due_at=clock.now())
            await session.commit()
    finally:
        unsubscribe()
    assert heard == [clock.now()]


async def test_a_booking_wakes_the_sweep_without_waiting_for_the_next_tick(
    sessionmaker, clock, session
):
    world = await make_world(session, staff_count=1)
    telegram = StubSession()
    first_delivery = asyncio.Event()
    telegram.after_delivery = lambda _message: first_delivery.set()
    scheduling = Scheduling(
        settings=make_settings(sweep_interval_seconds=3600),  # the tick alone would take an hour
        bot=stub_bot(telegram),
        sessionmaker=sessionmaker,
        clock=clock,
        sleep=VirtualSleep(clock),
    )
    scheduling.start()
    try:
        await asyncio.sleep(0.2)  # let the start-up runs of the jobs pass
        await book(
            sessionmaker, world, local(clock.now().date() + timedelta(days=2), "12:00"), clock.now()
        )
        await asyncio.wait_for(first_delivery.wait(), timeout=10)
    finally:
        await scheduling.shutdown()
    assert telegram.delivered
