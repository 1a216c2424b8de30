"""Parsed-answer classes stay alive across garbage collections (see bot.response_types)."""

from __future__ import annotations

import gc
import weakref

from aiogram.methods import Response
from aiogram.types import Message

from bot.config import Settings
from bot.factory import create_bot
from tests.stub_session import STUB_TOKEN, StubSession


async def test_response_classes_survive_garbage_collection() -> None:
    bot = create_bot(Settings(bot_token=STUB_TOKEN), session=StubSession())
    await bot.send_message(chat_id=1, text="hello")
    parsed_with = weakref.ref(Response[Message])
    gc.collect()
    assert parsed_with() is not None
