"""A business that has not filled in its address or contacts: the screens skip those
lines instead of showing an empty one."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tests.dialogs.conftest import Chat
from tests.factories import make_client, make_world


async def test_no_address_and_no_contacts_leave_no_empty_line(
    chat: Chat, session: AsyncSession
) -> None:
    await make_world(session, address=None, phone=None)
    await make_client(session, telegram_id=chat.user_id)
    await session.commit()
    await chat.send("/start")

    await chat.tap("ℹ️ .*")
    assert "Часы работы" in chat.text and "\n\n" not in chat.text
    await chat.tap("☰ .*")
    await chat.book(service="Haircut", staff="Staff 1", day=24, time="10:00")
    assert "Проверьте" in chat.text and "\n\n" not in chat.text
    await chat.tap("✅ .*")
    assert "Вы записаны" in chat.text and "\n\n" not in chat.text
