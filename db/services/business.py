"""The business's own settings row."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BusinessSettings


async def get_business(session: AsyncSession) -> BusinessSettings:
    """The settings row, created with defaults the first time it is asked for."""
    business = await session.get(BusinessSettings, 1)
    if business is None:
        business = BusinessSettings(id=1)
        session.add(business)
        await session.flush()
    return business


async def ensure_business(session: AsyncSession, timezone: str) -> BusinessSettings:
    """Create the row if needed and apply `TIMEZONE` from the settings, which wins."""
    business = await get_business(session)
    if business.timezone != timezone:
        business.timezone = timezone
        await session.flush()
    return business
