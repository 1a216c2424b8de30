"""The phone step: a shared contact (only the sender's own) or a typed number."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tests.dialogs.conftest import Chat, client_of
from tests.factories import World


async def reach_phone_step(chat: Chat) -> None:
    await chat.send("/start")
    await chat.book(service="Haircut", staff="Staff 1", day=24, time="10:00")
    assert "Как с вами связаться" in chat.text


async def test_the_senders_own_contact_is_taken(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    await reach_phone_step(chat)
    await chat.share_contact("79161234567", owner_id=chat.user_id)
    assert "Проверьте" in chat.text
    client = await client_of(session, chat.user_id)
    assert client is not None and client.phone == "+79161234567"


async def test_the_senders_own_anonymous_number_is_taken(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    """Telegram's anonymous +888 numbers are the user's own, verified by Telegram,
    though no numbering plan lists them."""
    await reach_phone_step(chat)
    await chat.share_contact("88804123456", owner_id=chat.user_id)
    assert "Проверьте" in chat.text
    client = await client_of(session, chat.user_id)
    assert client is not None and client.phone == "+88804123456"


async def test_someone_elses_contact_is_refused(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    await reach_phone_step(chat)
    await chat.share_contact("+79160000000", owner_id=chat.user_id + 1)
    assert "свой номер" in chat.text and "Как с вами связаться" in chat.text
    await chat.share_contact("+79160000000", owner_id=None)
    assert "свой номер" in chat.text
    client = await client_of(session, chat.user_id)
    assert client is not None and client.phone is None


async def test_a_typed_number_is_checked_and_normalized(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    await reach_phone_step(chat)
    await chat.send("call me maybe")
    assert "не похоже на номер" in chat.text
    await chat.send("12345")
    assert "не похоже на номер" in chat.text
    await chat.send("+7 (916) 123-45-67")
    assert "Проверьте" in chat.text
    client = await client_of(session, chat.user_id)
    assert client is not None and client.phone == "+79161234567"


async def test_a_remembered_phone_can_be_changed(
    chat: Chat, session: AsyncSession, world: World
) -> None:
    await reach_phone_step(chat)
    await chat.send("+7 916 123-45-67")
    await chat.tap("📞 .*")
    await chat.send("+7 916 765-43-21")
    assert "Проверьте" in chat.text and "+79167654321" in chat.text
