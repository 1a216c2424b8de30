"""Entering the main menu from anywhere: /start, /cancel, a stale button."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Chat, Message
from aiogram_dialog import DialogManager, ShowMode, StartMode

from dialogs.common import NOTICE, incoming_update
from dialogs.states import MainMenuSG

log = logging.getLogger(__name__)


async def open_main_menu(
    manager: DialogManager, *, notice: str | None = None, shown: bool = True
) -> None:
    """The menu as a fresh message, with every older dialog dropped; `shown=False`
    puts it under a dialog started next, which is then shown in its place.
    """
    if shown and isinstance(incoming_update(manager).event, CallbackQuery):
        await _delete_reply_keyboard_prompt(manager)
    await manager.start(
        MainMenuSG.main,
        data={NOTICE: notice} if notice else None,
        mode=StartMode.RESET_STACK,
        show_mode=fresh_message(manager) if shown else ShowMode.NO_UPDATE,
    )


def fresh_message(manager: DialogManager) -> ShowMode:
    """How a screen opened from anywhere is shown: as a new message.

    A prompt with a reply keyboard (the phone step) left by a command (/cancel,
    /start) is deleted, which takes its keyboard away: left in the chat, its
    keyboard would cost a "..." message of its own (aiogram-dialog's way to
    remove one). After a button, aiogram-dialog would delete the tapped message
    instead, so there only its buttons go (see `open_main_menu` for the prompt).
    """
    prompt_up = (
        isinstance(incoming_update(manager).event, Message)
        and manager.current_stack().last_reply_keyboard
    )
    return ShowMode.DELETE_AND_SEND if prompt_up else ShowMode.SEND


async def _delete_reply_keyboard_prompt(manager: DialogManager) -> None:
    """A button tapped on an older message while the phone prompt is up: deleting
    the prompt takes its share-contact keyboard away with it."""
    stack = manager.current_stack()
    if not (stack.last_reply_keyboard and stack.last_message_id):
        return
    bot: Bot = manager.middleware_data["bot"]
    chat: Chat = manager.middleware_data["event_chat"]
    try:
        await bot.delete_message(chat.id, stack.last_message_id)
    except TelegramAPIError as error:  # gone already: the keyboard went with it
        log.info("Could not delete the phone prompt: %s", error)
    stack.last_reply_keyboard = False
