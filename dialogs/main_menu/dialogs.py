"""The main menu: the greeting and the way into every client flow."""

from __future__ import annotations

from aiogram import F
from aiogram_dialog import Dialog, Window
from aiogram_dialog.widgets.kbd import Column, Start

from dialogs.common import (
    I18nText,
    Notice,
    show_result_notice,
    show_start_notice,
    unexpected_input,
)
from dialogs.main_menu.getters import greeting
from dialogs.states import AboutSG, BookingSG, LanguageSG, MainMenuSG, MyBookingsSG, MyDataSG


def main_menu_dialog() -> Dialog:
    """A fresh dialog: a router belongs to one dispatcher, and tests build many."""
    return Dialog(
        Window(
            Notice(),
            I18nText("start-greeting", when=F["name"]),
            I18nText("start-greeting-unnamed", when=~F["name"]),
            Column(
                Start(I18nText("menu-book"), id="book", state=BookingSG.service),
                Start(I18nText("menu-my-bookings"), id="my_bookings", state=MyBookingsSG.upcoming),
                Start(I18nText("menu-about"), id="about", state=AboutSG.main),
                Start(I18nText("menu-language"), id="language", state=LanguageSG.main),
                Start(I18nText("menu-my-data"), id="my_data", state=MyDataSG.main),
            ),
            unexpected_input(),
            state=MainMenuSG.main,
            getter=greeting,
        ),
        on_start=show_start_notice,
        on_process_result=show_result_notice,
    )
