"""A staff member switched off while a client is booking with them (or linked to):
the client is told and chooses again, never shown them as "any available"."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Staff
from tests.dialogs.conftest import Chat, bookings_of
from tests.factories import World, make_client, switch_off

STAFF_GONE = "этот мастер больше не принимает"


async def test_a_time_tapped_after_the_staff_member_is_off_leads_back_to_the_staff(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    await chat.send("/start")
    await chat.tap("📅 .*")
    await chat.tap("Haircut · .*")
    await chat.tap("Staff 1")
    await chat.tap("24")
    await switch_off(session, Staff, world.staff_ids[0])
    await chat.tap("10:00")

    assert STAFF_GONE in chat.text and "К кому вас записать?" in chat.text
    assert "Staff 2" in chat.buttons() and "Staff 1" not in chat.buttons()
    await chat.tap("Staff 2")
    assert "Haircut, Staff 2. Выберите день" in chat.text


async def test_the_confirm_screen_never_calls_a_switched_off_staff_member_any_available(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    client = await make_client(session, name="Ivan", telegram_id=chat.user_id)
    await session.commit()
    await chat.send("/start")
    await chat.book(service="Haircut", staff="Staff 1", day=24, time="10:00")
    await switch_off(session, Staff, world.staff_ids[0])
    await chat.send("hello?")  # the window again, under a hint
    assert "Мастер: мастер больше не принимает" in chat.text
    assert "Любой свободный мастер" not in chat.text

    await chat.tap("✅ .*")
    assert STAFF_GONE in chat.text and "К кому вас записать?" in chat.text
    assert await bookings_of(session, client.id) == []


async def test_a_link_to_an_unknown_or_switched_off_staff_member_lists_every_service(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    await switch_off(session, Staff, world.staff_ids[1])
    for payload in ("staff_999", f"staff_{world.staff_ids[1]}"):
        await chat.send(f"/start {payload}")
        assert STAFF_GONE in chat.text and "Выберите услугу" in chat.text
        assert any(button.startswith("Haircut · ") for button in chat.buttons())
        assert any(button.startswith("Colouring · ") for button in chat.buttons())
