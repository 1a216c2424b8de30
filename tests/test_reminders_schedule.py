"""When reminders and digests fall due, on ordinary days and on DST days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from db.models import OutboxStatus
from db.services.business import get_business
from db.services.notifications import Kind, digest_due, plan_daily_digests
from tests.factories import local, make_world
from tests.outbox_support import book, make_sender, outbox_rows
from tests.stub_session import StubSession

BERLIN = "Europe/Berlin"
SPRING_FORWARD = date(2026, 3, 29)  # 02:00 CET becomes 03:00 CEST
FALL_BACK = date(2026, 10, 25)  # 03:00 CEST becomes 02:00 CET


@pytest.mark.parametrize(
    ("visit_day", "utc_offset_hours"), [(SPRING_FORWARD, 2), (FALL_BACK, 1)], ids=["spring", "fall"]
)
async def test_reminders_on_dst_days_fall_due_at_elapsed_offsets_and_show_local_time(
    sessionmaker, clock, session, visit_day, utc_offset_hours
):
    world = await make_world(session, staff_count=1, timezone=BERLIN)
    clock.set(datetime.combine(visit_day - timedelta(days=4), datetime.min.time(), tzinfo=UTC))
    starts_at = local(visit_day, "10:00", BERLIN)
    assert starts_at.hour == 10 - utc_offset_hours
    booking = await book(sessionmaker, world, starts_at, clock.now())
    telegram = StubSession()
    sender = make_sender(sessionmaker, clock, telegram)
    await sender.sweep()

    reminders = await outbox_rows(sessionmaker, booking_id=booking.id, kind=Kind.REMINDER)
    assert sorted(row.due_at for row in reminders) == [
        starts_at - timedelta(hours=24),
        starts_at - timedelta(hours=2),
    ]
    for row in sorted(reminders, key=lambda row: row.due_at):
        clock.set(row.due_at - timedelta(seconds=1))
        assert (await sender.sweep()).sent == 0
        clock.set(row.due_at)
        assert (await sender.sweep()).sent == 1
        text = telegram.delivered[-1].text
        assert "10:00" in text, text
        assert str(visit_day.day) in text


@pytest.mark.parametrize(
    ("day", "due_utc_hour"), [(date(2026, 3, 29), 18), (date(2026, 3, 28), 19)]
)
async def test_digest_is_due_at_the_local_hour_on_either_side_of_a_dst_change(
    session, day, due_utc_hour
):
    business = await get_business(session)
    business.timezone = BERLIN
    business.digest_hour = 20
    agenda_day, due_at = digest_due(business, datetime(day.year, day.month, day.day, 6, tzinfo=UTC))
    assert agenda_day == day + timedelta(days=1)
    assert due_at == datetime(day.year, day.month, day.day, due_utc_hour, tzinfo=UTC)


async def test_daily_digest_lists_tomorrow_once_per_staff_member(sessionmaker, clock, session):
    world = await make_world(session, staff_count=1)
    tomorrow = (clock.now() + timedelta(days=1)).date()
    await book(sessionmaker, world, local(tomorrow, "11:00"), clock.now())
    await book(
        sessionmaker, world, local(tomorrow, "15:00"), clock.now(), client_id=world.other_client_id
    )
    for _ in range(2):  # the planner runs every few minutes: still one digest
        async with sessionmaker() as planner:
            await plan_daily_digests(planner, now=clock.now())
            await planner.commit()
    telegram = StubSession()
    sender = make_sender(sessionmaker, clock, telegram)
    await sender.sweep()  # the booking notices; the digest waits for 20:00 local
    staff_chat = world.staff_telegram_ids[0]
    assert not any(text.startswith("📋") for text in telegram.sent_texts(staff_chat))

    clock.set(local(clock.now().date(), "20:00"))
    await sender.sweep()

    digests = [text for text in telegram.sent_texts(staff_chat) if text.startswith("📋")]
    assert len(digests) == 1
    assert "2 записи" in digests[0]
    assert "11:00" in digests[0] and "15:00" in digests[0]
    (row,) = await outbox_rows(sessionmaker, kind=Kind.DAILY_DIGEST)
    assert row.status == OutboxStatus.SENT
