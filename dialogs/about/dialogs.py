"""About and contacts."""

from __future__ import annotations

from aiogram import F
from aiogram_dialog import Dialog, Window
from aiogram_dialog.widgets.kbd import Button

from dialogs.about import getters, handlers
from dialogs.common import I18nText, Notice, menu_button, unexpected_input
from dialogs.states import AboutSG


def about_dialog() -> Dialog:
    """A fresh dialog: a router belongs to one dispatcher, and tests build many."""
    return Dialog(
        Window(
            Notice(),
            I18nText("about-text"),
            Button(
                I18nText("about-location"),
                id="location",
                on_click=handlers.on_location,
                when=F["has_location"],
            ),
            menu_button(),
            unexpected_input(),
            state=AboutSG.main,
            getter=getters.about,
        ),
    )
