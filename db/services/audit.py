"""The audit log: who changed what, written in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ActorKind, AuditEntry, Client


@dataclass(frozen=True)
class Actor:
    """Who asks for a change: decides what they may do and is written to the audit log."""

    kind: ActorKind
    telegram_id: int | None = None
    client_id: int | None = None

    @classmethod
    def client(cls, client: Client) -> Actor:
        return cls(ActorKind.CLIENT, telegram_id=client.telegram_id, client_id=client.id)

    @classmethod
    def staff(cls, telegram_id: int) -> Actor:
        return cls(ActorKind.STAFF, telegram_id=telegram_id)

    @classmethod
    def admin(cls, telegram_id: int) -> Actor:
        return cls(ActorKind.ADMIN, telegram_id=telegram_id)

    @classmethod
    def system(cls) -> Actor:
        """The bot itself: scheduled jobs, automatic clean-ups."""
        return cls(ActorKind.SYSTEM)

    @property
    def is_client(self) -> bool:
        return self.kind == ActorKind.CLIENT


# A plain INSERT: nothing reads an entry back, so no ORM object and no RETURNING of its id.
_INSERT = insert(AuditEntry.__table__)


def entry(
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The values of one audit entry: what `record` writes, or a caller writes
    within its change's own statement (`db.services.recorded_insert`).

    `at` is the caller's clock reading (the row's default is the wall clock).
    """
    values = {
        "actor_kind": actor.kind,
        "actor_telegram_id": actor.telegram_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "details": details or {},
    }
    if at is not None:
        values["at"] = at
    return values


async def record(session: AsyncSession, **entry_fields: Any) -> None:
    """Add one audit entry (fields as for `entry`); it commits or rolls back with
    the caller's change."""
    await session.execute(_INSERT, entry(**entry_fields))
