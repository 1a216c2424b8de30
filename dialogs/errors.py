"""Stale buttons lead home: the one handler for aiogram-dialog's "this dialog is gone".

A button from an old message, or from before a restart with in-memory storage,
or from a stack whose states were renamed, points at a dialog that no longer
exists. The client gets a short notice on the button and a fresh main menu.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent
from aiogram_dialog import DialogManager
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent, UnknownState
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.main_menu import open_main_menu
from locales import Translator

log = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name="dialog-errors")
    router.errors.register(
        on_stale_dialog, ExceptionTypeFilter(UnknownIntent, OutdatedIntent, UnknownState)
    )
    return router


async def on_stale_dialog(
    event: ErrorEvent,
    dialog_manager: DialogManager,
    i18n: Translator,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> bool:
    query = event.update.callback_query
    if query is not None and _repeated_tap(event, dialog_manager, query):
        await query.answer()
        return True
    log.info("Stale dialog in update %s: %s", event.update.update_id, event.exception)
    notice = i18n("stale-button")
    if query is not None:
        try:
            await query.answer(notice)
        except TelegramAPIError as error:  # too old to answer: the menu below still helps
            log.info("Could not answer a stale button: %s", error)
    # Error handlers run outside the per-update session middleware: the session in
    # the handler data is already closed, and reusing it would leave a transaction
    # (on SQLite, a write lock) open. The menu gets a session of its own.
    async with sessionmaker() as session:
        dialog_manager.middleware_data["session"] = session
        await open_main_menu(dialog_manager, notice=notice)
        await session.commit()
    return True


def _repeated_tap(event: ErrorEvent, manager: DialogManager, query: CallbackQuery) -> bool:
    """A tap on the message the chat's dialogs show right now, for a dialog under
    the one on screen or one already closed: a button tapped twice (or delivered
    twice), the first tap having opened a new dialog in that same message, or
    closed its own there (Menu, Back out of booking, a language). The message
    already shows what the first tap did: nothing to do."""
    if not isinstance(event.exception, OutdatedIntent | UnknownIntent) or query.message is None:
        return False
    # A stack found broken (its dialog lost) is emptied: that is a stale button.
    stack = manager.current_stack()
    return not stack.empty() and query.message.message_id == stack.last_message_id
