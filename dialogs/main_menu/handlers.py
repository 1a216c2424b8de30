"""Entering the main menu from anywhere: /start, /cancel, a stale button."""

from __future__ import annotations

from aiogram.types import Message
from aiogram_dialog import DialogManager, ShowMode, StartMode

from dialogs.common import NOTICE, set_notice
from dialogs.states import MainMenuSG


async def open_main_menu(manager: DialogManager, *, notice: str | None = None) -> None:
    """The menu as a fresh message, with every older dialog dropped.

    A prompt with a reply keyboard (the phone step) left by a command (/cancel,
    /start) is deleted, which takes its keyboard away: left in the chat, its
    keyboard would cost a "..." message of its own (aiogram-dialog's way to
    remove one). After a button, aiogram-dialog would delete the tapped message
    instead, so there only its buttons go.
    """
    prompt_up = isinstance(manager.event, Message) and manager.current_stack().last_reply_keyboard
    await manager.start(
        MainMenuSG.main,
        data={NOTICE: notice} if notice else None,
        mode=StartMode.RESET_STACK,
        show_mode=ShowMode.DELETE_AND_SEND if prompt_up else ShowMode.SEND,
    )


async def show_start_notice(start_data: object, manager: DialogManager) -> None:
    """A notice passed by whoever opened the menu ("that button is outdated")."""
    if isinstance(start_data, dict) and isinstance(start_data.get(NOTICE), str):
        set_notice(manager, start_data[NOTICE])


async def show_result_notice(start_data: object, result: object, manager: DialogManager) -> None:
    """A notice a finished sub-dialog handed back ("language changed")."""
    await show_start_notice(result, manager)
