"""The last line of defence: an update whose handler failed still gets an answer.

Registered after every specific error handler (stale dialog buttons and the
like), so only truly unexpected failures land here. The per-update session was
already rolled back by the time this runs, so nothing half-written remains;
the user gets a short apology instead of a spinning button or silence.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent, Update

from locales import Translator, get_translator

log = logging.getLogger(__name__)


async def answer_unexpected_error(event: ErrorEvent, bot: Bot, **data: Any) -> bool:
    update = event.update
    log.error("Update %s failed: %r", update.update_id, event.exception, exc_info=event.exception)
    settings = data.get("settings")
    i18n: Translator = data.get("i18n") or get_translator(
        settings.default_locale if settings else "en"
    )
    await apologize(bot, update, i18n)
    return True


async def apologize(bot: Bot, update: Update, i18n: Translator) -> None:
    """The short apology: an alert on a button, a message after a message."""
    text = i18n("error-generic")
    try:
        if update.callback_query is not None:
            await bot.answer_callback_query(update.callback_query.id, text, show_alert=True)
        elif update.message is not None:
            await bot.send_message(update.message.chat.id, text)
    except TelegramAPIError as error:  # the apology itself failed: nothing more to do
        log.warning("Could not tell the user about the failure: %s", error)


def create_router() -> Router:
    """A fresh router each call, so every dispatcher (tests build many) gets its own."""
    router = Router(name="errors")
    router.errors.register(answer_unexpected_error)
    return router
