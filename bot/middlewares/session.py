"""One database session per update: committed before the update waits for the
network (a request to Telegram, a read of its dialog from Redis) and when the
update ends, rolled back if the update fails.

A round trip to Telegram takes tens of milliseconds. A transaction left open
over it holds its locks that long, and on SQLite the one write lock: every other
update that touched the database waited for this one's network too. With a
50 ms Telegram and 10 clients tapping at once the bot handled 8 updates a second
on SQLite (p50 1.1 s a tap); committing first, 82 (p50 0.11 s), as
`bench/dialog_flow.py --telegram-ms 50 --storage memory` shows. A Redis read is
shorter but the same: a new client's /start looked up their language, then read
their dialog stack from Redis with SQLite's write lock held, and with ten users
at once every other update's SQL queued behind that read.

So what an update wrote before it answers is kept even if a later step of the
same update fails: a booking confirmed is a booking made, whatever happens to
the message that says so (its notices and reminders are in the same commit).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, NamedTuple

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject
from sqlalchemy import event as orm_events
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

LOADED_KEY = "zapis.loaded"  # in `Session.info`: what this update's session loaded


class _UpdateSession(NamedTuple):
    task: asyncio.Task[Any] | None  # the update's own task: tasks it starts copy the var
    session: AsyncSession


_update_session: ContextVar[_UpdateSession | None] = ContextVar("update_session", default=None)


class DbSessionMiddleware(BaseMiddleware):
    """Registered on `dp.update` (outer) so aiogram-dialog's background re-renders,
    which arrive as plain updates, get a session too.

    On SQLite, transactions take turns for the one writer in the connection
    (db/sqlite_connection.py), so an update waits only once it runs SQL.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        session = self.sessionmaker()
        session.info[LOADED_KEY] = []
        token = _update_session.set(_UpdateSession(asyncio.current_task(), session))
        try:
            data["session"] = session
            result = await handler(event, data)
            # Most taps run no SQL (screens read the snapshot): nothing to commit.
            if session.in_transaction():
                await session.commit()
            return result
        finally:
            _update_session.reset(token)
            await _release(session)


async def commit_before_waiting() -> None:
    """Commit the update's work so far, if any: the update is about to wait for the
    network (see the module docstring).

    Only in the update's own task: a task started from it (the scheduler woken by
    a commit, say) inherits the context but must never commit a session that the
    update is still using.
    """
    update = _update_session.get()
    if (
        update is not None
        and update.task is asyncio.current_task()
        and update.session.in_transaction()
    ):
        await update.session.commit()


class CommitBeforeTelegram(BaseRequestMiddleware):
    """A Bot session middleware: `commit_before_waiting` before each request."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        await commit_before_waiting()
        return await make_request(bot, method)


async def _release(session: AsyncSession) -> None:
    """Close the update's session; only one still in a transaction (the update failed)
    has a connection to give back."""
    if not session.in_transaction():
        await session.close()  # drops the loaded objects, no I/O
        return
    # SQLAlchemy rolls back and returns the connection in a task of its own, which a
    # cancelled update (a stop past the grace period) cannot cut short halfway.
    async with session:
        pass


@orm_events.listens_for(Session, "loaded_as_persistent")
def _keep_for_the_update(session: Session, instance: object) -> None:
    """The identity map holds objects weakly, so a row one service loaded and let go
    (the business settings, the client) was loaded again by the next: about one
    query in ten of a booking flow. An update's session keeps them until it ends."""
    kept = session.info.get(LOADED_KEY)
    if kept is not None:
        kept.append(instance)
