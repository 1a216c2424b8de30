"""About and contacts: the business's details and opening hours."""

from __future__ import annotations

from typing import Any

from aiogram_dialog import DialogManager
from sqlalchemy.ext.asyncio import AsyncSession

from db.services.catalog import business_profile, opening_hours
from dialogs.common import formatter, optional_lines
from locales import Translator


async def about(
    dialog_manager: DialogManager, session: AsyncSession, i18n: Translator, **_: Any
) -> dict[str, Any]:
    business = await business_profile(session)
    fmt = formatter(dialog_manager)
    hours = await opening_hours(session)
    names = fmt.weekday_names()
    lines = [
        f"{names[weekday]}: "
        + (
            f"{fmt.clock_time(hours[weekday][0])}–{fmt.clock_time(hours[weekday][1])}"
            if weekday in hours
            else i18n("about-day-off")
        )
        for weekday in range(7)
    ]
    return {
        "business": business.name,
        "contacts": optional_lines(
            i18n,
            ("line-address", business.address),
            ("line-phone", business.phone),
            ("line-email", business.email),
            ("line-website", business.website),
        ),
        "hours": "\n".join(lines),
        "has_location": business.latitude is not None and business.longitude is not None,
    }
