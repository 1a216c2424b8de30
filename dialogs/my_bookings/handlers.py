"""Opening, cancelling, moving and repeating the client's bookings."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager, StartMode
from aiogram_dialog.widgets.kbd import Button

from db.models import Booking
from db.services.booking import Actor, cancel_booking, get_client_booking, movable_booking
from db.services.errors import BookingError, BookingNotFound
from dialogs.booking import keys as booking_keys
from dialogs.common import (
    NOTICE,
    current_client,
    db_session,
    now,
    parse_id,
    refusal_text,
    set_notice,
    settings_of,
    show_start_notice,
    translator,
)
from dialogs.main_menu import fresh_screen, open_main_menu
from dialogs.my_bookings import keys
from dialogs.states import BookingSG, MyBookingsSG


async def _own_booking_id(manager: DialogManager, raw: str | int | None) -> int | None:
    """The id if it is this client's booking; otherwise a notice and None (forged or stale)."""
    booking_id = parse_id(raw)
    client = await current_client(manager)
    try:
        if booking_id is None:
            raise BookingNotFound
        await get_client_booking(db_session(manager), booking_id=booking_id, client_id=client.id)
    except BookingError as error:
        set_notice(manager, translator(manager)(error.i18n_key))
        return None
    return booking_id


async def on_booking(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item: str
) -> None:
    await _open_booking(manager, item)


async def _open_booking(manager: DialogManager, raw: str | int | None) -> None:
    booking_id = await _own_booking_id(manager, raw)
    if booking_id is not None:
        manager.dialog_data[keys.BOOKING_ID] = booking_id
        await manager.switch_to(MyBookingsSG.detail)


async def show_booking(manager: DialogManager, booking_id: int, notice: str | None = None) -> None:
    """The booking's details, with a notice if given, in place of every open dialog."""
    await manager.start(
        MyBookingsSG.upcoming,
        data={keys.BOOKING_ID: booking_id, NOTICE: notice},
        mode=StartMode.RESET_STACK,
    )


async def open_from_start(start_data: object, manager: DialogManager) -> None:
    """Opened by `show_booking`: the booking's details, or the list with the reason
    when it is gone."""
    if not isinstance(start_data, dict):
        return
    await show_start_notice(start_data, manager)
    if keys.BOOKING_ID in start_data:
        await _open_booking(manager, start_data[keys.BOOKING_ID])


async def on_cancel(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    client = await current_client(manager)
    try:
        await cancel_booking(
            db_session(manager),
            booking_id=manager.dialog_data[keys.BOOKING_ID],
            actor=Actor.client(client),
            now=now(manager),
            admin_ids=settings_of(manager).admin_ids,
        )
    except BookingError as error:
        set_notice(manager, await refusal_text(manager, error))
        await manager.switch_to(MyBookingsSG.detail)
        return
    set_notice(manager, translator(manager)("my-bookings-cancelled"))
    await manager.switch_to(MyBookingsSG.upcoming)


async def on_reschedule(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    try:
        booking = await _movable(manager, manager.dialog_data[keys.BOOKING_ID])
    except BookingError as error:
        set_notice(manager, await refusal_text(manager, error))
        return
    await _open_calendar(manager, booking)


async def start_reschedule(manager: DialogManager, booking_id: int) -> None:
    """Open the day step to move the client's booking (the reminder's button), as a
    new message: the message the button was on stays readable above it, and a
    phone prompt left open takes its share-contact keyboard away with it.

    A booking that cannot be moved any more leads to the main menu with the reason.
    The move of this very booking already on screen (the reminder's button tapped
    twice, or delivered twice) stays as it is.
    """
    if manager.has_context() and (
        manager.current_context().dialog_data.get(booking_keys.RESCHEDULE_ID) == booking_id
    ):
        return
    try:
        booking = await _movable(manager, booking_id)
    except BookingError as error:
        await open_main_menu(manager, notice=await refusal_text(manager, error))
        return
    manager.show_mode = await fresh_screen(manager)
    await _open_calendar(manager, booking)


async def _movable(manager: DialogManager, booking_id: int) -> Booking:
    """The client's booking if they may still move it, else the booking service's
    refusal, so the client is not sent through the calendar in vain."""
    client = await current_client(manager)
    return await movable_booking(
        db_session(manager), booking_id=booking_id, actor=Actor.client(client), now=now(manager)
    )


async def _open_calendar(manager: DialogManager, booking: Booking) -> None:
    await manager.start(
        BookingSG.service,
        data={
            booking_keys.SERVICE_ID: booking.service_id,
            booking_keys.STAFF_ID: booking.staff_id,
            booking_keys.RESCHEDULE_ID: booking.id,
            booking_keys.MOVING_FROM: booking.starts_at.isoformat(),
        },
    )


async def on_book_again(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item: str
) -> None:
    """The same service with the same staff member, straight to the calendar."""
    booking_id = await _own_booking_id(manager, item)
    if booking_id is None:
        return
    booking = await get_client_booking(
        db_session(manager), booking_id=booking_id, client_id=(await current_client(manager)).id
    )
    await manager.start(
        BookingSG.service,
        data={booking_keys.SERVICE_ID: booking.service_id, booking_keys.STAFF_ID: booking.staff_id},
    )
