"""Entering the main menu from anywhere: /start, /cancel, a stale button; and how
any screen opened from anywhere is shown (`fresh_screen`)."""

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
    await manager.start(
        MainMenuSG.main,
        data={NOTICE: notice} if notice else None,
        mode=StartMode.RESET_STACK,
        show_mode=await fresh_screen(manager) if shown else ShowMode.NO_UPDATE,
    )


async def fresh_screen(manager: DialogManager) -> ShowMode:
    """How a screen opened from anywhere (the menu, a deep link's booking, a
    reminder's move) is shown: as a new message, with the phone prompt's
    share-contact keyboard taken away. Every way out of the phone step that is
    not one of its own buttons comes through here.

    After a command (/cancel, /start) aiogram-dialog deletes the prompt itself
    (DELETE_AND_SEND), which takes its keyboard away: left in the chat, the
    keyboard would cost a "..." message of its own (aiogram-dialog's way to
    remove one). After a button it would delete the tapped message instead, so
    the prompt is deleted here.
    """
    event = incoming_update(manager).event
    if isinstance(event, CallbackQuery):
        await _delete_reply_keyboard_prompt(manager)
    elif isinstance(event, Message) and manager.current_stack().last_reply_keyboard:
        return ShowMode.DELETE_AND_SEND
    return ShowMode.SEND


async def _delete_reply_keyboard_prompt(manager: DialogManager) -> None:
    """A button tapped on another message (an older one, a reminder) while the phone
    prompt is up: deleting the prompt takes its share-contact keyboard away with
    it. aiogram-dialog would not: it knows the prompt's keyboard only as the last
    message's, and after a button the last message is the one tapped."""
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
