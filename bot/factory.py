"""The one place that builds the bot and the dispatcher.

`run.py`, the tests and the benchmarks all call `create_dispatcher`, so they run
the same wiring the users meet.
"""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import DisabledEventIsolation
from aiogram_dialog import setup_dialogs
from aiogram_dialog.api.protocols import MessageManagerProtocol
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import dialogs
from bot.config import Settings
from bot.dispatcher import BotDispatcher
from bot.handlers import common, confirmations, errors, feedback, reminders
from bot.middlewares.dialog_storage import DialogStorageMiddleware
from bot.middlewares.i18n import I18nMiddleware
from bot.middlewares.session import CommitBeforeTelegram, DbSessionMiddleware
from bot.middlewares.throttling import ThrottlingMiddleware
from bot.response_types import KeepResponseTypes
from bot.shutdown import finish_updates_in_hand
from bot.storage import create_storage
from db.clock import Clock, SystemClock
from db.services.client_cache import client_cache


def create_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    """`session` replaces the network (the benchmarks pass a stub Telegram)."""
    if session is None and settings.telegram_api_url:
        api = TelegramAPIServer.from_base(settings.telegram_api_url)
        session = AiohttpSession(api=api)
    bot = Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=None),
    )
    bot.session.middleware(KeepResponseTypes())
    bot.session.middleware(CommitBeforeTelegram())
    return bot


def create_dispatcher(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    storage: BaseStorage | None = None,
    clock: Clock | None = None,
    message_manager: MessageManagerProtocol | None = None,
    throttling: ThrottlingMiddleware | None = None,
) -> Dispatcher:
    """Build the dispatcher with every middleware, router and dialog.

    Middleware order matters: the session must exist before the language is
    looked up (the client's saved choice lives in the database).

    `throttling` defaults to the production limits; tests and benchmarks that
    drive a flow at machine speed pass one with a clock they control.
    """
    dp = BotDispatcher(
        storage=storage if storage is not None else create_storage(settings),
        # aiogram's FSM middleware reads a state nothing uses; see DialogStorageMiddleware.
        disable_fsm=True,
        settings=settings,
        sessionmaker=sessionmaker,
        clock=clock or SystemClock(),
        # For answers given without a query: a flooder's notice, the last apology.
        client_cache=client_cache(sessionmaker.kw["bind"]),
    )
    # Throttling first: a flood is dropped before it costs a storage read (the
    # dialog's stack), a database session or a language lookup.
    dp.update.outer_middleware(
        throttling or ThrottlingMiddleware(default_locale=settings.default_locale)
    )
    dp.update.outer_middleware(DialogStorageMiddleware(dp.storage))
    dp.update.outer_middleware(DbSessionMiddleware(sessionmaker))
    dp.update.outer_middleware(I18nMiddleware(settings.default_locale))
    dp.include_routers(common.create_router())
    # Buttons on messages the bot sent on its own (reminders, requests, feedback).
    dp.include_routers(
        reminders.create_router(), confirmations.create_router(), feedback.create_router()
    )
    # Client dialogs, their stale-button handler, and the fallback for what nobody
    # took: after every other message router (the fallback answers anything).
    dialogs.setup(dp)
    # Last, so specific error handlers in the routers above are tried first.
    dp.include_router(errors.create_router())
    # A chat's updates already take turns, error handling included (bot/chat_turns.py).
    setup_dialogs(dp, message_manager=message_manager, events_isolation=DisabledEventIsolation())
    # Before aiogram's own first shutdown handler, which closes the FSM storage:
    # an update still in hand must be able to save its dialog state.
    dp.shutdown.handlers.insert(0, HandlerObject(callback=finish_updates_in_hand))
    return dp
