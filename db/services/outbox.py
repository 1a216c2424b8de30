"""Writing to the notification outbox.

Rows are written in the caller's transaction, so a change and the messages it
causes commit (or roll back) together. Delivery lives in `scheduler/`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxMessage, OutboxStatus


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    chat_id: int,
    due_at: datetime,
    booking_id: int | None = None,
    payload: dict[str, Any] | None = None,
    dedup_key: str | None = None,
) -> OutboxMessage | None:
    """Add one message; with a `dedup_key` already present, add nothing and return None."""
    if dedup_key is not None:
        exists = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key)
        )
        if exists is not None:
            return None
    message = OutboxMessage(
        kind=kind,
        chat_id=chat_id,
        due_at=due_at,
        booking_id=booking_id,
        payload=payload or {},
        dedup_key=dedup_key,
        status=OutboxStatus.PENDING,
        attempts=0,
    )
    session.add(message)
    await session.flush()
    return message


async def drop_pending(
    session: AsyncSession, *, booking_id: int, kinds: tuple[str, ...], reason: str
) -> int:
    """Mark not-yet-sent messages of these kinds for a booking as skipped."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.booking_id == booking_id,
            OutboxMessage.kind.in_(kinds),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.SKIPPED, last_error=reason)
    )
    return result.rowcount or 0
