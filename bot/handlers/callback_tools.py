"""Small helpers the notification buttons' handlers share."""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Annotated

from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import MAX_ID, Client

log = logging.getLogger(__name__)

# A booking id in a button's data: anything else is forged, and is not taken for
# the button (it is then answered as an unknown one), never sent to the database.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Inline buttons from rows of (text, callback data)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in rows
        ]
    )


async def client_of(session: AsyncSession, telegram_id: int) -> Client | None:
    return await session.scalar(select(Client).where(Client.telegram_id == telegram_id))


async def edit_pressed_message(
    query: CallbackQuery, *, text: str | None = None, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Change the message under the pressed button; a message too old or already
    changed is left as it is (the answer to the press says what happened)."""
    message = query.message
    if not isinstance(message, Message):
        return
    with suppress(TelegramAPIError):
        if text is not None:
            await message.edit_text(text, reply_markup=markup)
        else:
            await message.edit_reply_markup(reply_markup=markup)
