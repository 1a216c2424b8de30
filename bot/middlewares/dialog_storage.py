"""The storage for aiogram-dialog, without aiogram's FSM state read of every update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import TelegramObject


class DialogStorageMiddleware(BaseMiddleware):
    """Puts the storage where aiogram-dialog looks for it (`fsm_storage`).

    It stands in for aiogram's FSM middleware, which also reads the chat's FSM
    state before every update for handlers filtered by state: one storage round
    trip an update (a GET on Redis) that nothing here uses. Every conversation is
    an aiogram-dialog dialog, which keeps its stacks and contexts under keys of
    its own; no handler filters on the FSM state, and tests/test_filters.py fails
    if one starts to.
    """

    def __init__(self, storage: BaseStorage) -> None:
        self.storage = storage

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["fsm_storage"] = self.storage
        return await handler(event, data)
