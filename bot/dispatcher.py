"""The bot's dispatcher: a chat's updates take turns, and none is left unanswered.

aiogram's error handlers answer an update that failed (bot/handlers/errors.py).
When the error handling fails as well, the exception leaves `feed_update` and
polling only logs it: the client gets silence, or a button that keeps spinning.
That is what a Redis outage did: aiogram-dialog's error middleware reads the
dialog stack again to handle the error, and when that read fails too it hides
the error under a KeyError of its own (`IntentErrorMiddleware`, aiogram-dialog
2.6). So the dispatcher takes what is left, logs it and sends the same apology.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.types import Update

from bot.chat_turns import TurnTakingDispatcher
from bot.handlers.errors import apologize
from bot.middlewares.i18n import known_translator

log = logging.getLogger(__name__)


class BotDispatcher(TurnTakingDispatcher):
    """See the module docstring. Built by `bot.factory.create_dispatcher`."""

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        try:
            return await super().feed_update(bot, update, **kwargs)
        except Exception as error:
            log.error(
                "Update %s failed, and so did its error handling: %r",
                update.update_id,
                error,
                exc_info=error,
            )
            user = UserContextMiddleware.resolve_event_context(update).user
            i18n = known_translator(user, self["client_cache"], self["settings"].default_locale)
            await apologize(bot, update, i18n)
            return None
