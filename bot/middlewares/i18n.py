"""Picks the user's language and puts a `Translator` into handler data as `i18n`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Client
from locales import get_translator, pick_locale


class I18nMiddleware(BaseMiddleware):
    """The client's saved choice wins, then Telegram's language, then the default."""

    def __init__(self, default_locale: str) -> None:
        self.default_locale = default_locale

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        saved: str | None = None
        session: AsyncSession | None = data.get("session")
        if user is not None and session is not None:
            saved = await session.scalar(select(Client.locale).where(Client.telegram_id == user.id))
        locale = pick_locale(
            saved, user.language_code if user else None, default=self.default_locale
        )
        data["locale"] = locale
        data["i18n"] = get_translator(locale)
        return await handler(event, data)
