"""Telegram, stubbed for benchmarks: the tests' `StubSession`, telling who watches.

A simulated user has to see what the bot showed to press its buttons: each sent
or edited message comes back carrying its inline keyboard, as from Telegram,
and `on_message` sees every such answer (the benchmark keeps the last one per
chat). `latency` seconds pass before each answer, as over the network to the
real Telegram. Everything else, including the JSON round trip a real session
makes of every answer, is the tests' stub.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message

from tests.stub_session import StubSession


class WatchedSession(StubSession):
    def __init__(self, on_message: Callable[[Message], None], *, latency: float = 0.0) -> None:
        super().__init__()
        self.on_message = on_message
        self.latency = latency

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        if self.latency:
            await asyncio.sleep(self.latency)
        result = await super().make_request(bot, method, timeout)
        self.requests.clear()  # a long run must not keep every request
        self.delivered.clear()
        if isinstance(result, Message):
            self.on_message(result)
        return result
