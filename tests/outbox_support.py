"""What the outbox and reminder tests share: settings, a virtual sleep, a sender, bookings."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from db.models import Booking, OutboxMessage
from scheduler.pacing import PacingGate
from scheduler.sender import OutboxSender
from tests import factories
from tests.conftest import FrozenClock
from tests.factories import ADMIN_ID, TIMEZONE, World
from tests.stub_session import STUB_TOKEN, StubSession, stub_bot


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "bot_token": STUB_TOKEN,
        "admin_ids": [ADMIN_ID],
        "timezone": TIMEZONE,
        "default_locale": "ru",
        "database_url": "sqlite+aiosqlite:///:memory:",
        "redis_url": None,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


class VirtualSleep:
    """Sleeping that moves the frozen clock instead of waiting; remembers each pause."""

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.pauses: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))


def make_sender(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    telegram: StubSession,
    *,
    worker_id: str = "test-worker",
    rate: float = 28.0,
    sleep: VirtualSleep | None = None,
    **options: object,
) -> OutboxSender:
    return OutboxSender(
        bot=stub_bot(telegram),
        sessionmaker=sessionmaker,
        clock=clock,
        gate=PacingGate(rate_per_second=rate, clock=clock, sleep=sleep or VirtualSleep(clock)),
        default_locale="ru",
        worker_id=worker_id,
        **options,  # type: ignore[arg-type]
    )


async def book(
    sessionmaker: async_sessionmaker[AsyncSession],
    world: World,
    starts_at: datetime,
    now: datetime,
    *,
    client_id: int | None = None,
    staff_index: int = 0,
) -> Booking:
    async with sessionmaker() as session:
        booking = await factories.book(
            session,
            world,
            client_id=client_id,
            staff_id=world.staff_ids[staff_index],
            starts_at=starts_at,
            now=now,
            admin_ids=[ADMIN_ID],
        )
        await session.commit()
    return booking


async def outbox_rows(
    sessionmaker: async_sessionmaker[AsyncSession], **filters: object
) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in filters.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return list(await session.scalars(query))
