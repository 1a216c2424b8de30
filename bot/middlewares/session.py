"""One database session per update, committed or rolled back as one unit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy import event as orm_events
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

LOADED_KEY = "zapis.loaded"  # in `Session.info`: what this update's session loaded


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
        try:
            data["session"] = session
            result = await handler(event, data)
            # Most taps run no SQL (screens read the snapshot): nothing to commit.
            if session.in_transaction():
                await session.commit()
            return result
        finally:
            await _release(session)


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
