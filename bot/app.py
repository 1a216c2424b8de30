"""The bot's life: start polling, stop cleanly."""

from __future__ import annotations

import asyncio
import gc
import logging

from aiogram import Bot
from aiogram.exceptions import ClientDecodeError, TelegramAPIError

from bot.commands import set_client_commands
from bot.config import DEFAULT_TELEGRAM_API_URL, Settings
from bot.factory import create_bot, create_dispatcher
from bot.startup import STARTUP_TIMEOUT_SECONDS, startup_step
from bot.storage import create_storage
from db.engine import create_engine, create_sessionmaker
from db.services.business import ensure_business
from scheduler.setup import Scheduling

log = logging.getLogger(__name__)


def freeze_startup_heap() -> None:
    """Everything loaded before the first update (modules, the dispatcher, caches of
    translations) lives as long as the process: keep the collector from walking it.

    Without this every full collection walked it: a 280 ms pause every ~1,200
    updates in bench/dialog_flow.py, 13 ms with it. The benchmark calls this too,
    at the same point, so that it measures what production runs.
    """
    gc.freeze()


async def run_bot(settings: Settings) -> None:
    """Long polling until SIGINT or SIGTERM.

    aiogram's polling handles both signals: it stops fetching, lets the updates
    in hand finish, and returns; then the storage, the bot session and the
    database are closed here. Pending updates are never dropped: Telegram keeps
    them for 24 hours, and a client's tap during a restart deserves an answer.
    """
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        await ensure_business(session, settings.timezone)
    storage = create_storage(settings)
    bot: Bot = create_bot(settings)
    dp = create_dispatcher(settings, sessionmaker, storage=storage)
    scheduling = Scheduling(settings=settings, bot=bot, sessionmaker=sessionmaker)
    try:
        # The database and Redis were reached before aiogram was imported (bot/cli.py).
        # A Bot API out of reach, or one that rejects the token, stops the start here.
        api_url = settings.telegram_api_url or DEFAULT_TELEGRAM_API_URL
        failures = (TelegramAPIError, ClientDecodeError, TimeoutError)
        with startup_step("TELEGRAM_API_URL", api_url, *failures):
            async with asyncio.timeout(STARTUP_TIMEOUT_SECONDS):
                me = await bot.get_me()
        log.info("Starting Zapis as @%s", me.username)
        await bot.delete_webhook(drop_pending_updates=False)
        await set_client_commands(bot, settings.default_locale)
        scheduling.start()
        freeze_startup_heap()
        await dp.start_polling(bot, handle_signals=True, close_bot_session=True)
    finally:
        await scheduling.shutdown()
        await storage.close()
        await bot.session.close()
        await engine.dispose()
        log.info("Zapis stopped")
