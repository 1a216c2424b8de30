"""Language: Russian or English."""

from __future__ import annotations

from aiogram_dialog import Dialog, Window
from aiogram_dialog.widgets.kbd import Button, Row

from dialogs.common import I18nText, Notice, menu_button, unexpected_input
from dialogs.language.handlers import on_language
from dialogs.states import LanguageSG
from locales import SUPPORTED_LOCALES


def language_dialog() -> Dialog:
    """A fresh dialog: a router belongs to one dispatcher, and tests build many."""
    return Dialog(
        Window(
            Notice(),
            I18nText("language-pick"),
            Row(
                *(
                    Button(
                        I18nText(f"language-{locale}"), id=f"lang_{locale}", on_click=on_language
                    )
                    for locale in SUPPORTED_LOCALES
                )
            ),
            menu_button(),
            unexpected_input(),
            state=LanguageSG.main,
        ),
    )
