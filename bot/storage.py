"""The FSM storage that holds aiogram-dialog stacks and contexts."""

from __future__ import annotations

import logging
from datetime import timedelta

from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage

from bot.config import Settings

log = logging.getLogger(__name__)


def create_storage(settings: Settings) -> BaseStorage:
    """Redis when `REDIS_URL` is set, with a TTL so abandoned dialogs expire.

    aiogram-dialog keeps each dialog under its own key, so the key builder must
    include the destiny (`with_destiny=True`).
    """
    if settings.redis_url:
        ttl = timedelta(days=settings.redis_state_ttl_days)
        return RedisStorage.from_url(
            settings.redis_url,
            key_builder=DefaultKeyBuilder(with_destiny=True),
            state_ttl=ttl,
            data_ttl=ttl,
        )
    log.warning("REDIS_URL is not set: dialogs are kept in memory and do not survive a restart")
    return MemoryStorage()
