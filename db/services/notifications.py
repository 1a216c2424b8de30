"""Which messages each booking change causes.

The booking service calls one of these hooks inside its transaction; they only
write outbox rows (ids and a kind, no rendered text: the text is rendered at
send time in the recipient's current language), each hook's rows in one INSERT.
Delivery is `scheduler/`'s job.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Booking,
    BookingStatus,
    BusinessSettings,
    Client,
    OutboxMessage,
    OutboxStatus,
    Staff,
)
from db.services.business import get_business
from db.services.outbox import Message, drop_pending, enqueue, enqueue_all


class Kind:
    """Outbox message kinds."""

    CLIENT_BOOKED = "client_booked"
    CLIENT_CANCELLED = "client_cancelled"
    CLIENT_RESCHEDULED = "client_rescheduled"
    CLIENT_CONFIRMED = "client_confirmed"
    STAFF_NEW = "staff_new"
    STAFF_CANCELLED = "staff_cancelled"
    STAFF_RESCHEDULED = "staff_rescheduled"
    STAFF_MOVED_AWAY = "staff_moved_away"  # to the staff member a booking was moved from
    CONFIRM_REQUEST = "confirm_request"
    REMINDER = "reminder"
    FEEDBACK_REQUEST = "feedback_request"
    DAILY_DIGEST = "daily_digest"


BOOKING_TIMED_KINDS = (Kind.REMINDER, Kind.FEEDBACK_REQUEST)


async def _client_chat(session: AsyncSession, booking: Booking) -> int | None:
    client = await session.get(Client, booking.client_id)
    if client is None or client.blocked_bot:
        return None
    return client.telegram_id


async def staff_chat(session: AsyncSession, staff_id: int) -> int | None:
    """The staff member's linked account, if any."""
    # By primary key, like the client: no query when the caller holds the row.
    staff = await session.get(Staff, staff_id)
    return None if staff is None else staff.telegram_id


def _staff_recipients(staff_chat: int | None, admin_ids: list[int]) -> list[int]:
    """The staff member's linked account and the admins, each once."""
    chats = [staff_chat] if staff_chat is not None else []
    return chats + [admin for admin in admin_ids if admin not in chats]


def _reminder_messages(
    booking_id: int | None,
    starts_at: datetime,
    chat_id: int | None,
    offsets: list[int],
    now: datetime,
) -> list[Message]:
    """One reminder per configured offset still ahead of this start time.

    No dedup key: a move drops the pending ones first (in the same transaction),
    and a booking moved away and back to its old time needs reminders again.

    Offsets are elapsed time: "24 hours before" a 10:00 visit on the day the clocks
    go forward is 09:00 local the day before, exactly 24 hours ahead of the visit.
    """
    if chat_id is None:
        return []
    reminders = []
    for offset in sorted(set(offsets), reverse=True):
        due_at = starts_at - timedelta(minutes=offset)
        if due_at > now:
            reminders.append(
                Message(
                    Kind.REMINDER,
                    chat_id,
                    due_at,
                    booking_id=booking_id,
                    payload={"offset_minutes": offset},
                )
            )
    return reminders


def _notice_messages(
    booking_id: int | None,
    status: BookingStatus,
    now: datetime,
    *,
    client_chat: int | None,
    client_kind: str | None,
    staff_chats: list[int],
    staff_kind: str,
) -> list[Message]:
    """Messages due now: to the client (unless `client_kind` is None), then to staff."""
    notices = []
    if client_kind is not None and client_chat is not None:
        notices.append(Message(client_kind, client_chat, now, booking_id=booking_id))
    kind = staff_kind
    if staff_kind == Kind.STAFF_NEW and status == BookingStatus.PENDING:
        kind = Kind.CONFIRM_REQUEST
    notices += [Message(kind, chat_id, now, booking_id=booking_id) for chat_id in staff_chats]
    return notices


async def _reminders(session: AsyncSession, booking: Booking, now: datetime) -> list[Message]:
    chat_id = await _client_chat(session, booking)
    if chat_id is None:
        return []
    business = await get_business(session)
    offsets = business.reminder_offsets_minutes
    return _reminder_messages(booking.id, booking.starts_at, chat_id, offsets, now)


async def _notices(
    session: AsyncSession,
    booking: Booking,
    now: datetime,
    *,
    client_kind: str | None,
    staff_kind: str,
    admin_ids: list[int],
) -> list[Message]:
    client_chat = await _client_chat(session, booking) if client_kind is not None else None
    return _notice_messages(
        booking.id,
        booking.status,
        now,
        client_chat=client_chat,
        client_kind=client_kind,
        staff_chats=_staff_recipients(await staff_chat(session, booking.staff_id), admin_ids),
        staff_kind=staff_kind,
    )


def new_booking_messages(
    *,
    status: BookingStatus,
    starts_at: datetime,
    now: datetime,
    client_chat: int | None,
    staff_chat: int | None,
    admin_ids: list[int],
    reminder_offsets: list[int],
) -> list[Message]:
    """A new booking's messages, from what the booking service has already read
    (`client_chat` None: no account, or the client blocked the bot). They carry
    no booking id: it does not exist yet, and the write fills it in
    (`db.services.recorded_insert`)."""
    notices = _notice_messages(
        None,
        status,
        now,
        client_chat=client_chat,
        client_kind=Kind.CLIENT_BOOKED,
        staff_chats=_staff_recipients(staff_chat, admin_ids),
        staff_kind=Kind.STAFF_NEW,
    )
    return notices + _reminder_messages(None, starts_at, client_chat, reminder_offsets, now)


async def booking_rescheduled(
    session: AsyncSession,
    booking: Booking,
    *,
    now: datetime,
    admin_ids: list[int],
    previous_staff_id: int | None = None,
) -> None:
    """`previous_staff_id`: who had the booking before, when it moved to someone else."""
    await drop_pending(session, booking_id=booking.id, kinds=BOOKING_TIMED_KINDS, reason="moved")
    messages = []
    if previous_staff_id not in (None, booking.staff_id):
        previous_chat = await staff_chat(session, previous_staff_id)
        if previous_chat is not None and previous_chat not in admin_ids:
            messages.append(
                Message(Kind.STAFF_MOVED_AWAY, previous_chat, now, booking_id=booking.id)
            )
    messages += await _notices(
        session,
        booking,
        now,
        client_kind=Kind.CLIENT_RESCHEDULED,
        staff_kind=Kind.STAFF_RESCHEDULED,
        admin_ids=admin_ids,
    )
    await enqueue_all(session, messages + await _reminders(session, booking, now))


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
    notices = await _notices(
        session,
        booking,
        now,
        client_kind=Kind.CLIENT_CANCELLED if notify_client else None,
        staff_kind=Kind.STAFF_CANCELLED,
        admin_ids=admin_ids,
    )
    await enqueue_all(session, notices)


async def booking_confirmed(session: AsyncSession, booking: Booking, *, now: datetime) -> None:
    """A pending booking confirmed by staff: tell the client."""
    if (chat_id := await _client_chat(session, booking)) is not None:
        await enqueue_all(
            session, [Message(Kind.CLIENT_CONFIRMED, chat_id, now, booking_id=booking.id)]
        )


async def booking_finished(session: AsyncSession, booking: Booking) -> None:
    """Completed or no-show: reminders still queued are pointless now.

    A completed visit earns a feedback request, due when the visit ends (staff
    may mark it completed a little early; the client should not be asked mid-visit).
    """
    await drop_pending(session, booking_id=booking.id, kinds=(Kind.REMINDER,), reason="finished")
    if booking.status != BookingStatus.COMPLETED:
        return
    if (chat_id := await _client_chat(session, booking)) is not None:
        await enqueue(
            session,
            kind=Kind.FEEDBACK_REQUEST,
            chat_id=chat_id,
            due_at=booking.ends_at,
            booking_id=booking.id,
            dedup_key=f"feedback:{booking.id}",
        )


def digest_due(business: BusinessSettings, now: datetime) -> tuple[date, datetime]:
    """Today's digest: the local date it describes (tomorrow) and when it is due.

    Due at `digest_hour` local time today, resolved in the business zone on the
    day itself, so it stays at 20:00 local across a DST change.
    """
    zone = ZoneInfo(business.timezone)
    today = now.astimezone(zone).date()
    due_at = datetime.combine(today, time(business.digest_hour), tzinfo=zone).astimezone(UTC)
    return today + timedelta(days=1), due_at


async def plan_daily_digests(session: AsyncSession, *, now: datetime) -> int:
    """Enqueue today's digest of tomorrow's agenda for each active, linked staff member.

    Idempotent (one row per staff member and date), so it can run every few
    minutes and after any restart; a changed `digest_hour` moves rows not yet sent.
    Returns how many rows were added.
    """
    business = await get_business(session)
    agenda_date, due_at = digest_due(business, now)
    added = 0
    staff_rows = await session.execute(
        select(Staff.id, Staff.telegram_id).where(
            Staff.active.is_(True), Staff.telegram_id.is_not(None)
        )
    )
    for staff_id, chat_id in staff_rows.all():
        key = f"digest:{staff_id}:{agenda_date.isoformat()}"
        if await enqueue(
            session,
            kind=Kind.DAILY_DIGEST,
            chat_id=chat_id,
            due_at=due_at,
            payload={"staff_id": staff_id, "date": agenda_date.isoformat()},
            dedup_key=key,
        ):
            added += 1
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == Kind.DAILY_DIGEST,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.dedup_key.like(f"digest:%:{agenda_date.isoformat()}"),
            OutboxMessage.due_at != due_at,
        )
        .values(due_at=due_at)
        .execution_options(synchronize_session=False)
    )
    return added
