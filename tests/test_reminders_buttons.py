"""The buttons on messages the bot sent on its own, pressed days later by a fresh process.

Each test builds the production dispatcher after the "restart" and feeds it the
press as Telegram would send it; only Telegram itself is a stub.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select

from bot.factory import create_dispatcher
from bot.handlers.confirmations import StaffDecision, StaffDecisionAction
from bot.handlers.feedback import FeedbackRating
from bot.handlers.reminders import ReminderAction, ReminderCallback
from bot.middlewares.throttling import ThrottlingMiddleware
from db.models import (
    AuditEntry,
    Booking,
    BookingStatus,
    BusinessSettings,
    Client,
    ConfirmationMode,
    Feedback,
)
from db.services.notifications import Kind
from locales import get_translator
from scheduler.jobs import complete_finished_bookings
from tests.factories import ADMIN_ID, local, make_world
from tests.outbox_support import book, make_sender, make_settings, outbox_rows
from tests.stub_session import BOT_ID, StubSession, stub_bot

_update_ids = itertools.count(1)
RU = get_translator("ru")


class Telegram:
    """One user's side of the chat, talking to a freshly started bot."""

    def __init__(self, sessionmaker, clock) -> None:
        self.session = StubSession()
        self.bot = stub_bot(self.session)
        self.dp = create_dispatcher(
            make_settings(),
            sessionmaker,
            storage=MemoryStorage(),
            clock=clock,
            throttling=ThrottlingMiddleware(burst=1000, rate=1000),
        )

    def _user(self, user_id: int) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": "User", "language_code": "ru"}

    async def press(self, user_id: int, data: str, *, text: str = "⏰") -> AnswerCallbackQuery:
        """Press a button on a message in `user_id`'s chat; returns the answer to the press."""
        update = {
            "update_id": next(_update_ids),
            "callback_query": {
                "id": str(next(_update_ids)),
                "from": self._user(user_id),
                "chat_instance": "1",
                "data": data,
                "message": {
                    "message_id": 77,
                    "date": 1,
                    "chat": {"id": user_id, "type": "private"},
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Zapis"},
                    "text": text,
                },
            },
        }
        before = len(self.session.requests)
        await self.dp.feed_raw_update(self.bot, update)
        answers = [r for r in self.session.requests[before:] if isinstance(r, AnswerCallbackQuery)]
        assert len(answers) == 1, self.session.requests[before:]
        return answers[0]

    async def reply(self, user_id: int, text: str, *, to_text: str) -> list[SendMessage]:
        update = {
            "update_id": next(_update_ids),
            "message": {
                "message_id": next(_update_ids),
                "date": 1,
                "chat": {"id": user_id, "type": "private"},
                "from": self._user(user_id),
                "text": text,
                "reply_to_message": {
                    "message_id": 78,
                    "date": 1,
                    "chat": {"id": user_id, "type": "private"},
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Zapis"},
                    "text": to_text,
                },
            },
        }
        before = len(self.session.requests)
        await self.dp.feed_raw_update(self.bot, update)
        return [r for r in self.session.requests[before:] if isinstance(r, SendMessage)]


@pytest.fixture
def telegram(sessionmaker, clock) -> Telegram:
    """The bot as freshly started (after the restart the tests imply)."""
    return Telegram(sessionmaker, clock)


@pytest.fixture
async def world(session):
    return await make_world(session, staff_count=1)


async def telegram_id(sessionmaker, client_id: int) -> int:
    async with sessionmaker() as session:
        return (await session.get(Client, client_id)).telegram_id


async def status_of(sessionmaker, booking_id: int) -> BookingStatus:
    async with sessionmaker() as session:
        return (await session.get(Booking, booking_id)).status


@pytest.fixture
async def booking(sessionmaker, clock, world):
    """A visit four days ahead; the bot is then "restarted" three days later."""
    starts_at = local(clock.now().date() + timedelta(days=4), "12:00")
    made = await book(sessionmaker, world, starts_at, clock.now())
    clock.advance(timedelta(days=3))
    return made


def data(action: ReminderAction, booking_id: int) -> str:
    return ReminderCallback(action=action, booking_id=booking_id).pack()


async def test_owner_says_they_will_come_days_later(telegram, sessionmaker, clock, world, booking):
    owner = await telegram_id(sessionmaker, world.client_id)
    answer = await telegram.press(owner, data(ReminderAction.COMING, booking.id))
    assert answer.text == RU("reminder-coming-thanks") and not answer.show_alert
    async with sessionmaker() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert "attendance_confirmed" in actions


@pytest.mark.parametrize(
    "action",
    [
        ReminderAction.COMING,
        ReminderAction.CANCEL,
        ReminderAction.CANCEL_YES,
        ReminderAction.RESCHEDULE,
    ],
)
async def test_someone_else_pressing_changes_nothing_and_is_told(
    telegram, sessionmaker, clock, world, booking, action
):
    stranger = await telegram_id(sessionmaker, world.other_client_id)
    answer = await telegram.press(stranger, data(action, booking.id))
    assert answer.show_alert and answer.text == RU("booking-error-not-yours")
    assert await status_of(sessionmaker, booking.id) == BookingStatus.CONFIRMED
    assert not [r for r in telegram.session.requests if not isinstance(r, AnswerCallbackQuery)]
    unknown = await telegram.press(12345, data(action, booking.id))  # never used the bot
    assert unknown.show_alert


async def test_owner_cancels_after_confirming_the_question(
    telegram, sessionmaker, clock, world, booking
):
    owner = await telegram_id(sessionmaker, world.client_id)
    await telegram.press(owner, data(ReminderAction.CANCEL, booking.id))
    assert await status_of(sessionmaker, booking.id) == BookingStatus.CONFIRMED  # asked first
    kept = await telegram.press(owner, data(ReminderAction.KEEP, booking.id))
    assert kept.text.startswith("Хорошо")
    answer = await telegram.press(owner, data(ReminderAction.CANCEL_YES, booking.id))
    assert answer.text.startswith("Ваша запись отменена")
    assert await status_of(sessionmaker, booking.id) == BookingStatus.CANCELLED
    staff_told = await outbox_rows(sessionmaker, kind=Kind.STAFF_CANCELLED)
    assert {row.chat_id for row in staff_told} == {world.staff_telegram_ids[0], ADMIN_ID}
    again = await telegram.press(owner, data(ReminderAction.CANCEL_YES, booking.id))
    assert again.show_alert  # a second tap on a stale button: told, nothing breaks


async def test_cancel_after_the_deadline_is_refused_with_the_reason(
    telegram, sessionmaker, clock, world, booking
):
    owner = await telegram_id(sessionmaker, world.client_id)
    clock.set(booking.starts_at - timedelta(minutes=30))
    answer = await telegram.press(owner, data(ReminderAction.CANCEL_YES, booking.id))
    assert answer.show_alert and answer.text == RU("booking-error-past-deadline")
    assert await status_of(sessionmaker, booking.id) == BookingStatus.CONFIRMED


async def test_a_refusal_only_the_business_can_help_with_gives_its_phone(
    telegram, sessionmaker, clock, world, booking
):
    async with sessionmaker() as session:
        (await session.get(BusinessSettings, 1)).phone = "+7 495 123-45-67"
        await session.commit()
    owner = await telegram_id(sessionmaker, world.client_id)
    clock.set(booking.starts_at - timedelta(minutes=30))

    answer = await telegram.press(owner, data(ReminderAction.CANCEL_YES, booking.id))

    assert answer.show_alert
    assert answer.text == RU("booking-error-past-deadline") + "\n" + RU(
        "booking-call-us", phone="+7 495 123-45-67"
    )


async def test_cancel_past_the_deadline_asks_nothing_and_keep_offers_no_change(
    telegram, sessionmaker, clock, world, booking
):
    """No question whose "Yes" can only be refused, and no button back that can only
    be refused either."""
    owner = await telegram_id(sessionmaker, world.client_id)
    await telegram.press(owner, data(ReminderAction.CANCEL, booking.id))  # asked in time
    clock.set(booking.starts_at - timedelta(minutes=30))

    kept = await telegram.press(owner, data(ReminderAction.KEEP, booking.id))
    restored = edited_markups(telegram)[-1]
    assert kept.text.startswith("Хорошо")
    assert [[b.text for b in row] for row in restored.inline_keyboard] == [
        [RU("notify-button-coming")]
    ]
    edits = len(edited_markups(telegram))
    answer = await telegram.press(owner, data(ReminderAction.CANCEL, booking.id))
    assert answer.show_alert and answer.text == RU("booking-error-past-deadline")
    assert len(edited_markups(telegram)) == edits  # no question asked


def edited_markups(telegram: Telegram) -> list[InlineKeyboardMarkup]:
    return [
        r.reply_markup for r in telegram.session.requests if isinstance(r, EditMessageReplyMarkup)
    ]


async def test_owner_reschedule_opens_the_booking_dialog(
    telegram, sessionmaker, clock, world, booking
):
    owner = await telegram_id(sessionmaker, world.client_id)
    answer = await telegram.press(owner, data(ReminderAction.RESCHEDULE, booking.id))
    assert not answer.show_alert
    kinds = [type(request).__name__ for request in telegram.session.requests]
    assert kinds[-1] == "SendMessage"  # the dialog opens below the reminder
    assert "EditMessageText" not in kinds  # and the reminder's text stays


async def test_staff_confirm_a_pending_booking_and_strangers_cannot(
    telegram, sessionmaker, clock, session
):
    world = await make_world(session, staff_count=1, confirmation_mode=ConfirmationMode.MANUAL)
    pending = await book(
        sessionmaker, world, local(clock.now().date() + timedelta(days=2), "12:00"), clock.now()
    )
    requests = await outbox_rows(sessionmaker, kind=Kind.CONFIRM_REQUEST)
    assert {row.chat_id for row in requests} == {world.staff_telegram_ids[0], ADMIN_ID}
    confirm = StaffDecision(action=StaffDecisionAction.CONFIRM, booking_id=pending.id).pack()

    client = await telegram_id(sessionmaker, world.client_id)
    refused = await telegram.press(client, confirm, text="🕓")
    assert refused.show_alert
    assert await status_of(sessionmaker, pending.id) == BookingStatus.PENDING

    answer = await telegram.press(world.staff_telegram_ids[0], confirm, text="🕓")
    assert answer.text.startswith("✅ Подтверждено")
    assert await status_of(sessionmaker, pending.id) == BookingStatus.CONFIRMED
    assert await outbox_rows(sessionmaker, kind=Kind.CLIENT_CONFIRMED)


async def test_completed_visit_gets_a_feedback_request_and_stores_rating_and_comment(
    telegram, sessionmaker, clock, world, booking
):
    clock.set(booking.ends_at + timedelta(minutes=1))
    assert await complete_finished_bookings(sessionmaker, clock) == 1
    assert await status_of(sessionmaker, booking.id) == BookingStatus.COMPLETED
    delivery = StubSession()
    await make_sender(sessionmaker, clock, delivery).sweep()
    owner = await telegram_id(sessionmaker, world.client_id)
    (request,) = [m for m in delivery.sent_to(owner) if m.text.startswith("Как прошёл визит")]
    assert [b.text for b in request.reply_markup.inline_keyboard[0]] == ["1", "2", "3", "4", "5"]

    four = FeedbackRating(booking_id=booking.id, rating=4).pack()
    stranger = await telegram_id(sessionmaker, world.other_client_id)
    assert (await telegram.press(stranger, four, text=request.text)).show_alert
    forged = FeedbackRating(booking_id=booking.id, rating=9).pack()
    refused = await telegram.press(owner, forged, text=request.text)
    assert refused.show_alert and refused.text == RU("feedback-error-rating")
    answer = await telegram.press(owner, four, text=request.text)
    assert not answer.show_alert
    question = [r for r in telegram.session.requests if isinstance(r, SendMessage)][-1]
    replies = await telegram.reply(owner, "Всё отлично", to_text=question.text)
    assert replies[-1].text == "Спасибо, ваш комментарий сохранён!"

    async with sessionmaker() as session:
        feedback = (await session.scalars(select(Feedback))).one()
    assert (feedback.booking_id, feedback.rating, feedback.comment) == (
        booking.id,
        4,
        "Всё отлично",
    )
    assert (await complete_finished_bookings(sessionmaker, clock)) == 0
