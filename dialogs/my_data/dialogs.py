"""My data: what is stored, and deleting it after a confirm step."""

from __future__ import annotations

from aiogram_dialog import Dialog, Window
from aiogram_dialog.widgets.kbd import Button, SwitchTo

from dialogs.common import I18nText, Notice, menu_button, unexpected_input
from dialogs.my_data import getters, handlers
from dialogs.states import MyDataSG


def my_data_dialog() -> Dialog:
    """A fresh dialog: a router belongs to one dispatcher, and tests build many."""
    return Dialog(
        Window(
            Notice(),
            I18nText("my-data-text"),
            SwitchTo(I18nText("my-data-erase"), id="erase", state=MyDataSG.erase_confirm),
            menu_button(),
            unexpected_input(),
            state=MyDataSG.main,
            getter=getters.stored_data,
        ),
        Window(
            Notice(),
            I18nText("my-data-erase-confirm"),
            Button(I18nText("my-data-erase-yes"), id="erase_yes", on_click=handlers.on_erase),
            SwitchTo(I18nText("my-data-erase-no"), id="erase_no", state=MyDataSG.main),
            unexpected_input(),
            state=MyDataSG.erase_confirm,
            getter=getters.stored_data,
        ),
        Window(
            Notice(),
            I18nText("my-data-erased"),
            menu_button(),
            unexpected_input(),
            state=MyDataSG.erased,
            getter=getters.erased,
        ),
    )
