"""The notification outbox: writing rows, and the claim protocol that delivers them.

Rows are written in the caller's transaction, so a change and the messages it
causes commit (or roll back) together. The sender in `scheduler/` moves each
row through the claim protocol below; nothing here knows about Telegram.

Claim protocol (exactly once, apart from one documented window):

1. `claim_due` marks due rows SENDING with `claimed_at`/`claimed_by` and the
   caller COMMITS before sending. PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two
   processes never claim one row. SQLite: every transaction begins with
   `BEGIN IMMEDIATE` (db/engine.py), so one writer claims at a time.
2. The caller sends, then records the answer (`mark_sent`, `retry_later`,
   `drop_chat`, …) and commits.
3. A claim older than the lease belongs to a process that died between 1 and 2:
   `claim_due` takes it back. If that process died after Telegram accepted the
   message but before its commit, the message goes out a second time. Telegram's
   `sendMessage` has no idempotency key, so this one-message window cannot be
   closed; every other crash point loses nothing and repeats nothing.

A change that makes a message pointless (a booking moved, cancelled or
finished) drops it with `drop_pending` even while it is claimed, and nothing
puts a dropped row back in the queue: `retry_later` and `release` touch a row
only while it is still SENDING, and the lease takes back only SENDING rows. So
a reminder made for a booking's earlier start goes out only when its send was
already under way as the booking moved: once, and never again after a failed
send, a flood wait or a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from db.models import Client, OutboxMessage, OutboxStatus

LEASE = timedelta(minutes=2)
"""How long a claim protects a row; far longer than one paced batch takes to send."""

MAX_ATTEMPTS = 5
"""Failed sends (other than flood waits) before a row is given up as FAILED."""

_EARLIEST_DUE = "outbox_earliest_due"
_INSERT = insert(OutboxMessage.__table__)
_due_listeners: list[Callable[[datetime], None]] = []


@dataclass(frozen=True)
class Message:
    """One message to enqueue, without a dedup key (see `enqueue_all`)."""

    kind: str
    chat_id: int
    due_at: datetime
    booking_id: int | None = None
    payload: dict[str, Any] | None = None


async def enqueue_all(session: AsyncSession, messages: Sequence[Message]) -> None:
    """Add messages in one INSERT.

    The session remembers the earliest due time it enqueued; after its commit the
    listeners of `on_commit_enqueued` hear it, so the sender can wake at once.
    """
    await _insert(session, rows_of(messages))


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    chat_id: int,
    due_at: datetime,
    booking_id: int | None = None,
    payload: dict[str, Any] | None = None,
    dedup_key: str | None = None,
) -> bool:
    """Add one message; with a `dedup_key` already present, add nothing and return False.

    Announced after the commit like `enqueue_all`'s messages.
    """
    if dedup_key is not None:
        exists = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key)
        )
        if exists is not None:
            return False
    row = _row(Message(kind, chat_id, due_at, booking_id, payload), dedup_key=dedup_key)
    await _insert(session, [row])
    return True


def rows_of(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Outbox rows of messages without dedup keys, for `_insert` or a caller that
    writes them within its change's own statement (then `note_enqueued`)."""
    return [_row(message) for message in messages]


def _row(message: Message, *, dedup_key: str | None = None) -> dict[str, Any]:
    """Every row with the same keys: rows with different ones go out in separate INSERTs."""
    return {
        "kind": message.kind,
        "chat_id": message.chat_id,
        "due_at": message.due_at,
        "booking_id": message.booking_id,
        "payload": message.payload or {},
        "dedup_key": dedup_key,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
    }


async def _insert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """One INSERT of all rows, in the caller's transaction.

    A plain executemany, not ORM objects: the ORM needs each new row's id, and
    on SQLite (which does not promise RETURNING's order) it fetches it with one
    INSERT ... RETURNING per row. Nothing needs these ids.
    """
    if not rows:
        return
    await session.execute(_INSERT, rows)
    note_enqueued(session, rows)


def note_enqueued(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Remember the earliest due time among rows this session wrote, for the
    listeners of `on_commit_enqueued`."""
    if not rows:
        return
    earliest = min(row["due_at"] for row in rows)
    known = session.info.get(_EARLIEST_DUE)
    session.info[_EARLIEST_DUE] = earliest if known is None else min(known, earliest)


def on_commit_enqueued(listener: Callable[[datetime], None]) -> Callable[[], None]:
    """Call `listener(earliest_due)` after each commit that enqueued something.

    Returns a function that removes the listener again.
    """
    _due_listeners.append(listener)
    return lambda: _due_listeners.remove(listener)


@event.listens_for(Session, "after_commit")
def _announce_enqueued(session: Session) -> None:
    earliest = session.info.pop(_EARLIEST_DUE, None)
    if earliest is not None:
        for listener in list(_due_listeners):
            listener(earliest)


@event.listens_for(Session, "after_rollback")
def _forget_enqueued(session: Session) -> None:
    session.info.pop(_EARLIEST_DUE, None)


async def drop_pending(
    session: AsyncSession, *, booking_id: int, kinds: tuple[str, ...], reason: str
) -> int:
    """Mark not-yet-sent messages of these kinds for a booking as skipped,
    queued or claimed.

    Claimed rows (SENDING) too: a failed send, a flood wait or a lost lease
    would otherwise put them back in the queue, and a reminder made for the
    booking's old start would go out on top of the new ones. A send already
    under way cannot be recalled: that one message still goes out, rendered
    from the booking's current state (which is why the sender skips reminders
    of bookings no longer active), and `mark_sent` records it as sent.
    """
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.booking_id == booking_id,
            OutboxMessage.kind.in_(kinds),
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
        )
        .values(status=OutboxStatus.SKIPPED, last_error=reason)
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class ClaimedMessage:
    """A claimed row as plain values, safe to carry outside its session."""

    id: int
    kind: str
    chat_id: int
    booking_id: int | None
    payload: dict[str, Any]
    due_at: datetime
    attempts: int


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    worker: str,
    limit: int,
    lease: timedelta = LEASE,
) -> list[ClaimedMessage]:
    """Claim up to `limit` due rows (earliest first) for `worker`; the caller commits.

    Claims whose lease ran out are released first, so a row a dead process had
    claimed is delivered by the next sweep instead of being lost. A row dropped
    meanwhile is no longer SENDING, so it stays dropped.
    """
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < now - lease,
        )
        .values(status=OutboxStatus.PENDING)
        .execution_options(synchronize_session=False)
    )
    due_ids = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now)
        .order_by(OutboxMessage.due_at)  # the (status, due_at) index's own order
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due_ids))
        .values(status=OutboxStatus.SENDING, claimed_at=now, claimed_by=worker)
        .returning(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.chat_id,
            OutboxMessage.booking_id,
            OutboxMessage.payload,
            OutboxMessage.due_at,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    claimed = [ClaimedMessage(*row) for row in rows]
    return sorted(claimed, key=lambda message: (message.due_at, message.id))


async def _set(session: AsyncSession, message_id: int, **values: Any) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def _set_claimed(session: AsyncSession, message_id: int, **values: Any) -> bool:
    """`_set` for a row still claimed; False, changing nothing, when a change
    dropped it meanwhile (see `drop_pending`)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def mark_sent(session: AsyncSession, message_id: int, *, now: datetime) -> None:
    await _set(session, message_id, status=OutboxStatus.SENT, sent_at=now, last_error=None)


async def mark_skipped(session: AsyncSession, message_id: int, *, reason: str) -> None:
    """No longer meaningful (the visit has passed, the booking is gone): never sent."""
    await _set(session, message_id, status=OutboxStatus.SKIPPED, last_error=reason)


async def release(session: AsyncSession, message_id: int, *, due_at: datetime) -> bool:
    """Hand a claimed row back untouched, to be sent at `due_at` (after a long flood wait).

    False when a change dropped the row meanwhile: it stays dropped.
    """
    return await _set_claimed(session, message_id, status=OutboxStatus.PENDING, due_at=due_at)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the n-th failure: 30 s, 1 min, 2 min, 4 min, …"""
    return timedelta(seconds=30 * 2 ** max(attempts - 1, 0))


async def retry_later(
    session: AsyncSession,
    message: ClaimedMessage,
    *,
    now: datetime,
    error: str,
    max_attempts: int = MAX_ATTEMPTS,
) -> OutboxStatus:
    """Count a failed send: back to PENDING with backoff, or FAILED after `max_attempts`.

    `last_error` is kept either way, so an admin can see why a message is stuck.
    A row a change dropped meanwhile stays as it is, and SKIPPED is returned.
    """
    attempts = message.attempts + 1
    status = OutboxStatus.FAILED if attempts >= max_attempts else OutboxStatus.PENDING
    claimed = await _set_claimed(
        session,
        message.id,
        status=status,
        attempts=attempts,
        due_at=now + retry_delay(attempts) if status == OutboxStatus.PENDING else message.due_at,
        last_error=error[:2000],
    )
    return status if claimed else OutboxStatus.SKIPPED


async def drop_chat(session: AsyncSession, message_id: int, *, chat_id: int, error: str) -> int:
    """The recipient blocked the bot: mark the client, drop this and every pending message.

    Returns how many rows were dropped. Messages of other processes that are in
    flight meet the same refusal and end here too.
    """
    await session.execute(
        update(Client)
        .where(Client.telegram_id == chat_id)
        .values(blocked_bot=True)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == chat_id,
            (OutboxMessage.status == OutboxStatus.PENDING) | (OutboxMessage.id == message_id),
        )
        .values(status=OutboxStatus.DROPPED, last_error=error[:2000])
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
