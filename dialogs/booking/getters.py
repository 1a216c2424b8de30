"""What each booking window shows, read fresh from the services on every render."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiogram_dialog import DialogManager
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import Clock
from db.models import BookingStatus
from db.services.booking import booking_details
from db.services.calendar import browse_rules, free_days_for, free_times_for
from db.services.catalog import (
    active_services,
    business_profile,
    get_active_service,
    get_active_staff,
    offered_staff,
)
from db.services.snapshot import ServiceView
from dialogs.booking import keys
from dialogs.booking.month_grid import (
    GRID_FREE,
    GRID_MONTH,
    GRID_NEXT,
    GRID_PREV,
    GRID_TITLE,
    GRID_WEEKDAYS,
)
from dialogs.common import current_client, duration_text, formatter, optional_lines
from locales import Translator


def service_label(service: ServiceView, i18n: Translator, price: str) -> str:
    return i18n(
        "booking-service-item",
        name=service.name,
        duration=duration_text(i18n, service.duration_minutes),
        price=price,
    )


async def services(
    dialog_manager: DialogManager, session: AsyncSession, i18n: Translator, **_: Any
) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    business = await business_profile(session)
    fmt = formatter(dialog_manager)
    offered = await active_services(session, staff_id=data.get(keys.PRESET_STAFF_ID))
    items = [
        (service.id, service_label(service, i18n, fmt.price(service.price, business.currency)))
        for service in offered
    ]
    preset = await get_active_staff(session, data.get(keys.PRESET_STAFF_ID))  # a staff deep link
    return {
        "services": items,
        "count": len(items),
        "has_services": bool(items),
        "preset_staff": preset is not None,
        "staff_name": preset.name if preset is not None else "",
    }


async def staff(dialog_manager: DialogManager, session: AsyncSession, **_: Any) -> dict[str, Any]:
    service_id = dialog_manager.dialog_data.get(keys.SERVICE_ID)
    members = await offered_staff(session, service_id) if service_id else []
    return {
        "staff": [(member.id, member.name) for member in members],
        "has_staff": bool(members),
        **await _choice(dialog_manager, session),
    }


async def _choice(manager: DialogManager, session: AsyncSession) -> dict[str, Any]:
    """The service and staff member chosen so far, by name."""
    i18n: Translator = manager.middleware_data["i18n"]
    data = manager.dialog_data
    service = await get_active_service(session, data.get(keys.SERVICE_ID))
    staff_id = data.get(keys.STAFF_ID)
    member = await get_active_staff(session, staff_id)
    if member is not None:
        staff_name = member.name
    else:  # a staff member chosen but switched off since is not "any available"
        staff_name = i18n("booking-any-staff-name" if staff_id is None else "booking-staff-off")
    return {
        "service": service.name if service else "",
        "duration": duration_text(i18n, service.duration_minutes) if service else "",
        "staff_name": staff_name,
    }


def _sentence_start(text: str) -> str:
    """ "вторник, 24 ноября" as a line begins: "Вторник, 24 ноября"."""
    return text[:1].upper() + text[1:]


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _shift_month(month: date, step: int) -> date:
    index = month.year * 12 + month.month - 1 + step
    return date(index // 12, index % 12 + 1, 1)


async def days(
    dialog_manager: DialogManager, session: AsyncSession, clock: Clock, **_: Any
) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    fmt = formatter(dialog_manager)
    now = clock.now()
    rules = await browse_rules(session, data.get(keys.SERVICE_ID), now)
    free: list[date] = []
    month = _month_start(now.astimezone(fmt.zone).date())
    first_month = last_month = month
    if rules is not None:
        free = await free_days_for(
            session, first=rules.today, last=rules.last_day, now=now, **_search(data)
        )
        first_month, last_month = _month_start(rules.today), _month_start(rules.last_day)
        wanted = data.get(keys.MONTH) or (free[0].isoformat() if free else None)
        month = _month_start(date.fromisoformat(wanted)) if wanted else first_month
        month = min(max(month, first_month), last_month)
    return {
        GRID_MONTH: month.isoformat(),
        GRID_TITLE: fmt.month(month),
        GRID_WEEKDAYS: fmt.weekday_names(),
        GRID_FREE: [day.isoformat() for day in free if _month_start(day) == month],
        GRID_PREV: _shift_month(month, -1).isoformat() if month > first_month else None,
        GRID_NEXT: _shift_month(month, 1).isoformat() if month < last_month else None,
        "has_days": bool(free),
        "rescheduling": bool(data.get(keys.RESCHEDULE_ID)),
        **await _choice(dialog_manager, session),
    }


def _search(data: dict[str, Any]) -> dict[str, Any]:
    """What the calendar and the time grid both search by: the choice so far and,
    moving a booking, the booking, whose own time is free to it but for the start
    it has now (`MOVING_FROM`, which offers neither that time nor a day with nothing
    else: see `db.services.calendar._choices`)."""
    moving_from = data.get(keys.MOVING_FROM)
    return {
        "service_id": data[keys.SERVICE_ID],
        "staff_id": data.get(keys.STAFF_ID),
        "exclude_booking_id": data.get(keys.RESCHEDULE_ID),
        "moving_from": datetime.fromisoformat(moving_from) if moving_from else None,
    }


FREE_TIMES_THIS_UPDATE = "booking_free_times"  # in middleware data, see `free_times`


async def free_times(
    manager: DialogManager, session: AsyncSession, now: datetime
) -> list[datetime]:
    """Free starts on the chosen day: what the grid shows and what a tap is checked
    against (see `_search` for a booking being moved).

    Kept for the rest of the update (a tap on a day checks them, then the time grid
    shows them): loading them is a query and the engine's work over the day.
    """
    data = manager.dialog_data
    if not data.get(keys.DAY) or not data.get(keys.SERVICE_ID):
        return []
    search = _search(data)
    choice = (*search.values(), data[keys.DAY])
    known: dict[tuple[Any, ...], list[datetime]]
    known = manager.middleware_data.setdefault(FREE_TIMES_THIS_UPDATE, {})
    if choice not in known:
        known[choice] = await free_times_for(
            session, day=date.fromisoformat(data[keys.DAY]), now=now, **search
        )
    return known[choice]


async def times(
    dialog_manager: DialogManager, session: AsyncSession, clock: Clock, **_: Any
) -> dict[str, Any]:
    fmt = formatter(dialog_manager)
    starts = await free_times(dialog_manager, session, clock.now())
    day = dialog_manager.dialog_data.get(keys.DAY)
    return {
        "times": [(start.isoformat(), fmt.time(start)) for start in starts],
        "count": len(starts),
        "day": _sentence_start(fmt.day(date.fromisoformat(day))) if day else "",
        **await _choice(dialog_manager, session),
    }


async def confirm(
    dialog_manager: DialogManager, session: AsyncSession, i18n: Translator, **_: Any
) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    fmt = formatter(dialog_manager)
    business = await business_profile(session)
    client = await current_client(dialog_manager)
    service = await get_active_service(session, data.get(keys.SERVICE_ID))
    starts_at = datetime.fromisoformat(data[keys.STARTS_AT]) if data.get(keys.STARTS_AT) else None
    result: dict[str, Any] = {
        **await _choice(dialog_manager, session),
        "when": fmt.when(starts_at) if starts_at else "",
        "price": fmt.price(service.price, business.currency) if service else "",
        "extra": optional_lines(
            i18n,
            ("line-address", business.address),
            ("line-name", client.name),
            ("line-phone", client.phone),
            ("line-comment", data.get(keys.COMMENT)),
        ),
        "rescheduling": bool(data.get(keys.RESCHEDULE_ID)),
        "old_when": "",
        "already_there": False,
    }
    if data.get(keys.RESCHEDULE_ID):
        old = await booking_details(session, data[keys.RESCHEDULE_ID])
        # Read here anyway: where the booking starts now, should it have been moved
        # since the dialog opened (by staff, in another chat window). The grid
        # hides that start from now on, and a choice of it is no move.
        data[keys.MOVING_FROM] = old.starts_at.isoformat()
        result["old_when"] = fmt.when(old.starts_at)
        result["already_there"] = old.starts_at == starts_at
    return result


BOOKED_THIS_UPDATE = "booking_made"  # in middleware data: the view the handler loaded


async def done(
    dialog_manager: DialogManager, session: AsyncSession, i18n: Translator, **_: Any
) -> dict[str, Any]:
    fmt = formatter(dialog_manager)
    business = await business_profile(session)
    booking_id = dialog_manager.dialog_data[keys.BOOKING_ID]
    view = dialog_manager.middleware_data.get(BOOKED_THIS_UPDATE)
    if view is None or view.id != booking_id:  # a later render (a restart, a re-show)
        view = await booking_details(session, booking_id)
    return {
        "service": view.service_name,
        "staff_name": view.staff_name,
        "when": fmt.when(view.starts_at),
        "extra": optional_lines(i18n, ("line-address", business.address)),
        "pending": view.status == BookingStatus.PENDING,
        "rescheduling": bool(dialog_manager.dialog_data.get(keys.RESCHEDULE_ID)),
    }
