"""The booking dialog: service → staff → day → time → phone → name → confirm → done.

Moving a booking reuses the same day, time and confirm windows (started at the
day step with `RESCHEDULE_ID`), so there is one calendar and one time grid.
"""

from __future__ import annotations

from operator import itemgetter

from aiogram import F
from aiogram_dialog import Dialog, ShowMode, StartMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import (
    Button,
    Column,
    Group,
    RequestContact,
    Row,
    Select,
    Start,
)
from aiogram_dialog.widgets.markup.reply_keyboard import ReplyKeyboardFactory
from aiogram_dialog.widgets.text import Format

from bot.filters import PlainText, SharedContact
from dialogs.booking import getters, handlers
from dialogs.booking.month_grid import MonthGrid
from dialogs.common import I18nText, Notice, menu_button, unexpected_input
from dialogs.states import BookingSG, MyBookingsSG

TIMES_PER_ROW = 4


def back_button() -> Button:
    return Button(I18nText("button-back"), id="back", on_click=handlers.on_back)


def id_select(widget_id: str, items: str, on_click: object) -> Select[str]:
    """Buttons from (id, label) pairs the getter made."""
    return Select(
        Format("{item[1]}"),
        id=widget_id,
        item_id_getter=itemgetter(0),
        items=items,
        on_click=on_click,
    )


def booking_dialog() -> Dialog:
    """A fresh dialog: a router belongs to one dispatcher, and tests build many."""
    return Dialog(
        Window(
            Notice(),
            I18nText("booking-pick-service", when=F["has_services"] & ~F["preset_staff"]),
            I18nText("booking-pick-service-of", when=F["has_services"] & F["preset_staff"]),
            I18nText("booking-no-services", when=~F["has_services"]),
            Column(id_select("service", "services", handlers.on_service)),
            Row(back_button(), menu_button()),
            unexpected_input(),
            state=BookingSG.service,
            getter=getters.services,
        ),
        Window(
            Notice(),
            I18nText("booking-pick-staff"),
            Column(id_select("staff", "staff", handlers.on_staff)),
            Button(
                I18nText("booking-any-staff"),
                id="any_staff",
                on_click=handlers.on_any_staff,
                when=F["has_staff"],
            ),
            Row(back_button(), menu_button()),
            unexpected_input(),
            state=BookingSG.staff,
            getter=getters.staff,
        ),
        Window(
            Notice(),
            I18nText("booking-pick-day", when=F["has_days"]),
            I18nText("booking-no-days", when=~F["has_days"] & ~F["rescheduling"]),
            I18nText("booking-no-days-move", when=~F["has_days"] & F["rescheduling"]),
            MonthGrid("day", on_day=handlers.on_day, on_month=handlers.on_month),
            Row(back_button(), menu_button()),
            unexpected_input(),
            state=BookingSG.day,
            getter=getters.days,
        ),
        Window(
            Notice(),
            I18nText("booking-pick-time"),
            Group(id_select("time", "times", handlers.on_time), width=TIMES_PER_ROW),
            Row(back_button(), menu_button()),
            unexpected_input(),
            state=BookingSG.time,
            getter=getters.times,
        ),
        Window(
            Notice(),
            I18nText("booking-ask-phone"),
            RequestContact(I18nText("booking-share-phone")),
            Row(
                Button(I18nText("button-back"), id="phone_back", on_click=handlers.on_back),
                # Deleting the prompt takes its keyboard away, with no "..." message.
                menu_button(show_mode=ShowMode.DELETE_AND_SEND),
            ),
            MessageInput(handlers.on_contact, filter=SharedContact()),
            MessageInput(handlers.on_phone_text, filter=PlainText()),
            unexpected_input("hint-type-phone"),
            markup_factory=ReplyKeyboardFactory(resize_keyboard=True, one_time_keyboard=True),
            state=BookingSG.phone,
        ),
        Window(
            Notice(),
            I18nText("booking-ask-name"),
            MessageInput(handlers.on_name, filter=PlainText()),
            Row(back_button(), menu_button()),
            unexpected_input("hint-type-name"),
            state=BookingSG.name,
        ),
        Window(
            Notice(),
            I18nText("booking-ask-comment"),
            MessageInput(handlers.on_comment, filter=PlainText()),
            Button(
                I18nText("booking-no-comment"), id="skip_comment", on_click=handlers.on_skip_comment
            ),
            back_button(),
            unexpected_input("hint-type-comment"),
            state=BookingSG.comment,
        ),
        Window(
            Notice(),
            I18nText("booking-confirm", when=~F["rescheduling"]),
            I18nText("booking-confirm-move", when=F["rescheduling"] & ~F["already_there"]),
            # Moved there meanwhile (by staff): nothing to confirm, Back to the times.
            I18nText("booking-move-already-there", when=F["already_there"]),
            Button(
                I18nText("booking-confirm-button"),
                id="confirm",
                on_click=handlers.on_confirm,
                when=~F["already_there"],
            ),
            Row(
                Button(I18nText("booking-comment-button"), id="comment", on_click=handlers.on_edit),
                Button(I18nText("booking-phone-button"), id="phone", on_click=handlers.on_edit),
                when=~F["rescheduling"],
            ),
            Row(back_button(), menu_button()),
            unexpected_input(),
            state=BookingSG.confirm,
            getter=getters.confirm,
        ),
        # Whatever comes next is a new message: the confirmation stays in the chat.
        Window(
            Notice(),
            I18nText("booking-done", when=~F["rescheduling"] & ~F["pending"]),
            I18nText("booking-done-pending", when=~F["rescheduling"] & F["pending"]),
            I18nText("booking-moved", when=F["rescheduling"]),
            Start(
                I18nText("menu-my-bookings"),
                id="to_my_bookings",
                state=MyBookingsSG.upcoming,
                mode=StartMode.RESET_STACK,
                show_mode=ShowMode.SEND,
            ),
            menu_button(ShowMode.SEND),
            unexpected_input(),
            state=BookingSG.done,
            getter=getters.done,
        ),
        on_start=handlers.start_flow,
    )
