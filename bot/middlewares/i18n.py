"""Picks the user's language and puts a `Translator` into handler data as `i18n`.

The client's saved choice lives in the database. Reading it was one query on
every update (a tenth of a booking flow's queries, and on SQLite the reason an
update that needs nothing else still took the write lock), so it is cached per
dispatcher. A new client, a changed language or an erased client forgets its
user at flush and again after the commit, whatever code made the change (the
language dialog, erasing the client's data); after the commit the committed
value is kept, so a new client's next tap needs no query. The entries also expire: with
several bot processes, each has its own cache, and a change made in one reaches
the others within the TTL.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, Session, object_session

from db.models import Client
from db.services.clients import get_client
from locales import Translator, get_translator, pick_locale

CACHE_KEY = "zapis.locale_cache"  # in `Session.info`: the cache to tell about changes
DEFAULT_TTL_SECONDS = 300.0
DEFAULT_MAX_USERS = 50_000


class LocaleCache:
    """The saved locale (None: no client or no choice) per Telegram user id.

    Bounded (oldest entries go first) and expiring. A load that raced with a
    change is not stored: `forget` bumps a generation that `get_or_load` checks
    before storing what it read.
    """

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        max_users: int = DEFAULT_MAX_USERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_users = max_users
        self.clock = clock
        self._entries: OrderedDict[int, tuple[float, str | None]] = OrderedDict()
        self._generation = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def get_or_load(
        self, user_id: int, load: Callable[[], Awaitable[str | None]]
    ) -> str | None:
        now = self.clock()
        entry = self._entries.get(user_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        generation = self._generation
        locale = await load()
        if generation == self._generation:
            self._store(user_id, locale, now)
        return locale

    def known(self, user_id: int) -> str | None:
        """The saved locale if this process has it fresh, else None; never a query."""
        entry = self._entries.get(user_id)
        return entry[1] if entry is not None and entry[0] > self.clock() else None

    def forget(self, user_ids: Iterable[int]) -> None:
        self._generation += 1
        for user_id in user_ids:
            self._entries.pop(user_id, None)

    def remember(self, user_id: int, locale: str | None) -> None:
        """A value just committed: what the next load would read anyway."""
        self._store(user_id, locale, self.clock())

    def _store(self, user_id: int, locale: str | None, now: float) -> None:
        entries = self._entries
        entries.pop(user_id, None)
        entries[user_id] = (now + self.ttl, locale)
        while len(entries) > self.max_users:
            entries.popitem(last=False)
        while entries:
            expires, _ = next(iter(entries.values()))
            if expires > now:
                break
            entries.popitem(last=False)


def known_translator(
    user: User | None, cache: LocaleCache | None, default_locale: str
) -> Translator:
    """The user's language as far as it is known without a query: the saved choice
    if `cache` has it fresh, else Telegram's, else the default. For answers given
    outside the language middleware (a flood, a failure)."""
    saved = cache.known(user.id) if cache is not None and user is not None else None
    language = user.language_code if user is not None else None
    return get_translator(pick_locale(saved, language, default=default_locale))


@event.listens_for(Client, "after_update")
def _forget_if_language_changed(
    mapper: Mapper[Client], connection: Connection, client: Client
) -> None:
    """A new phone or name leaves the cached language right."""
    attrs = inspect(client).attrs
    if attrs.locale.history.has_changes() or attrs.telegram_id.history.has_changes():
        _forget_changed_client(mapper, connection, client)


@event.listens_for(Client, "after_insert")
@event.listens_for(Client, "after_delete")
def _forget_changed_client(
    _mapper: Mapper[Client], _connection: Connection, client: Client
) -> None:
    """Forget the client's user at flush and after the commit: an update that read the
    old value in between (PostgreSQL lets it) must not keep it. After the commit the
    new value is known, so it is kept: a new client's next tap needs no query."""
    session = object_session(client)
    cache: LocaleCache | None = session.info.get(CACHE_KEY) if session is not None else None
    if session is None or cache is None:
        return
    history = inspect(client).attrs.telegram_id.history
    user_ids = {user_id for user_id in (client.telegram_id, *history.deleted) if user_id}
    cache.forget(user_ids)

    def after_commit(_session: Session) -> None:
        cache.forget(user_ids)
        if client.telegram_id and inspect(client).persistent:
            cache.remember(client.telegram_id, client.locale)

    event.listen(session, "after_commit", after_commit, once=True)


class I18nMiddleware(BaseMiddleware):
    """The client's saved choice wins, then Telegram's language, then the default."""

    def __init__(self, default_locale: str, cache: LocaleCache) -> None:
        """`cache` is the dispatcher's, shared with the throttle's notice."""
        self.default_locale = default_locale
        self.cache = cache

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
            session.info[CACHE_KEY] = self.cache
            saved = await self.cache.get_or_load(user.id, lambda: _saved_locale(session, user.id))
        locale = pick_locale(
            saved, user.language_code if user else None, default=self.default_locale
        )
        data["locale"] = locale
        data["i18n"] = get_translator(locale)
        return await handler(event, data)


async def _saved_locale(session: AsyncSession, telegram_id: int) -> str | None:
    """Through `get_client`, so the handler that asks for the client next (nearly
    every one: a new user's first update creates it) reads it no second time."""
    client = await get_client(session, telegram_id)
    return client.locale if client is not None else None
