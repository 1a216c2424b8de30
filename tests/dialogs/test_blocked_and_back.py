"""A client who blocked the bot and comes back gets its messages again."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tests.dialogs.conftest import Chat, client_of
from tests.factories import make_client


async def test_writing_again_lifts_the_blocked_mark(chat: Chat, session: AsyncSession) -> None:
    client = await make_client(session, telegram_id=chat.user_id)
    client.blocked_bot = True  # a reminder was refused with 403 while they blocked us
    await session.commit()

    await chat.send("/start")

    client = await client_of(session, chat.user_id)
    assert client is not None and client.blocked_bot is False
