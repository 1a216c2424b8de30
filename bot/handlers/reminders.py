"""The reminder's buttons: "I'll come", "Cancel" (asked twice) and "Reschedule".

Plain callback data holding the booking id, not dialog state, so a button works
days later and after any restart. Each press loads the booking and checks that
it belongs to the presser: anyone else changes nothing and is told so.
"""

from __future__ import annotations

import enum
from datetime import datetime

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram_dialog import DialogManager
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.handlers.callback_tools import RowId, client_of, edit_pressed_message, keyboard
from db.clock import Clock
from db.models import ACTIVE_STATUSES, Booking
from db.services.audit import Actor
from db.services.booking import (
    cancel_booking,
    changeable_booking,
    confirm_booking,
    get_client_booking,
)
from db.services.errors import BookingError, NotActive, NotYours, PastCancelDeadline
from dialogs.common import refusal_text
from dialogs.my_bookings import start_reschedule
from locales import Translator


class ReminderAction(enum.StrEnum):
    COMING = "come"
    CANCEL = "cancel"
    CANCEL_YES = "cancel_yes"
    KEEP = "keep"
    RESCHEDULE = "move"


class ReminderCallback(CallbackData, prefix="rmd"):
    action: ReminderAction
    booking_id: RowId


def reminder_keyboard(
    i18n: Translator, booking_id: int, *, changeable: bool = True
) -> InlineKeyboardMarkup:
    """ "I'll come", and Cancel and Reschedule while the client may still change it."""

    def button(key: str, action: ReminderAction) -> tuple[str, str]:
        return i18n(key), ReminderCallback(action=action, booking_id=booking_id).pack()

    rows = [[button("notify-button-coming", ReminderAction.COMING)]]
    if changeable:
        rows.append(
            [
                button("notify-button-cancel", ReminderAction.CANCEL),
                button("notify-button-reschedule", ReminderAction.RESCHEDULE),
            ]
        )
    return keyboard(*rows)


def _cancel_question_keyboard(i18n: Translator, booking_id: int) -> InlineKeyboardMarkup:
    def button(key: str, action: ReminderAction) -> tuple[str, str]:
        return i18n(key), ReminderCallback(action=action, booking_id=booking_id).pack()

    return keyboard(
        [
            button("reminder-button-cancel-yes", ReminderAction.CANCEL_YES),
            button("reminder-button-keep", ReminderAction.KEEP),
        ]
    )


async def _presser_actor(session: AsyncSession, query: CallbackQuery, booking_id: int) -> Actor:
    """The presser as the booking's client; `NotYours` for anyone else."""
    client = await client_of(session, query.from_user.id)
    if client is None:
        raise NotYours
    await get_client_booking(session, booking_id=booking_id, client_id=client.id)
    return Actor.client(client)


async def _own_active_booking(
    session: AsyncSession, query: CallbackQuery, booking_id: int
) -> tuple[Actor, Booking]:
    actor = await _presser_actor(session, query, booking_id)
    booking = await session.get(Booking, booking_id)
    if booking is None or booking.status not in ACTIVE_STATUSES:
        raise NotActive
    return actor, booking


async def on_reminder_button(
    query: CallbackQuery,
    callback_data: ReminderCallback,
    session: AsyncSession,
    i18n: Translator,
    clock: Clock,
    settings: Settings,
    dialog_manager: DialogManager,
) -> None:
    booking_id = callback_data.booking_id
    now = clock.now()
    try:
        if callback_data.action == ReminderAction.RESCHEDULE:
            await _own_active_booking(session, query, booking_id)
            await query.answer()
            await start_reschedule(dialog_manager, booking_id)
            return
        await _ACTIONS[callback_data.action](query, session, i18n, now, settings, booking_id)
    except BookingError as error:  # past the deadline, say, with the phone to call
        await query.answer(await refusal_text(dialog_manager, error), show_alert=True)


async def _coming(
    query: CallbackQuery,
    session: AsyncSession,
    i18n: Translator,
    now: datetime,
    _settings: Settings,
    booking_id: int,
) -> None:
    actor = await _presser_actor(session, query, booking_id)
    await confirm_booking(session, booking_id=booking_id, actor=actor, now=now)
    await query.answer(i18n("reminder-coming-thanks"))
    await edit_pressed_message(query, markup=None)


async def _ask_cancel(
    query: CallbackQuery,
    session: AsyncSession,
    i18n: Translator,
    now: datetime,
    _settings: Settings,
    booking_id: int,
) -> None:
    """Asked only when "Yes" can still cancel: past the deadline, the refusal at once."""
    actor = await _presser_actor(session, query, booking_id)
    await changeable_booking(session, booking_id=booking_id, actor=actor, now=now)
    await query.answer(i18n("reminder-cancel-question"))
    await edit_pressed_message(query, markup=_cancel_question_keyboard(i18n, booking_id))


async def _cancel(
    query: CallbackQuery,
    session: AsyncSession,
    i18n: Translator,
    now: datetime,
    settings: Settings,
    booking_id: int,
) -> None:
    actor = await _presser_actor(session, query, booking_id)
    await cancel_booking(
        session, booking_id=booking_id, actor=actor, now=now, admin_ids=settings.admin_ids
    )
    await query.answer(i18n("reminder-cancelled"))
    await edit_pressed_message(query, text=i18n("reminder-cancelled"))


async def _keep(
    query: CallbackQuery,
    session: AsyncSession,
    i18n: Translator,
    now: datetime,
    _settings: Settings,
    booking_id: int,
) -> None:
    actor, _ = await _own_active_booking(session, query, booking_id)
    try:
        await changeable_booking(session, booking_id=booking_id, actor=actor, now=now)
        changeable = True
    except PastCancelDeadline:  # kept past the deadline: no button that can only be refused
        changeable = False
    await query.answer(i18n("reminder-kept"))
    markup = reminder_keyboard(i18n, booking_id, changeable=changeable)
    await edit_pressed_message(query, markup=markup)


_ACTIONS = {
    ReminderAction.COMING: _coming,
    ReminderAction.CANCEL: _ask_cancel,
    ReminderAction.CANCEL_YES: _cancel,
    ReminderAction.KEEP: _keep,
}


def create_router() -> Router:
    """A fresh router each call: a router belongs to one dispatcher only."""
    router = Router(name="reminders")
    router.callback_query.register(on_reminder_button, ReminderCallback.filter())
    return router
