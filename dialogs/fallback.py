"""Whatever no dialog and no command took: an unknown command, a forged button.

Included after every other router, so it only sees updates nobody else handled.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import DialogManager

from bot.filters import AnyCommand, PrivateChat
from dialogs.main_menu import open_main_menu
from locales import Translator


def create_router() -> Router:
    router = Router(name="dialogs-fallback")
    router.message.filter(PrivateChat())
    router.message.register(unknown_command, AnyCommand())
    router.message.register(outside_any_dialog)
    router.callback_query.register(unknown_button)
    return router


async def unknown_command(message: Message, i18n: Translator) -> None:
    await message.answer(i18n("unknown-command"))


async def outside_any_dialog(message: Message, dialog_manager: DialogManager) -> None:
    """A message with no dialog open (say, after a restart): the menu is the way in."""
    await open_main_menu(dialog_manager)


async def unknown_button(
    query: CallbackQuery, dialog_manager: DialogManager, i18n: Translator
) -> None:
    """Callback data no dialog recognises (forged or from a removed button)."""
    notice = i18n("stale-button")
    await query.answer(notice)
    await open_main_menu(dialog_manager, notice=notice)
