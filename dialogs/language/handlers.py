"""Switching the client's language; remembered in `Client.locale` for every later update."""

from __future__ import annotations

from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.kbd import Button

from bot.commands import set_chat_commands
from db.services.clients import set_locale
from dialogs.common import current_client, db_session, done_with_notice
from locales import SUPPORTED_LOCALES, get_translator


async def on_language(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    locale = (button.widget_id or "").removeprefix("lang_")
    if locale not in SUPPORTED_LOCALES:
        return
    client = await current_client(manager)
    await set_locale(db_session(manager), client, locale)
    # This update already carries the old translator: swap it so the menu
    # shown next speaks the new language at once.
    i18n = get_translator(locale)
    manager.middleware_data["i18n"] = i18n
    manager.middleware_data["locale"] = locale
    await done_with_notice(manager, i18n("language-changed"))
    # The command menu by the message field too, once the menu is on screen; a
    # refusal is logged and the switch stands.
    chat = manager.middleware_data["event_chat"]
    await set_chat_commands(manager.middleware_data["bot"], chat.id, locale)
