"""Erasing the client's data on their request."""

from __future__ import annotations

from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.kbd import Button

from bot.commands import reset_chat_commands
from db.services.clients import ClientDataError, erase_client
from dialogs.common import current_client, db_session, now, set_notice, settings_of, translator
from dialogs.my_data.keys import CANCELLED
from dialogs.states import MyDataSG


async def on_erase(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    client = await current_client(manager)
    try:
        cancelled = await erase_client(
            db_session(manager),
            client_id=client.id,
            now=now(manager),
            admin_ids=settings_of(manager).admin_ids,
        )
    except ClientDataError as error:
        set_notice(manager, translator(manager)(error.i18n_key))
        await manager.switch_to(MyDataSG.main)
        return
    manager.dialog_data[CANCELLED] = cancelled
    await manager.switch_to(MyDataSG.erased)
    # The command menu of the chat set when they chose a language; the erasure is
    # committed before this request, and a refusal is logged and changes nothing.
    chat = manager.middleware_data["event_chat"]
    await reset_chat_commands(manager.middleware_data["bot"], chat.id)
