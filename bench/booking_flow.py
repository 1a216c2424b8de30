"""The real booking flow for the benchmark: a seeded business and a client who books.

The client presses what the dialogs render (a random service, staff member or
"any", free day and time), shares their contact, gives a name and skips the
comment if asked, and confirms: the longest path, a first booking. A time taken by
another simulated user meanwhile sends them back to the grid, where they pick
another, as a client would.
"""

from __future__ import annotations

import random
from datetime import time

from sqlalchemy.ext.asyncio import AsyncSession

from bench.simulated_user import NoSuchButton, SimulatedUser
from tests.factories import make_business, make_service, make_staff

SERVICE_COUNT = 10
STAFF_COUNT = 5
# 09:00–13:00 and 14:00–20:00 every day: room for a few thousand bookings a month.
TRIES_AFTER_TAKEN = 3
HOURS = dict.fromkeys(range(7), ((time(9), time(13)), (time(14), time(20))))


async def seed_business(session: AsyncSession, timezone: str) -> None:
    await make_business(session, name="Bench Salon", address="1 Main St", timezone=timezone)
    services = [
        await make_service(
            session,
            name=f"Service {number}",
            duration_minutes=30 + 15 * (number % 4),
            price=f"{1000 + 100 * number}.00",
            sort_order=number,
        )
        for number in range(1, SERVICE_COUNT + 1)
    ]
    for number in range(1, STAFF_COUNT + 1):
        await make_staff(
            session,
            name=f"Master {number}",
            service_ids=[service.id for service in services],
            hours=HOURS,
        )
    await session.commit()


async def booking_flow(user: SimulatedUser) -> None:
    rng = random.Random(user.user.id)
    await user.send("/start")
    await user.click(data="book")
    await user.click(data="service:.+", rng=rng)
    if user.find(data="any_staff"):
        await user.click(data="staff:.+|any_staff", rng=rng)
    await user.click(data=r"day:\d{4}-\d\d-\d\d", rng=rng)
    await _pick_time(user, rng)
    await user.share_contact("+79001234567")
    if not user.find(data="skip_comment|confirm"):
        await user.send(user.user.first_name)  # the name step, when it is asked
    if user.find(data="skip_comment"):
        await user.click(data="skip_comment")
    for _ in range(TRIES_AFTER_TAKEN):
        await user.click(data="confirm")
        if not user.find(data="time:.+"):
            break
        await _pick_time(user, rng)  # taken since the grid was shown: the rest is known
    if not user.find(data="to_my_bookings"):
        raise NoSuchButton(f"no booking made: {user.screen.text if user.screen else None!r}")


async def _pick_time(user: SimulatedUser, rng: random.Random) -> None:
    """A time from the grid; one another simulated user took since the grid was
    shown keeps the grid up, and the client picks another."""
    for _ in range(TRIES_AFTER_TAKEN):
        await user.click(data="time:.+", rng=rng)
        if not user.find(data="time:.+"):
            return
