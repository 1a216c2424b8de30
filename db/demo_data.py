"""`run.py demo-data`: a realistic demo business to try the bot on.

A small barbershop and beauty studio: services of different lengths and prices
(some with a buffer for cleaning up), three staff members with their own weekly
hours, a lunch break every working day and different days off. Names carry both
languages, since one deployment talks Russian and English to its clients.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Booking, Service, Staff, WorkingInterval
from db.services.business import get_business

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


class DatabaseNotEmpty(Exception):
    """The database already holds a business's data; demo data would mix into it."""


@dataclass(frozen=True)
class DemoService:
    name: str
    description: str
    minutes: int
    price: int
    buffer: int = 0


@dataclass(frozen=True)
class DemoStaff:
    name: str
    days: tuple[int, ...]
    # Two intervals a day: the gap between them is the lunch break.
    hours: tuple[tuple[time, time], tuple[time, time]]
    services: tuple[int, ...]  # indexes into SERVICES


SERVICES = (
    DemoService("Стрижка · Haircut", "Мужская или женская стрижка · Any length", 60, 1800, 10),
    DemoService("Стрижка машинкой · Clipper cut", "Одна насадка · One guard", 30, 900),
    DemoService("Оформление бороды · Beard trim", "С горячим полотенцем · Hot towel", 30, 1000),
    DemoService("Окрашивание · Colouring", "Краска включена · Dye included", 120, 4500, 15),
    DemoService("Маникюр · Manicure", "Классический · Classic", 90, 2200, 15),
)

STAFF = (
    DemoStaff(
        "Анна · Anna",
        (MON, TUE, WED, THU, FRI),
        ((time(9), time(13)), (time(14), time(18))),
        (0, 1, 3),
    ),
    DemoStaff(
        "Олег · Oleg",
        (TUE, WED, THU, FRI, SAT),
        ((time(11), time(15)), (time(16), time(20))),
        (0, 1, 2),
    ),
    DemoStaff(
        "Мария · Maria",
        (WED, THU, FRI, SAT, SUN),
        ((time(10), time(14)), (time(14, 30), time(19))),
        (3, 4),
    ),
)


@dataclass(frozen=True)
class DemoSummary:
    services: int
    staff: int
    intervals: int


async def _has_data(session: AsyncSession) -> bool:
    for model in (Service, Staff, Booking):
        if await session.scalar(select(func.count()).select_from(model)):
            return True
    return False


async def fill_demo_data(session: AsyncSession) -> DemoSummary:
    """Add the demo business in the caller's transaction; refuse a database in use."""
    if await _has_data(session):
        raise DatabaseNotEmpty("the database already has services, staff or bookings")
    business = await get_business(session)
    business.name = "Zapis Studio"
    business.address = "Москва, ул. Пятницкая, 10 · 10 Pyatnitskaya St, Moscow"
    business.phone = "+7 495 123-45-67"
    business.latitude = 55.7437
    business.longitude = 37.6283
    business.currency = "RUB"

    services = [
        Service(
            name=item.name,
            description=item.description,
            duration_minutes=item.minutes,
            price=Decimal(item.price),
            buffer_after_minutes=item.buffer,
            sort_order=order,
        )
        for order, item in enumerate(SERVICES)
    ]
    staff = [
        Staff(name=item.name, sort_order=order, services=[services[i] for i in item.services])
        for order, item in enumerate(STAFF)
    ]
    session.add_all([*services, *staff])
    await session.flush()
    intervals = [
        WorkingInterval(staff_id=member.id, weekday=day, start_time=start, end_time=end)
        for member, item in zip(staff, STAFF, strict=True)
        for day in item.days
        for start, end in item.hours
    ]
    session.add_all(intervals)
    await session.flush()
    return DemoSummary(services=len(services), staff=len(staff), intervals=len(intervals))
