"""Which messages each booking change causes.

The booking service calls one of these hooks inside its transaction; they only
write outbox rows (ids and a kind, no rendered text: the text is rendered at
send time in the recipient's current language). Delivery is `scheduler/`'s job.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Booking, BookingStatus, Client, Staff
from db.services.business import get_business
from db.services.outbox import drop_pending, enqueue


class Kind:
    """Outbox message kinds."""

    CLIENT_BOOKED = "client_booked"
    CLIENT_CANCELLED = "client_cancelled"
    CLIENT_RESCHEDULED = "client_rescheduled"
    CLIENT_CONFIRMED = "client_confirmed"
    STAFF_NEW = "staff_new"
    STAFF_CANCELLED = "staff_cancelled"
    STAFF_RESCHEDULED = "staff_rescheduled"
    CONFIRM_REQUEST = "confirm_request"
    REMINDER = "reminder"
    FEEDBACK_REQUEST = "feedback_request"
    DAILY_DIGEST = "daily_digest"


BOOKING_TIMED_KINDS = (Kind.REMINDER, Kind.FEEDBACK_REQUEST)


async def _client_chat(session: AsyncSession, booking: Booking) -> int | None:
    client = await session.get(Client, booking.client_id)
    if client is None or client.telegram_id is None or client.blocked_bot:
        return None
    return client.telegram_id


async def _staff_chats(session: AsyncSession, booking: Booking, admin_ids: list[int]) -> list[int]:
    """The staff member's linked account and the admins, each once."""
    staff_chat = await session.scalar(select(Staff.telegram_id).where(Staff.id == booking.staff_id))
    chats = [staff_chat] if staff_chat is not None else []
    chats += [admin for admin in admin_ids if admin not in chats]
    return chats


async def _schedule_reminders(session: AsyncSession, booking: Booking, now: datetime) -> None:
    """One reminder per configured offset still ahead; the key ties it to this start time,
    so a moved booking gets fresh ones and can never revive the old ones."""
    chat_id = await _client_chat(session, booking)
    if chat_id is None:
        return
    business = await get_business(session)
    for offset in sorted(set(business.reminder_offsets_minutes), reverse=True):
        due_at = booking.starts_at - timedelta(minutes=offset)
        if due_at <= now:
            continue
        await enqueue(
            session,
            kind=Kind.REMINDER,
            chat_id=chat_id,
            due_at=due_at,
            booking_id=booking.id,
            payload={"offset_minutes": offset},
            dedup_key=f"reminder:{booking.id}:{offset}:{booking.starts_at.isoformat()}",
        )


async def _notify(
    session: AsyncSession,
    booking: Booking,
    now: datetime,
    *,
    client_kind: str | None,
    staff_kind: str,
    admin_ids: list[int],
) -> None:
    if client_kind is not None and (chat_id := await _client_chat(session, booking)) is not None:
        await enqueue(session, kind=client_kind, chat_id=chat_id, due_at=now, booking_id=booking.id)
    for chat_id in await _staff_chats(session, booking, admin_ids):
        kind = staff_kind
        if staff_kind == Kind.STAFF_NEW and booking.status == BookingStatus.PENDING:
            kind = Kind.CONFIRM_REQUEST
        await enqueue(session, kind=kind, chat_id=chat_id, due_at=now, booking_id=booking.id)


async def booking_created(
    session: AsyncSession, booking: Booking, *, now: datetime, admin_ids: list[int]
) -> None:
    await _notify(
        session,
        booking,
        now,
        client_kind=Kind.CLIENT_BOOKED,
        staff_kind=Kind.STAFF_NEW,
        admin_ids=admin_ids,
    )
    await _schedule_reminders(session, booking, now)


async def booking_rescheduled(
    session: AsyncSession, booking: Booking, *, now: datetime, admin_ids: list[int]
) -> None:
    await drop_pending(session, booking_id=booking.id, kinds=BOOKING_TIMED_KINDS, reason="moved")
    await _notify(
        session,
        booking,
        now,
        client_kind=Kind.CLIENT_RESCHEDULED,
        staff_kind=Kind.STAFF_RESCHEDULED,
        admin_ids=admin_ids,
    )
    await _schedule_reminders(session, booking, now)


async def booking_cancelled(
    session: AsyncSession,
    booking: Booking,
    *,
    now: datetime,
    admin_ids: list[int],
    notify_client: bool,
) -> None:
    """`notify_client` is False when the client cancelled it themselves (they saw it happen)."""
    await drop_pending(
        session, booking_id=booking.id, kinds=BOOKING_TIMED_KINDS, reason="cancelled"
    )
    await _notify(
        session,
        booking,
        now,
        client_kind=Kind.CLIENT_CANCELLED if notify_client else None,
        staff_kind=Kind.STAFF_CANCELLED,
        admin_ids=admin_ids,
    )


async def booking_confirmed(session: AsyncSession, booking: Booking, *, now: datetime) -> None:
    """A pending booking confirmed by staff: tell the client."""
    if (chat_id := await _client_chat(session, booking)) is not None:
        await enqueue(
            session, kind=Kind.CLIENT_CONFIRMED, chat_id=chat_id, due_at=now, booking_id=booking.id
        )


async def booking_finished(session: AsyncSession, booking: Booking) -> None:
    """Completed or no-show: reminders still queued are pointless now."""
    await drop_pending(session, booking_id=booking.id, kinds=(Kind.REMINDER,), reason="finished")
