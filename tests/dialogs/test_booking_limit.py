"""A client at the limit of upcoming bookings (3 by default) is told when they tap
Book, not after choosing a visit, and stays where they tapped it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import FrozenClock
from tests.dialogs.conftest import TOMORROW, Chat, bookings_of
from tests.factories import World, book, local, make_client

AT_THE_LIMIT = "У вас уже максимум предстоящих записей"


async def client_with_bookings(
    session: AsyncSession, chat: Chat, world: World, clock: FrozenClock, *times: str
) -> int:
    client = await make_client(session, name="Ivan", telegram_id=chat.user_id)
    for at in times:
        await book(
            session, world, client_id=client.id, starts_at=local(TOMORROW, at), now=clock.now()
        )
    await session.commit()
    return client.id


async def test_book_from_the_menu_at_the_limit_is_refused_at_once(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await client_with_bookings(session, chat, world, clock, "10:00", "11:00", "12:00")
    await chat.send("/start")
    await chat.tap("📅 .*")

    assert AT_THE_LIMIT in chat.text and "Выберите услугу" not in chat.text
    assert "🗂 Мои записи" in chat.buttons()  # the main menu, under the notice


async def test_a_deep_link_at_the_limit_shows_the_menu_once_with_the_reason(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    await client_with_bookings(session, chat, world, clock, "10:00", "11:00", "12:00")
    await chat.send(f"/start service_{world.service_id}")

    (_only,) = chat.manager.sent_messages  # not a greeting first, then another
    assert AT_THE_LIMIT in chat.text and "🗂 Мои записи" in chat.buttons()


async def test_book_and_book_again_in_my_bookings_at_the_limit_are_refused_at_once(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    client_id = await client_with_bookings(session, chat, world, clock, "10:00", "11:00", "12:00")
    clock.set(local(TOMORROW, "11:30"))  # the 10:00 visit is over: one more may be booked
    await book(
        session, world, client_id=client_id, starts_at=local(TOMORROW, "15:00"), now=clock.now()
    )
    await session.commit()
    await chat.send("/start")
    await chat.tap("🗂 .*")
    await chat.tap("📅 .*")
    # Still in My bookings, where the client was, with the reason.
    assert AT_THE_LIMIT in chat.text and "Выберите услугу" not in chat.text
    assert "предстоящие записи. Нажмите" in chat.text and "🗂 Мои записи" not in chat.buttons()

    await chat.tap("🕘 .*")
    await chat.tap("↻ .*Haircut")
    assert AT_THE_LIMIT in chat.text and "Выберите день" not in chat.text
    assert any(button.startswith("↻") for button in chat.buttons())  # the past visits
    assert len(await bookings_of(session, client_id)) == 4


async def test_a_limit_reached_elsewhere_meanwhile_ends_the_flow_with_the_reason(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    client_id = await client_with_bookings(session, chat, world, clock, "10:00", "11:00")
    await chat.send("/start")
    await chat.book(service="Haircut", staff="Staff 1", day=25, time="10:00")
    await book(  # the third one, made meanwhile by phone
        session,
        world,
        client_id=client_id,
        starts_at=local(TOMORROW + timedelta(days=2), "10:00"),
        now=clock.now(),
    )
    await session.commit()
    await chat.tap("✅ .*")

    assert AT_THE_LIMIT in chat.text and "🗂 Мои записи" in chat.buttons()
    assert len(await bookings_of(session, client_id)) == 3
