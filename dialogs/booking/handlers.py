"""What the booking windows do on a tap or a message: translate, call a service, move on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import uuid4

from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button

from db.models import Booking, Client
from db.services.booking import (
    TEXT_MAX_LENGTH,
    Actor,
    BookingView,
    booking_details,
    check_booking_limit,
    create_booking,
    get_client_booking,
    reschedule_booking,
)
from db.services.calendar import browse_rules, why_not_offered
from db.services.catalog import (
    active_services,
    business_profile,
    get_active_service,
    get_active_staff,
    offered_staff,
    unoffered_service_name,
)
from db.services.clients import ClientDataError, set_name, set_phone, set_shared_phone
from db.services.errors import (
    BookingError,
    InvalidStart,
    MoveServiceOff,
    MoveStaffOff,
    OutsideWorkingHours,
    ServiceUnavailable,
    SlotTaken,
    StaffUnavailable,
    TooFarAhead,
    TooManyUpcoming,
    TooSoon,
)
from db.services.ics import booking_ics
from dialogs.booking import keys
from dialogs.booking.getters import BOOKED_THIS_UPDATE, free_times
from dialogs.common import (
    HISTORY,
    current_client,
    db_session,
    done_with_notice,
    go_back,
    go_to,
    now,
    opened_over_another,
    parse_id,
    refusal_text,
    rewind_to,
    set_notice,
    settings_of,
    translator,
)
from dialogs.main_menu import open_main_menu
from dialogs.my_bookings import show_booking
from dialogs.states import BookingSG

# Refusals that mean "pick another time": the grid comes back fresh.
TIME_PROBLEMS = (SlotTaken, TooSoon, TooFarAhead, OutsideWorkingHours, InvalidStart)
# Refusals that mean "this choice is gone": back to the staff or the services.
CHOICE_PROBLEMS = (ServiceUnavailable, StaffUnavailable)


async def start_flow(start_data: object, manager: DialogManager) -> None:
    """Apply a preselection (deep link, "book again", reschedule) and skip the steps it answers.

    The skipped steps stay in the history, so Back still leads through them,
    except when moving a booking: there Back from the calendar leaves the dialog.
    A move keeps the booking's service and staff member whatever happens to
    them (`_choice_gone`), so it can never turn into a new booking. A client
    who may not book one more visit is told before choosing one.
    """
    if not isinstance(start_data, dict):
        start_data = {}
    data = manager.dialog_data
    service_id = parse_id(start_data.get(keys.SERVICE_ID))
    staff_id = parse_id(start_data.get(keys.STAFF_ID))
    reschedule_id = parse_id(start_data.get(keys.RESCHEDULE_ID))
    if reschedule_id is None:
        if not await _may_book(manager):
            return
        # Confirm tapped again, or delivered again after a crash, finds the booking
        # this dialog made instead of making a second one.
        data[keys.REQUEST_KEY] = uuid4().hex
    if service_id is None:
        if staff_id is None:
            return
        if await active_services(db_session(manager), staff_id=staff_id):
            data[keys.PRESET_STAFF_ID] = staff_id
        else:  # unknown, switched off, or doing nothing offered: all services instead
            set_notice(manager, translator(manager)("booking-staff-gone"))
        return
    if reschedule_id is not None:
        data[keys.RESCHEDULE_ID] = reschedule_id
        data[keys.MOVING_FROM] = start_data.get(keys.MOVING_FROM)
        data[keys.SERVICE_ID] = service_id
        data[keys.STAFF_ID] = staff_id
        if problem := await _choice_problem(manager):
            await _choice_gone(manager, problem)
            return
        await manager.switch_to(BookingSG.day)
        return
    if await get_active_service(db_session(manager), service_id) is None:
        # Still offered by the business but by nobody at the moment (the only specialist
        # switched off): "choose again" would be wrong when nothing else can be booked.
        i18n = translator(manager)
        name = await unoffered_service_name(db_session(manager), service_id)
        notice = i18n(
            "booking-service-gone" if name is None else "booking-service-idle", name=name or ""
        )
        set_notice(manager, notice)
        return
    data[keys.SERVICE_ID] = service_id
    if staff_id is not None and await _does_service(manager, staff_id, service_id):
        data[keys.STAFF_ID] = staff_id
        data[HISTORY] = [BookingSG.service.state, BookingSG.staff.state]
        await manager.switch_to(BookingSG.day)
        return
    if staff_id is not None:  # "book again" with someone no longer offered: say so
        set_notice(manager, translator(manager)("booking-staff-gone"))
    data[HISTORY] = [BookingSG.service.state]
    await manager.switch_to(BookingSG.staff)


async def _may_book(manager: DialogManager) -> bool:
    """Whether the client is under the limit of upcoming bookings; if not, they
    are shown the reason (`_leave`) before anything is chosen."""
    client = await current_client(manager)
    try:
        await check_booking_limit(db_session(manager), client_id=client.id, now=now(manager))
    except TooManyUpcoming as error:
        await _leave(manager, error)
        return False
    return True


async def _leave(manager: DialogManager, error: BookingError) -> None:
    """No booking can be made: back where Book was tapped (the menu, My bookings),
    with the reason; the main menu when nothing is open under the booking."""
    notice = await refusal_text(manager, error)
    if opened_over_another(manager):
        await done_with_notice(manager, notice)
    else:
        await open_main_menu(manager, notice=notice)


async def _does_service(manager: DialogManager, staff_id: int, service_id: int) -> bool:
    members = await offered_staff(db_session(manager), service_id)
    return any(member.id == staff_id for member in members)


async def _choice_problem(manager: DialogManager) -> type[BookingError] | None:
    """`ServiceUnavailable` or `StaffUnavailable` when the service or the staff
    member chosen is no longer offered (switched off, or no longer linked)."""
    data = manager.dialog_data
    service_id = data.get(keys.SERVICE_ID)
    if not service_id or await get_active_service(db_session(manager), service_id) is None:
        return ServiceUnavailable
    staff_id = data.get(keys.STAFF_ID)
    if staff_id is not None and not await _does_service(manager, staff_id, service_id):
        return StaffUnavailable
    return None


async def _choice_gone(
    manager: DialogManager, problem: type[BookingError] = ServiceUnavailable
) -> None:
    """The service or staff member was switched off meanwhile (`problem`): choose
    again from the staff (or the services), or, when moving a booking, leave with
    the reason."""
    data = manager.dialog_data
    if data.get(keys.RESCHEDULE_ID):
        refusal = MoveStaffOff() if problem is StaffUnavailable else MoveServiceOff()
        await _move_refused(manager, refusal)
        return
    for key in (keys.STAFF_ID, keys.PRESET_STAFF_ID, keys.DAY, keys.STARTS_AT):
        data.pop(key, None)
    if problem is StaffUnavailable:
        set_notice(manager, translator(manager)("booking-staff-gone"))
        await rewind_to(manager, BookingSG.staff)
        return
    data.pop(keys.SERVICE_ID, None)
    set_notice(manager, translator(manager)("booking-service-gone"))
    await rewind_to(manager, BookingSG.service)


async def _move_refused(manager: DialogManager, error: BookingError) -> None:
    """The booking cannot be moved after all: back to its details, with the reason."""
    await show_booking(
        manager, manager.dialog_data[keys.RESCHEDULE_ID], await refusal_text(manager, error)
    )


async def on_back(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """A step back, or out to the dialog this one was opened over. Opened over
    nothing (a reminder's Reschedule after a restart), Back out of it leads to
    the booking being moved, or to the menu."""
    data = manager.dialog_data
    if data.get(HISTORY) or opened_over_another(manager):
        await go_back(manager)
    elif data.get(keys.RESCHEDULE_ID):
        await show_booking(manager, data[keys.RESCHEDULE_ID])
    else:
        await open_main_menu(manager)


async def on_service(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item_id: str
) -> None:
    service_id = parse_id(item_id)
    if service_id is None or await get_active_service(db_session(manager), service_id) is None:
        await _choice_gone(manager)
        return
    data = manager.dialog_data
    data[keys.SERVICE_ID] = service_id
    data.pop(keys.MONTH, None)
    preset = data.get(keys.PRESET_STAFF_ID)
    if preset and await _does_service(manager, preset, service_id):
        data[keys.STAFF_ID] = preset
        await go_to(manager, BookingSG.day)
    else:
        await go_to(manager, BookingSG.staff)


async def on_staff(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item_id: str
) -> None:
    staff_id = parse_id(item_id)
    service_id = manager.dialog_data.get(keys.SERVICE_ID)
    if staff_id is None or not service_id or not await _does_service(manager, staff_id, service_id):
        await _choice_gone(manager)
        return
    manager.dialog_data[keys.STAFF_ID] = staff_id
    await go_to(manager, BookingSG.day)


async def on_any_staff(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data[keys.STAFF_ID] = None
    await go_to(manager, BookingSG.day)


async def on_month(
    callback: CallbackQuery, widget: Any, manager: DialogManager, month: date
) -> None:
    manager.dialog_data[keys.MONTH] = month.isoformat()


async def on_day(callback: CallbackQuery, widget: Any, manager: DialogManager, day: date) -> None:
    data = manager.dialog_data
    if problem := await _choice_problem(manager):
        await _choice_gone(manager, problem)
        return
    data[keys.DAY] = day.isoformat()
    if not await free_times(manager, db_session(manager), now(manager)):
        data.pop(keys.DAY)
        set_notice(manager, translator(manager)(await _day_refusal(manager, day)))
        return
    await go_to(manager, BookingSG.time)


async def _day_refusal(manager: DialogManager, day: date) -> str:
    """Why a tapped day offers no time, as a key in locales/. Within today … the
    booking horizon it has filled up since the calendar was shown; outside it (a
    day that has passed since, or a forged one) it could never be booked."""
    service_id = manager.dialog_data.get(keys.SERVICE_ID)
    rules = await browse_rules(db_session(manager), service_id, now(manager))
    if rules is not None and rules.today <= day <= rules.last_day:
        return "booking-day-full"
    return "booking-day-unavailable"


async def on_time(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item_id: str
) -> None:
    try:
        starts_at: datetime | None = datetime.fromisoformat(item_id)
    except ValueError:
        starts_at = None
    if starts_at is not None and starts_at.tzinfo is None:  # forged: the grid's carry a zone
        starts_at = None
    if problem := await _choice_problem(manager):
        await _choice_gone(manager, problem)
        return
    session, moment = db_session(manager), now(manager)
    if starts_at is None or starts_at not in await free_times(manager, session, moment):
        service_id = manager.dialog_data.get(keys.SERVICE_ID)
        problem = await why_not_offered(session, service_id, starts_at, moment)
        set_notice(manager, translator(manager)(problem.i18n_key))
        return
    manager.dialog_data[keys.STARTS_AT] = starts_at.isoformat()
    await _advance(manager)


async def _advance(manager: DialogManager) -> None:
    """After the time: ask what is still unknown about the client, then confirm.

    When the client came to change a detail from the confirm screen, go back there.
    """
    if BookingSG.confirm.state in manager.dialog_data.get(HISTORY, []):
        await rewind_to(manager, BookingSG.confirm)
        return
    client = await current_client(manager)
    if manager.dialog_data.get(keys.RESCHEDULE_ID):
        step = BookingSG.confirm  # moving a booking: the client's details are known
    elif not client.phone:
        step = BookingSG.phone
    elif not client.name:
        step = BookingSG.name
    else:
        step = BookingSG.confirm
    await go_to(manager, step)


async def on_contact(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    contact = message.contact
    if contact is None or message.from_user is None:
        return
    client = await current_client(manager)
    try:
        await set_shared_phone(
            db_session(manager),
            client,
            contact.phone_number,
            owner_id=contact.user_id,
            sender_id=message.from_user.id,
            timezone=settings_of(manager).timezone,
        )
    except ClientDataError as error:
        set_notice(manager, translator(manager)(error.i18n_key))
        return
    await _advance(manager)


async def on_phone_text(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    client = await current_client(manager)
    try:
        await set_phone(
            db_session(manager), client, message.text or "", timezone=settings_of(manager).timezone
        )
    except ClientDataError as error:
        set_notice(manager, translator(manager)(error.i18n_key))
        return
    await _advance(manager)


async def on_name(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    client = await current_client(manager)
    try:
        await set_name(db_session(manager), client, message.text or "")
    except ClientDataError as error:
        set_notice(manager, translator(manager)(error.i18n_key))
        return
    await _advance(manager)


EDITABLE_STEPS = {"comment": BookingSG.comment, "phone": BookingSG.phone}


async def on_edit(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Change a detail from the confirm screen; `_advance` brings the client back there."""
    await go_to(manager, EDITABLE_STEPS[button.widget_id or ""])


async def on_comment(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    """A blank comment (only spaces) counts as none, as the "no comment" button does."""
    text = " ".join((message.text or "").split())
    if len(text) > TEXT_MAX_LENGTH:
        set_notice(manager, translator(manager)("booking-comment-too-long", limit=TEXT_MAX_LENGTH))
        return
    await _keep_comment(manager, text or None)


async def on_skip_comment(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _keep_comment(manager, None)


async def _keep_comment(manager: DialogManager, comment: str | None) -> None:
    if comment is None:
        manager.dialog_data.pop(keys.COMMENT, None)
    else:
        manager.dialog_data[keys.COMMENT] = comment
    await rewind_to(manager, BookingSG.confirm)


async def on_confirm(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Book (or move) now; what the screens showed is re-checked by the booking service."""
    data = manager.dialog_data
    i18n = translator(manager)
    if not data.get(keys.STARTS_AT) or not data.get(keys.SERVICE_ID):
        await rewind_to(manager, BookingSG.service)
        return
    client = await current_client(manager)
    try:
        booking = await _book(manager, client.id, Actor.client(client))
    except TIME_PROBLEMS as error:
        data.pop(keys.STARTS_AT, None)
        set_notice(manager, i18n(error.i18n_key))
        await rewind_to(manager, BookingSG.time)
        return
    except BookingError as error:
        if data.get(keys.RESCHEDULE_ID):  # cancelled meanwhile, too late now, …
            await _move_refused(manager, error)
        elif isinstance(error, CHOICE_PROBLEMS):
            await _choice_gone(manager, type(error))
        elif isinstance(error, TooManyUpcoming):  # booked elsewhere meanwhile
            await _leave(manager, error)
        else:
            set_notice(manager, await refusal_text(manager, error))
        return
    data[keys.BOOKING_ID] = booking.id
    await _send_calendar_file(manager, await _view(manager, booking, client))
    manager.show_mode = ShowMode.SEND
    await manager.switch_to(BookingSG.done)


async def _book(manager: DialogManager, client_id: int, actor: Actor) -> Booking:
    data = manager.dialog_data
    session = db_session(manager)
    starts_at = datetime.fromisoformat(data[keys.STARTS_AT])
    admin_ids = settings_of(manager).admin_ids
    if data.get(keys.RESCHEDULE_ID):
        booking = await get_client_booking(
            session, booking_id=data[keys.RESCHEDULE_ID], client_id=client_id
        )
        # Read anyway: should the move be refused, the time grid hides where it is now.
        data[keys.MOVING_FROM] = booking.starts_at.isoformat()
        return await reschedule_booking(
            session,
            booking_id=data[keys.RESCHEDULE_ID],
            actor=actor,
            starts_at=starts_at,
            now=now(manager),
            admin_ids=admin_ids,
        )
    return await create_booking(
        session,
        client_id=client_id,
        service_id=data[keys.SERVICE_ID],
        staff_id=data.get(keys.STAFF_ID),
        starts_at=starts_at,
        now=now(manager),
        comment=data.get(keys.COMMENT),
        admin_ids=admin_ids,
        request_key=data.get(keys.REQUEST_KEY),
    )


async def _view(manager: DialogManager, booking: Booking, client: Client) -> BookingView:
    """The booking just made, as the done screen and its .ics show it: from the rows
    in hand and the catalog's names, unless the catalog has just lost one of them."""
    session = db_session(manager)
    service = await get_active_service(session, booking.service_id)
    staff = await get_active_staff(session, booking.staff_id)
    if service is None or staff is None:
        return await booking_details(session, booking.id)
    return BookingView.of(booking, service.name, staff.name, client)


async def _send_calendar_file(manager: DialogManager, view: BookingView) -> None:
    i18n = translator(manager)
    business = await business_profile(db_session(manager))
    manager.middleware_data[BOOKED_THIS_UPDATE] = view  # the done screen shows it next
    ics = booking_ics(
        view,
        business,
        summary=i18n("booking-ics-summary", business=business.name),
        now=now(manager),
    )
    chat = manager.middleware_data["event_chat"]
    await manager.middleware_data["bot"].send_document(
        chat.id,
        BufferedInputFile(ics, filename=f"booking-{view.id}.ics"),
        caption=i18n("booking-ics-caption"),
    )
