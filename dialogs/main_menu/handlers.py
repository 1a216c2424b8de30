"""Entering the main menu from anywhere: /start, /cancel, a stale button."""

from __future__ import annotations

from aiogram.types import Message
from aiogram_dialog import DialogManager, ShowMode, StartMode

from dialogs.common import NOTICE
from dialogs.states import MainMenuSG


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
        show_mode=fresh_message(manager) if shown else ShowMode.NO_UPDATE,
    )


def fresh_message(manager: DialogManager) -> ShowMode:
    """How a screen opened from anywhere is shown: as a new message.

    A prompt with a reply keyboard (the phone step) left by a command (/cancel,
    /start) is deleted, which takes its keyboard away: left in the chat, its
    keyboard would cost a "..." message of its own (aiogram-dialog's way to
    remove one). After a button, aiogram-dialog would delete the tapped message
    instead, so there only its buttons go.
    """
    prompt_up = isinstance(manager.event, Message) and manager.current_stack().last_reply_keyboard
    return ShowMode.DELETE_AND_SEND if prompt_up else ShowMode.SEND
