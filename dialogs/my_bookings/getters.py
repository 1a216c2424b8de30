"""What "My bookings" shows: the client's upcoming visits, one visit, past visits."""

from __future__ import annotations

from typing import Any

from aiogram_dialog import DialogManager
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import Clock
from db.services.booking import (
    BookingView,
    booking_details,
    change_deadline,
    past_bookings,
    upcoming_bookings,
)
from db.services.catalog import business_profile, get_active_service, offered_staff
from dialogs.common import current_client, duration_text, formatter, optional_lines
from dialogs.my_bookings import keys
from locales import Translator


def _labels(manager: DialogManager, bookings: list[BookingView]) -> list[tuple[int, str]]:
    """(id, "Tue, 24 Nov, 14:30 · Haircut") for each booking."""
    fmt = formatter(manager)
    return [
        (booking.id, f"{fmt.when_short(booking.starts_at)} · {booking.service_name}")
        for booking in bookings
    ]


async def upcoming(
    dialog_manager: DialogManager, session: AsyncSession, clock: Clock, **_: Any
) -> dict[str, Any]:
    client = await current_client(dialog_manager)
    bookings = await upcoming_bookings(session, client_id=client.id, now=clock.now())
    return {"bookings": _labels(dialog_manager, bookings), "count": len(bookings)}


async def detail(
    dialog_manager: DialogManager,
    session: AsyncSession,
    clock: Clock,
    i18n: Translator,
    **_: Any,
) -> dict[str, Any]:
    fmt = formatter(dialog_manager)
    business = await business_profile(session)
    view = await booking_details(session, dialog_manager.dialog_data[keys.BOOKING_ID])
    now = clock.now()
    upcoming_active = view.is_active and view.ends_at > now
    deadline = change_deadline(view.starts_at, business.cancel_deadline_minutes)
    in_time = upcoming_active and now <= deadline
    too_late = upcoming_active and not in_time
    return {
        "service": view.service_name,
        "staff_name": view.staff_name,
        "when": fmt.when(view.starts_at),
        "duration": duration_text(i18n, int((view.ends_at - view.starts_at).total_seconds() // 60)),
        "price": fmt.price(view.price, business.currency),
        "status": i18n("client-status-" + view.status.value),
        "extra": optional_lines(
            i18n,
            ("line-address", business.address),
            ("line-comment", view.comment),
            # Until when the client may change it here; past that, whom to call.
            ("line-changes-until", fmt.when_short(deadline) if in_time else None),
            ("line-changes-late", (business.phone or "none") if too_late else None),
        ),
        # No button that can only be refused: past the deadline (`changeable_booking`),
        # nor Reschedule for a visit no longer offered as booked (`movable_booking`).
        "changeable": in_time,
        "movable": in_time
        and any(
            member.id == view.staff_id for member in await offered_staff(session, view.service_id)
        ),
    }


async def past(
    dialog_manager: DialogManager,
    session: AsyncSession,
    clock: Clock,
    i18n: Translator,
    **_: Any,
) -> dict[str, Any]:
    client = await current_client(dialog_manager)
    bookings = await past_bookings(session, client_id=client.id, now=clock.now())
    labels = _labels(dialog_manager, bookings)
    lines = [
        f"• {label} — {i18n('client-status-' + booking.status.value)}"
        for (_, label), booking in zip(labels, bookings, strict=True)
    ]
    repeatable = [
        (booking_id, label)
        for (booking_id, label), booking in zip(labels, bookings, strict=True)
        if await get_active_service(session, booking.service_id) is not None
    ]
    return {
        "lines": "\n".join(lines),
        "repeatable": repeatable,
        "again": i18n("my-bookings-past-again") if repeatable else "",
        "count": len(bookings),
    }
