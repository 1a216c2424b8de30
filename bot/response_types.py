"""Keeps the response classes aiogram parses Bot API answers with alive.

aiogram reads every answer as `Response[T]` (T: what the method returns).
pydantic caches such parametrized classes only weakly, so after a garbage
collection the next request builds the class again, which takes 10–20 ms of CPU
(the booking-flow benchmark rebuilt one every three updates or so). Holding each
class once it is built makes it a dictionary lookup.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType


class KeepResponseTypes(BaseRequestMiddleware):
    """A Bot session middleware: `bot.session.middleware(KeepResponseTypes())`."""

    def __init__(self) -> None:
        self._kept: dict[Any, type[Response[Any]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._kept:
            self._kept[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)
