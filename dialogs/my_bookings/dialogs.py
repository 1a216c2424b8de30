"""My bookings: upcoming visits, one visit with cancel and move, past visits."""

from __future__ import annotations

from operator import itemgetter

from aiogram import F
from aiogram_dialog import Dialog, Window
from aiogram_dialog.widgets.kbd import Button, Column, Row, Select, Start, SwitchTo
from aiogram_dialog.widgets.text import Format

from dialogs.common import I18nText, Notice, menu_button, show_result_notice, unexpected_input
from dialogs.my_bookings import getters, handlers
from dialogs.states import BookingSG, MyBookingsSG


def back_to(state: object, widget_id: str) -> SwitchTo:
    return SwitchTo(I18nText("button-back"), id=widget_id, state=state)


def my_bookings_dialog() -> Dialog:
    """A fresh dialog: a router belongs to one dispatcher, and tests build many."""
    return Dialog(
        Window(
            Notice(),
            I18nText("my-bookings-upcoming"),
            Column(
                Select(
                    Format("{item[1]}"),
                    id="booking",
                    item_id_getter=itemgetter(0),
                    items="bookings",
                    on_click=handlers.on_booking,
                ),
            ),
            Row(
                SwitchTo(I18nText("my-bookings-past-button"), id="past", state=MyBookingsSG.past),
                Start(I18nText("menu-book"), id="book", state=BookingSG.service),
            ),
            menu_button(),
            unexpected_input(),
            state=MyBookingsSG.upcoming,
            getter=getters.upcoming,
        ),
        Window(
            Notice(),
            I18nText("my-bookings-detail"),
            Row(
                Button(
                    I18nText("my-bookings-reschedule"),
                    id="reschedule",
                    on_click=handlers.on_reschedule,
                    when=F["movable"],
                ),
                SwitchTo(
                    I18nText("my-bookings-cancel"), id="cancel", state=MyBookingsSG.cancel_confirm
                ),
                when=F["changeable"],
            ),
            back_to(MyBookingsSG.upcoming, "detail_back"),
            unexpected_input(),
            state=MyBookingsSG.detail,
            getter=getters.detail,
        ),
        Window(
            Notice(),
            I18nText("my-bookings-cancel-confirm"),
            Button(
                I18nText("my-bookings-cancel-yes"), id="cancel_yes", on_click=handlers.on_cancel
            ),
            SwitchTo(I18nText("my-bookings-cancel-no"), id="cancel_no", state=MyBookingsSG.detail),
            unexpected_input(),
            state=MyBookingsSG.cancel_confirm,
            getter=getters.detail,
        ),
        Window(
            Notice(),
            I18nText("my-bookings-past"),
            Column(
                Select(
                    Format("↻ {item[1]}"),
                    id="again",
                    item_id_getter=itemgetter(0),
                    items="repeatable",
                    on_click=handlers.on_book_again,
                ),
            ),
            back_to(MyBookingsSG.upcoming, "past_back"),
            unexpected_input(),
            state=MyBookingsSG.past,
            getter=getters.past,
        ),
        on_start=handlers.open_from_start,
        # Booking refused at once (the limit): the reason, where Book was tapped.
        on_process_result=show_result_notice,
    )
