"""Data of the main menu."""

from __future__ import annotations

from typing import Any

from aiogram.types import User
from sqlalchemy.ext.asyncio import AsyncSession

from db.services.catalog import business_profile
from db.services.clients import visible_name


async def greeting(session: AsyncSession, event_from_user: User, **_: Any) -> dict[str, Any]:
    business = await business_profile(session)
    # A first name that shows nothing (Telegram's "invisible name") greets without one.
    return {"name": visible_name(event_from_user.first_name), "business": business.name}
