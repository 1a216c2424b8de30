"""Builders of test data: a business, services, staff with weekly hours, clients.

Each helper adds rows and flushes, never commits: the test decides. `make_world`
builds a small ready-to-book business and returns its ids, so tests read like
the product ("Anna does haircuts, 10–14 and 15–19 every day").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Booking,
    BusinessSettings,
    Client,
    ConfirmationMode,
    Service,
    Staff,
    WorkingInterval,
    staff_services,
)
from db.services.booking import create_booking
from db.services.business import get_business

TIMEZONE = "Europe/Moscow"
ADMIN_ID = 900_001

# Every day of the week: 10:00–14:00, lunch, 15:00–19:00 (local time).
DAY_WITH_LUNCH: tuple[tuple[time, time], ...] = ((time(10), time(14)), (time(15), time(19)))
EVERY_DAY: Mapping[int, Sequence[tuple[time, time]]] = dict.fromkeys(range(7), DAY_WITH_LUNCH)

_telegram_ids = count(100_000)


def local(day: date, hhmm: str, timezone: str = TIMEZONE) -> datetime:
    """A local wall-clock time on a day, as the aware UTC instant the services take."""
    wall = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=ZoneInfo(timezone))
    return wall.astimezone(UTC)


async def make_business(session: AsyncSession, **settings: Any) -> BusinessSettings:
    """The settings row in `TIMEZONE`, with any field overridden."""
    business = await get_business(session)
    business.timezone = TIMEZONE
    for name, value in settings.items():
        setattr(business, name, value)
    await session.flush()
    return business


async def make_service(
    session: AsyncSession,
    *,
    name: str = "Haircut",
    duration_minutes: int = 60,
    price: Decimal | str = "1500.00",
    buffer_after_minutes: int = 0,
    active: bool = True,
    sort_order: int = 0,
) -> Service:
    service = Service(
        name=name,
        duration_minutes=duration_minutes,
        price=Decimal(price),
        buffer_after_minutes=buffer_after_minutes,
        active=active,
        sort_order=sort_order,
    )
    session.add(service)
    await session.flush()
    return service


async def make_staff(
    session: AsyncSession,
    *,
    name: str = "Anna",
    service_ids: Iterable[int] = (),
    hours: Mapping[int, Sequence[tuple[time, time]]] = EVERY_DAY,
    telegram_id: int | None = None,
    active: bool = True,
) -> Staff:
    """A staff member doing the given services, with weekly hours {weekday: [(start, end)]}."""
    staff = Staff(name=name, telegram_id=telegram_id, active=active)
    session.add(staff)
    await session.flush()
    links = [{"staff_id": staff.id, "service_id": service_id} for service_id in service_ids]
    if links:
        await session.execute(insert(staff_services), links)
    session.add_all(
        WorkingInterval(staff_id=staff.id, weekday=weekday, start_time=start, end_time=end)
        for weekday, intervals in hours.items()
        for start, end in intervals
    )
    await session.flush()
    return staff


async def make_client(
    session: AsyncSession,
    *,
    name: str = "Client",
    telegram_id: int | None = None,
    phone: str | None = "+79001234567",
    locale: str = "ru",
) -> Client:
    client = Client(
        name=name,
        telegram_id=next(_telegram_ids) if telegram_id is None else telegram_id,
        phone=phone,
        locale=locale,
    )
    session.add(client)
    await session.flush()
    return client


@dataclass(frozen=True)
class World:
    """Ids of a small business ready to take bookings."""

    service_id: int  # 60 minutes, 1500.00, no buffer
    buffered_service_id: int  # 45 minutes, 2000.00, 15 minutes buffer after
    staff_ids: tuple[int, ...]  # all do both services, EVERY_DAY hours
    staff_telegram_ids: tuple[int, ...]
    client_id: int
    other_client_id: int


async def make_world(
    session: AsyncSession,
    *,
    staff_count: int = 2,
    confirmation_mode: ConfirmationMode = ConfirmationMode.AUTO,
    commit: bool = True,
    **settings: Any,
) -> World:
    """A business in `TIMEZONE` with two services, `staff_count` staff and two clients.

    Committed by default, so other sessions (concurrency tests) see it too.
    """
    await make_business(session, confirmation_mode=confirmation_mode, **settings)
    service = await make_service(session)
    buffered = await make_service(
        session, name="Colouring", duration_minutes=45, price="2000.00", buffer_after_minutes=15
    )
    staff_telegram_ids = tuple(next(_telegram_ids) for _ in range(staff_count))
    staff = [
        await make_staff(
            session,
            name=f"Staff {number}",
            service_ids=(service.id, buffered.id),
            telegram_id=telegram_id,
        )
        for number, telegram_id in enumerate(staff_telegram_ids, start=1)
    ]
    client = await make_client(session, name="Ivan")
    other = await make_client(session, name="Maria")
    world = World(
        service_id=service.id,
        buffered_service_id=buffered.id,
        staff_ids=tuple(member.id for member in staff),
        staff_telegram_ids=staff_telegram_ids,
        client_id=client.id,
        other_client_id=other.id,
    )
    if commit:
        await session.commit()
    return world


async def book(
    session: AsyncSession,
    world: World,
    *,
    starts_at: datetime,
    now: datetime,
    client_id: int | None = None,
    **overrides: Any,
) -> Booking:
    """The world's 60-minute service with its first staff member, booked through the
    real booking service, so every rule and notification applies."""
    arguments = {
        "client_id": client_id or world.client_id,
        "service_id": world.service_id,
        "staff_id": world.staff_ids[0],
        "starts_at": starts_at,
        "now": now,
    } | overrides
    return await create_booking(session, **arguments)


async def switch_off(session: AsyncSession, model: type[Service | Staff], item_id: int) -> None:
    """The owner switches a service or a staff member off (committed, as an admin would)."""
    await session.execute(update(model).where(model.id == item_id).values(active=False))
    await session.commit()
