"""Delivery: what is sent when, to whom, and what Telegram's refusals do to a row."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from db.models import BusinessSettings, Client, OutboxStatus
from db.services.audit import Actor
from db.services.booking import cancel_booking, complete_booking, reschedule_booking
from db.services.clients import erase_client
from db.services.notifications import Kind
from db.services.outbox import MAX_ATTEMPTS
from tests.factories import ADMIN_ID, local, make_client, make_world
from tests.outbox_support import VirtualSleep, book, make_sender, outbox_rows
from tests.stub_session import Failure, StubSession

VISIT_DAY = date(2026, 11, 26)


@pytest.fixture
async def world(session):
    return await make_world(session, staff_count=1)


async def chat_of(sessionmaker, client_id: int) -> int:
    async with sessionmaker() as session:
        return (await session.get(Client, client_id)).telegram_id


async def test_new_booking_is_told_to_client_staff_and_admin_once(sessionmaker, clock, world):
    telegram = StubSession()
    sender = make_sender(sessionmaker, clock, telegram)
    await book(sessionmaker, world, local(VISIT_DAY, "12:00"), clock.now())

    report = await sender.sweep()
    again = await sender.sweep()

    client_chat = await chat_of(sessionmaker, world.client_id)
    assert report.sent == 3 and again.total == 0
    assert telegram.sent_texts(client_chat)[0].startswith("✅ Вы записаны!")
    assert "26 ноября" in telegram.sent_texts(client_chat)[0]
    assert "12:00" in telegram.sent_texts(client_chat)[0]
    assert telegram.sent_texts(world.staff_telegram_ids[0])[0].startswith("🆕 Новая запись")
    assert len(telegram.sent_texts(ADMIN_ID)) == 1
    immediate = [row for row in await outbox_rows(sessionmaker) if row.kind != Kind.REMINDER]
    assert {row.status for row in immediate} == {OutboxStatus.SENT}


async def test_text_follows_the_recipients_language(sessionmaker, clock, world):
    async with sessionmaker() as session:
        client = await session.get(Client, world.client_id)
        client.locale = "en"
        await session.commit()
    telegram = StubSession()
    await book(sessionmaker, world, local(VISIT_DAY, "12:00"), clock.now())
    await make_sender(sessionmaker, clock, telegram).sweep()
    client_chat = await chat_of(sessionmaker, world.client_id)
    assert telegram.sent_texts(client_chat)[0].startswith("✅ You are booked!")


async def test_reminders_go_out_at_their_offsets_and_only_once(sessionmaker, clock, world):
    telegram = StubSession()
    sender = make_sender(sessionmaker, clock, telegram)
    starts_at = local(VISIT_DAY, "12:00")
    await book(sessionmaker, world, starts_at, clock.now())
    await sender.sweep()
    client_chat = await chat_of(sessionmaker, world.client_id)
    assert len(telegram.sent_to(client_chat)) == 1  # the confirmation only

    clock.set(starts_at - timedelta(hours=24, seconds=1))
    assert (await sender.sweep()).total == 0
    clock.set(starts_at - timedelta(hours=24))
    assert (await sender.sweep()).sent == 1
    clock.set(starts_at - timedelta(hours=2))
    assert (await sender.sweep()).sent == 1
    assert (await sender.sweep()).total == 0

    reminders = telegram.sent_to(client_chat)[1:]
    assert [m.text.startswith("⏰") for m in reminders] == [True, True]
    assert all("12:00" in m.text for m in reminders)
    buttons = reminders[0].reply_markup.inline_keyboard
    assert [len(row) for row in buttons] == [1, 2]


async def test_a_reminder_past_the_change_deadline_offers_no_change_but_whom_to_call(
    sessionmaker, session, clock, world
):
    """The 2-hour reminder falls due as the default 2-hour deadline passes: Cancel
    and Reschedule there could only be refused, so it says whom to call instead."""
    business = await session.get(BusinessSettings, 1)
    business.phone = "+7 495 123-45-67"
    await session.commit()
    telegram = StubSession()
    sender = make_sender(sessionmaker, clock, telegram)
    starts_at = local(VISIT_DAY, "12:00")
    await book(sessionmaker, world, starts_at, clock.now())
    clock.set(starts_at - timedelta(hours=24))
    await sender.sweep()
    clock.set(starts_at - timedelta(hours=2) + timedelta(seconds=5))  # the next sweep
    await sender.sweep()

    client_chat = await chat_of(sessionmaker, world.client_id)
    early, late = [m for m in telegram.sent_to(client_chat) if m.text.startswith("⏰")]
    assert [len(row) for row in early.reply_markup.inline_keyboard] == [1, 2]
    assert "+7 495 123-45-67" not in early.text
    assert [[b.text for b in row] for row in late.reply_markup.inline_keyboard] == [["✅ Приду"]]
    assert late.text.endswith("позвоните нам: +7 495 123-45-67")


async def test_a_reminder_says_today_or_tomorrow_as_of_the_moment_it_is_sent(
    sessionmaker, clock, world
):
    """The 24-hour reminder of a 12:00 visit is "tomorrow", the 2-hour one "today"; the
    full date stays on a line of its own."""
    telegram = StubSession()
    sender = make_sender(sessionmaker, clock, telegram)
    starts_at = local(VISIT_DAY, "12:00")
    await book(sessionmaker, world, starts_at, clock.now())
    for offset in (timedelta(hours=24), timedelta(hours=2)):
        clock.set(starts_at - offset)
        await sender.sweep()

    client_chat = await chat_of(sessionmaker, world.client_id)
    early, late = [text for text in telegram.sent_texts(client_chat) if text.startswith("⏰")]
    assert early.startswith("⏰ Ваш визит в ") and "— завтра в 12:00:" in early.split("\n")[0]
    assert "— сегодня в 12:00:" in late.split("\n")[0]
    assert all("четверг, 26 ноября, 12:00" in text for text in (early, late))


async def test_a_reminder_sent_late_after_midnight_says_today_in_the_business_zone(
    sessionmaker, session, clock, world
):
    """Queued as the 24-hour reminder ("tomorrow"), sent after downtime at 01:00 local
    on the visit's day, when it is still the day before in UTC: it says "today"."""
    client = await session.get(Client, world.client_id)
    client.locale = "en"
    await session.commit()
    telegram = StubSession()
    starts_at = local(VISIT_DAY, "10:00")
    await book(sessionmaker, world, starts_at, clock.now())
    clock.set(local(VISIT_DAY, "01:00"))
    assert clock.now().date() < VISIT_DAY
    await make_sender(sessionmaker, clock, telegram).sweep()

    client_chat = await chat_of(sessionmaker, world.client_id)
    (reminder,) = [text for text in telegram.sent_texts(client_chat) if text.startswith("⏰")]
    headline = reminder.split("\n")[0]
    assert headline.startswith("⏰ Your visit to ") and " is today at 10:00" in headline
    assert "Thursday, 26 November, 10:00" in reminder.split("\n")[-1]


async def test_a_reminder_days_ahead_gives_the_date_without_today_or_tomorrow(
    sessionmaker, session, clock, world
):
    business = await session.get(BusinessSettings, 1)
    business.reminder_offsets_minutes = [2 * 24 * 60]
    await session.commit()
    telegram = StubSession()
    starts_at = local(VISIT_DAY, "12:00")
    await book(sessionmaker, world, starts_at, clock.now())
    clock.set(starts_at - timedelta(days=2))
    await make_sender(sessionmaker, clock, telegram).sweep()

    client_chat = await chat_of(sessionmaker, world.client_id)
    (reminder,) = [text for text in telegram.sent_texts(client_chat) if text.startswith("⏰")]
    assert reminder.startswith("⏰ Напоминаем о визите в ")
    assert "сегодня" not in reminder and "завтра" not in reminder
    assert "четверг, 26 ноября, 12:00" in reminder


async def test_cancelled_booking_gets_no_reminder(sessionmaker, clock, world):
    telegram = StubSession()
    sender = make_sender(sessionmaker, clock, telegram)
    starts_at = local(VISIT_DAY, "12:00")
    booking = await book(sessionmaker, world, starts_at, clock.now())
    async with sessionmaker() as session:
        await cancel_booking(
            session, booking_id=booking.id, actor=Actor.admin(ADMIN_ID), now=clock.now()
        )
        await session.commit()

    clock.set(starts_at - timedelta(hours=1))
    await sender.sweep()

    client_chat = await chat_of(sessionmaker, world.client_id)
    assert not any(text.startswith("⏰") for text in telegram.sent_texts(client_chat))
    reminders = await outbox_rows(sessionmaker, kind=Kind.REMINDER)
    assert {row.status for row in reminders} == {OutboxStatus.SKIPPED}


async def test_a_client_who_erased_their_data_is_sent_nothing_more(sessionmaker, clock, world):
    """Erasing cancels the upcoming visits (staff are told) and a feedback request may
    still be queued; none of it goes to the chat of a client who asked to be forgotten:
    they were told on the spot, and the notice would come in the default language."""
    telegram = StubSession()
    sender = make_sender(sessionmaker, clock, telegram)
    client_chat = await chat_of(sessionmaker, world.client_id)
    done = await book(sessionmaker, world, local(VISIT_DAY, "12:00"), clock.now())
    await book(sessionmaker, world, local(VISIT_DAY + timedelta(days=1), "12:00"), clock.now())
    await sender.sweep()
    clock.set(local(VISIT_DAY, "12:30"))
    async with sessionmaker() as session:  # marked done early: feedback due at its end
        await complete_booking(
            session, booking_id=done.id, actor=Actor.admin(ADMIN_ID), now=clock.now()
        )
        await erase_client(session, client_id=world.client_id, now=clock.now())
        await session.commit()
    before = len(telegram.sent_to(client_chat))

    clock.set(local(VISIT_DAY, "13:05"))
    await sender.sweep()

    assert telegram.sent_texts(client_chat)[before:] == []
    assert any("отменена" in text for text in telegram.sent_texts(world.staff_telegram_ids[0]))


@pytest.mark.parametrize(
    ("locale", "reason"),
    [("ru", "Причина: клиент удалил свои данные"), ("en", "Reason: the client deleted their data")],
    ids=["ru", "en"],
)
async def test_staff_read_why_an_erasure_cancelled_a_visit_in_their_language(
    sessionmaker, clock, world, locale, reason
):
    """The erasure's cancel reason is a code: staff see it translated, never the
    internal English words."""
    staff_chat = world.staff_telegram_ids[0]
    async with sessionmaker() as session:  # the staff member uses the bot in `locale`
        await make_client(session, telegram_id=staff_chat, locale=locale)
        await session.commit()
    telegram = StubSession()
    sender = make_sender(sessionmaker, clock, telegram)
    await book(sessionmaker, world, local(VISIT_DAY, "12:00"), clock.now())
    await sender.sweep()
    async with sessionmaker() as session:
        await erase_client(
            session, client_id=world.client_id, now=clock.now(), admin_ids=[ADMIN_ID]
        )
        await session.commit()

    await sender.sweep()

    (notice,) = [text for text in telegram.sent_texts(staff_chat) if text.startswith("❌")]
    assert notice.endswith("\n" + reason)
    (to_admin,) = [text for text in telegram.sent_texts(ADMIN_ID) if text.startswith("❌")]
    assert to_admin.endswith("Причина: клиент удалил свои данные")  # the default language


async def test_moved_booking_gets_fresh_reminders_and_the_old_ones_are_dropped(
    sessionmaker, clock, world
):
    telegram = StubSession()
    sender = make_sender(sessionmaker, clock, telegram)
    booking = await book(sessionmaker, world, local(VISIT_DAY, "12:00"), clock.now())
    new_start = local(VISIT_DAY + timedelta(days=1), "16:00")
    async with sessionmaker() as session:
        await reschedule_booking(
            session,
            booking_id=booking.id,
            actor=Actor.admin(ADMIN_ID),
            starts_at=new_start,
            now=clock.now(),
        )
        await session.commit()

    clock.set(new_start - timedelta(hours=1))
    await sender.sweep()

    client_chat = await chat_of(sessionmaker, world.client_id)
    reminders = [text for text in telegram.sent_texts(client_chat) if text.startswith("⏰")]
    assert len(reminders) == 2 and all("16:00" in text for text in reminders)
    rows = await outbox_rows(sessionmaker, kind=Kind.REMINDER)
    assert sorted(row.status for row in rows) == sorted(
        [OutboxStatus.SKIPPED] * 2 + [OutboxStatus.SENT] * 2
    )


async def test_downtime_over_a_reminder_sends_it_late_while_the_visit_is_ahead(
    sessionmaker, clock, world
):
    telegram = StubSession()
    starts_at = local(VISIT_DAY, "12:00")
    await book(sessionmaker, world, starts_at, clock.now())
    # The bot is down from now until 5 hours before the visit: the 24 h reminder is late.
    clock.set(starts_at - timedelta(hours=5))
    report = await make_sender(sessionmaker, clock, telegram).sweep()

    client_chat = await chat_of(sessionmaker, world.client_id)
    assert [t[0] for t in telegram.sent_texts(client_chat)] == ["✅", "⏰"]
    assert report.sent == 4  # confirmation, staff, admin, the late reminder

    # Down again past the visit: the 2 h reminder is pointless now and skipped, never sent.
    clock.set(starts_at + timedelta(minutes=5))
    report = await make_sender(sessionmaker, clock, telegram).sweep()
    assert report.skipped == 1 and report.sent == 0
    assert len(telegram.sent_texts(client_chat)) == 2


async def test_retry_after_waits_the_given_time_and_sends(sessionmaker, clock, world):
    telegram = StubSession()
    sleep = VirtualSleep(clock)
    sender = make_sender(sessionmaker, clock, telegram, sleep=sleep)
    await book(sessionmaker, world, local(VISIT_DAY, "12:00"), clock.now())
    telegram.fail_next(retry_after=7, times=2)

    report = await sender.sweep()

    assert sleep.pauses.count(7) == 2
    assert report.sent == 3
    assert len(telegram.requests) == 5  # two refused, three delivered
    assert len(telegram.delivered) == 3


async def test_blocked_bot_marks_the_client_and_drops_their_messages(sessionmaker, clock, world):
    telegram = StubSession()
    starts_at = local(VISIT_DAY, "12:00")
    await book(sessionmaker, world, starts_at, clock.now())
    client_chat = await chat_of(sessionmaker, world.client_id)
    telegram.block(client_chat)

    report = await make_sender(sessionmaker, clock, telegram).sweep()

    assert report.dropped == 1 and report.sent == 2
    async with sessionmaker() as session:
        client = await session.get(Client, world.client_id)
        assert client.blocked_bot is True
    rows = await outbox_rows(sessionmaker, chat_id=client_chat)
    assert {row.status for row in rows} == {OutboxStatus.DROPPED}  # the reminders too
    clock.set(starts_at - timedelta(hours=1))
    assert (await make_sender(sessionmaker, clock, telegram).sweep()).total == 0


async def test_other_errors_retry_with_backoff_then_fail_with_the_error_kept(
    sessionmaker, clock, world
):
    telegram = StubSession()
    sender = make_sender(sessionmaker, clock, telegram)
    await book(sessionmaker, world, local(VISIT_DAY, "12:00"), clock.now())
    admin_row = (await outbox_rows(sessionmaker, chat_id=ADMIN_ID))[0]

    statuses = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        telegram.fail_next(Failure.server(), times=3)
        await sender.sweep()
        row = (await outbox_rows(sessionmaker, id=admin_row.id))[0]
        statuses.append(row.status)
        assert row.attempts == attempt
        assert "Internal Server Error" in row.last_error
        clock.set(max(row.due_at, clock.now()) + timedelta(seconds=1))

    assert statuses == [OutboxStatus.PENDING] * (MAX_ATTEMPTS - 1) + [OutboxStatus.FAILED]
    assert telegram.delivered == []
