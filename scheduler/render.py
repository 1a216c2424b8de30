"""Turning an outbox row into the message Telegram gets, at the moment of sending.

Rows hold ids only. The text is built now, in the recipient's current language
(their saved choice, else the business default) and the business time zone,
from the booking's current state. A row whose moment has passed (a reminder of
a visit already begun, a confirmation request someone already answered) is
reported as `Stale` and never sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.confirmations import decision_keyboard
from bot.handlers.feedback import rating_keyboard
from bot.handlers.reminders import reminder_keyboard
from db.models import (
    Booking,
    BookingStatus,
    BusinessSettings,
    Client,
    Feedback,
    Service,
    Staff,
    is_active_status,
)
from db.services.booking import BookingView, booking_details, change_deadline
from db.services.business import get_business
from db.services.clients import ERASED_CANCEL_REASON
from db.services.errors import BookingNotFound
from db.services.notifications import Kind
from db.services.outbox import ClaimedMessage
from dialogs.common import Formatter
from locales import Translator, get_translator, pick_locale


@dataclass(frozen=True)
class Outgoing:
    text: str
    markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Stale:
    """Not worth sending any more; `reason` is kept in `last_error`."""

    reason: str


@dataclass(frozen=True)
class _Context:
    session: AsyncSession
    message: ClaimedMessage
    now: datetime
    business: BusinessSettings
    i18n: Translator
    fmt: Formatter


async def recipient_locale(session: AsyncSession, chat_id: int, default_locale: str) -> str:
    """The chat's saved language (clients, and staff who also use the bot), else the default."""
    saved = await session.scalar(select(Client.locale).where(Client.telegram_id == chat_id))
    return pick_locale(saved, default=default_locale)


async def render(
    session: AsyncSession, message: ClaimedMessage, *, now: datetime, default_locale: str
) -> Outgoing | Stale:
    business = await get_business(session)
    locale = await recipient_locale(session, message.chat_id, default_locale)
    ctx = _Context(
        session=session,
        message=message,
        now=now,
        business=business,
        i18n=get_translator(locale),
        fmt=Formatter(locale=locale, zone=ZoneInfo(business.timezone)),
    )
    if message.kind == Kind.DAILY_DIGEST:
        return await _digest(ctx)
    renderer = _BOOKING_RENDERERS.get(message.kind)
    if renderer is None or message.booking_id is None:
        return Stale(f"unknown kind {message.kind!r}")
    try:
        booking = await booking_details(session, message.booking_id)
    except BookingNotFound:
        return Stale("booking gone")
    if message.kind in _TO_THE_CLIENT and booking.client_telegram_id != message.chat_id:
        # The client erased their data since (the chat is no longer theirs): they
        # asked to be forgotten, and saw on the spot what the erasure cancelled.
        return Stale("client data erased")
    return await renderer(ctx, booking)


def _text(ctx: _Context, key: str, booking: BookingView, **extra: str) -> str:
    return ctx.i18n(
        key,
        service=booking.service_name,
        staff=booking.staff_name,
        when=ctx.fmt.when(booking.starts_at),
        client=booking.client_name or ctx.i18n("notify-client-unnamed"),
        phone=booking.client_phone or "—",
        business=ctx.business.name,
        **extra,
    )


def _day_from_now(ctx: _Context, instant: datetime) -> str:
    """ "today", "tomorrow" or "later": the instant's local day against the local day
    of the moment of sending (not of queueing: a reminder sent late must not say
    "tomorrow" of a visit that is today by now)."""
    days = (ctx.fmt.local(instant).date() - ctx.fmt.local(ctx.now).date()).days
    return {0: "today", 1: "tomorrow"}.get(days, "later")


# Reasons the bot records itself are codes, shown in the recipient's language.
_CODED_REASONS = {ERASED_CANCEL_REASON: "notify-cancel-reason-erased"}


def _with_reason(ctx: _Context, text: str, booking: BookingView) -> str:
    reason = booking.cancel_reason
    if not reason:
        return text
    key = _CODED_REASONS.get(reason)
    return text + "\n" + ctx.i18n("notify-cancel-reason", reason=ctx.i18n(key) if key else reason)


_CLIENT_STATE_KEYS = {
    Kind.CLIENT_BOOKED: "notify-client-booked",
    Kind.CLIENT_CONFIRMED: "notify-client-confirmed",
    Kind.CLIENT_RESCHEDULED: "notify-client-rescheduled",
}

_STAFF_NEWS_KEYS = {
    Kind.STAFF_NEW: "notify-staff-new",
    Kind.STAFF_RESCHEDULED: "notify-staff-rescheduled",
    Kind.STAFF_CANCELLED: "notify-staff-cancelled",
    Kind.STAFF_MOVED_AWAY: "notify-staff-moved-away",
}


async def _client_state(ctx: _Context, booking: BookingView) -> Outgoing | Stale:
    """Booked, confirmed, moved: news about a booking cancelled since is stale."""
    if not booking.is_active:
        return Stale("booking no longer active")
    key = _CLIENT_STATE_KEYS[ctx.message.kind]
    if ctx.message.kind == Kind.CLIENT_BOOKED and booking.status == BookingStatus.PENDING:
        key = "notify-client-pending"
    return Outgoing(_text(ctx, key, booking))


async def _client_cancelled(ctx: _Context, booking: BookingView) -> Outgoing | Stale:
    return Outgoing(_with_reason(ctx, _text(ctx, "notify-client-cancelled", booking), booking))


async def _staff_news(ctx: _Context, booking: BookingView) -> Outgoing | Stale:
    """New, moved, cancelled: staff always hear it, it is the log of their day."""
    text = _text(ctx, _STAFF_NEWS_KEYS[ctx.message.kind], booking)
    if ctx.message.kind == Kind.STAFF_CANCELLED:
        text = _with_reason(ctx, text, booking)
    return Outgoing(text)


async def _confirm_request(ctx: _Context, booking: BookingView) -> Outgoing | Stale:
    if booking.status != BookingStatus.PENDING:
        return Stale("already answered")
    if booking.starts_at <= ctx.now:
        return Stale("visit has begun")
    text = _text(ctx, "notify-confirm-request", booking)
    return Outgoing(text, decision_keyboard(ctx.i18n, booking.id))


async def _reminder(ctx: _Context, booking: BookingView) -> Outgoing | Stale:
    """Late is fine (the bot was down) as long as the visit is still ahead."""
    if not booking.is_active:
        return Stale("booking no longer active")
    if booking.starts_at <= ctx.now:
        return Stale("visit has begun")
    text = _text(
        ctx,
        "notify-reminder",
        booking,
        day=_day_from_now(ctx, booking.starts_at),
        time=ctx.fmt.time(booking.starts_at),
    )
    if ctx.business.address:
        text += "\n" + ctx.i18n("notify-address", address=ctx.business.address)
    # Past the deadline (the 2-hour reminder at the default 2-hour deadline), Cancel
    # and Reschedule could only be refused: whom to call instead, as the details say.
    changeable = ctx.now <= change_deadline(booking.starts_at, ctx.business.cancel_deadline_minutes)
    if not changeable:
        text += "\n" + ctx.i18n("line-changes-late", value=ctx.business.phone or "none")
    return Outgoing(text, reminder_keyboard(ctx.i18n, booking.id, changeable=changeable))


async def _feedback_request(ctx: _Context, booking: BookingView) -> Outgoing | Stale:
    if booking.status != BookingStatus.COMPLETED:
        return Stale("visit not completed")
    rated = await ctx.session.scalar(select(Feedback.id).where(Feedback.booking_id == booking.id))
    if rated is not None:
        return Stale("already rated")
    return Outgoing(_text(ctx, "notify-feedback-request", booking), rating_keyboard(booking.id))


# Kinds sent to the booking's client (the rest go to staff and admins).
_TO_THE_CLIENT = frozenset(
    {
        Kind.CLIENT_BOOKED,
        Kind.CLIENT_CONFIRMED,
        Kind.CLIENT_RESCHEDULED,
        Kind.CLIENT_CANCELLED,
        Kind.REMINDER,
        Kind.FEEDBACK_REQUEST,
    }
)

_BOOKING_RENDERERS: dict[str, Callable[[_Context, BookingView], Awaitable[Outgoing | Stale]]] = {
    Kind.CLIENT_BOOKED: _client_state,
    Kind.CLIENT_CONFIRMED: _client_state,
    Kind.CLIENT_RESCHEDULED: _client_state,
    Kind.CLIENT_CANCELLED: _client_cancelled,
    Kind.STAFF_NEW: _staff_news,
    Kind.STAFF_RESCHEDULED: _staff_news,
    Kind.STAFF_CANCELLED: _staff_news,
    Kind.STAFF_MOVED_AWAY: _staff_news,
    Kind.CONFIRM_REQUEST: _confirm_request,
    Kind.REMINDER: _reminder,
    Kind.FEEDBACK_REQUEST: _feedback_request,
}


async def _digest(ctx: _Context) -> Outgoing | Stale:
    """Tomorrow's agenda of one staff member, as it stands when sent."""
    payload = ctx.message.payload
    day = date.fromisoformat(str(payload["date"]))
    zone = ZoneInfo(ctx.business.timezone)
    day_start = datetime.combine(day, time(0), tzinfo=zone)
    if ctx.now >= day_start:
        return Stale("day has begun")
    staff = await ctx.session.get(Staff, int(payload["staff_id"]))
    if staff is None or not staff.active or staff.telegram_id != ctx.message.chat_id:
        return Stale("staff member no longer linked")
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    rows = (
        await ctx.session.execute(
            select(Booking.starts_at, Service.name, Client.name, Booking.status)
            .join(Service, Service.id == Booking.service_id)
            .join(Client, Client.id == Booking.client_id)
            .where(
                Booking.staff_id == staff.id,
                is_active_status(Booking.status),
                Booking.starts_at >= day_start,
                Booking.starts_at < day_end,
            )
            .order_by(Booking.starts_at)
        )
    ).all()
    if not rows:
        return Stale("nothing booked")
    lines = [ctx.i18n("notify-digest-title", day=ctx.fmt.day(day), count=len(rows))]
    for starts_at, service_name, client_name, status in rows:
        pending = status == BookingStatus.PENDING
        lines.append(
            ctx.i18n(
                "notify-digest-line-pending" if pending else "notify-digest-line",
                time=ctx.fmt.time(starts_at),
                service=service_name,
                client=client_name or ctx.i18n("notify-client-unnamed"),
            )
        )
    return Outgoing("\n".join(lines))
