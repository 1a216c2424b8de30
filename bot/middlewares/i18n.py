"""Picks the user's language and puts a `Translator` into handler data as `i18n`.

The client's saved choice lives in the database and is read through the client
cache (db/services/client_cache.py): an update whose user the cache knows costs
no query for it, whatever it does next.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession

from db.services.client_cache import ClientCache, client_cache
from db.services.clients import get_client
from locales import Translator, get_translator, pick_locale


def known_translator(
    user: User | None, cache: ClientCache | None, default_locale: str
) -> Translator:
    """The user's language as far as it is known without a query: the saved choice
    if `cache` has it fresh, else Telegram's, else the default. For answers given
    outside the language middleware (a flood, a failure)."""
    saved = cache.known_locale(user.id) if cache is not None and user is not None else None
    language = user.language_code if user is not None else None
    return get_translator(pick_locale(saved, language, default=default_locale))


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
        session: AsyncSession | None = data.get("session")
        saved = await _saved_locale(session, user.id) if user and session else None
        locale = pick_locale(
            saved, user.language_code if user else None, default=self.default_locale
        )
        data["locale"] = locale
        data["i18n"] = get_translator(locale)
        return await handler(event, data)


async def _saved_locale(session: AsyncSession, telegram_id: int) -> str | None:
    """From the client cache; on a miss through `get_client`, so the handler that
    asks for the client next (nearly every one: a new user's first update creates
    it) reads it no second time."""
    cached = client_cache(session.sync_session).lookup(telegram_id)
    if isinstance(cached, dict):
        return cast(str | None, cached["locale"])
    if cached is None:
        return None
    client = await get_client(session, telegram_id)
    return client.locale if client is not None else None
