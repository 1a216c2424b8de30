"""Staff answer a booking request in manual confirmation mode: Confirm or Decline.

The buttons carry only the booking id; the booking service decides who may
answer (the booking's staff member or an admin) and whether it is still open.
"""

from __future__ import annotations

import enum

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.handlers.callback_tools import RowId, edit_pressed_message, keyboard
from db.clock import Clock
from db.services.audit import Actor
from db.services.booking import cancel_booking, confirm_booking
from db.services.errors import BookingError
from locales import Translator


class StaffDecisionAction(enum.StrEnum):
    CONFIRM = "yes"
    DECLINE = "no"


class StaffDecision(CallbackData, prefix="bkd"):
    action: StaffDecisionAction
    booking_id: RowId


def decision_keyboard(i18n: Translator, booking_id: int) -> InlineKeyboardMarkup:
    def button(key: str, action: StaffDecisionAction) -> tuple[str, str]:
        return i18n(key), StaffDecision(action=action, booking_id=booking_id).pack()

    return keyboard(
        [
            button("notify-button-confirm", StaffDecisionAction.CONFIRM),
            button("notify-button-decline", StaffDecisionAction.DECLINE),
        ]
    )


def staff_actor(telegram_id: int, settings: Settings) -> Actor:
    return (
        Actor.admin(telegram_id) if telegram_id in settings.admin_ids else Actor.staff(telegram_id)
    )


async def on_staff_decision(
    query: CallbackQuery,
    callback_data: StaffDecision,
    session: AsyncSession,
    i18n: Translator,
    clock: Clock,
    settings: Settings,
) -> None:
    actor = staff_actor(query.from_user.id, settings)
    booking_id = callback_data.booking_id
    try:
        if callback_data.action == StaffDecisionAction.CONFIRM:
            await confirm_booking(session, booking_id=booking_id, actor=actor, now=clock.now())
            key = "confirmation-confirmed"
        else:
            await cancel_booking(
                session,
                booking_id=booking_id,
                actor=actor,
                now=clock.now(),
                admin_ids=settings.admin_ids,
            )
            key = "confirmation-declined"
    except BookingError as error:
        await query.answer(i18n(error.i18n_key), show_alert=True)
        return
    await query.answer(i18n(key))
    original = query.message.text if isinstance(query.message, Message) else None
    await edit_pressed_message(query, text=f"{original}\n\n{i18n(key)}" if original else None)


def create_router() -> Router:
    """A fresh router each call: a router belongs to one dispatcher only."""
    router = Router(name="confirmations")
    router.callback_query.register(on_staff_decision, StaffDecision.filter())
    return router
