"""What the business stores about the client, shown to them (privacy law's right of access)."""

from __future__ import annotations

from typing import Any

from aiogram_dialog import DialogManager
from sqlalchemy.ext.asyncio import AsyncSession

from db.clock import Clock
from db.services.clients import export_client_data
from dialogs.common import current_client, formatter
from dialogs.my_data.keys import CANCELLED
from locales import Translator


async def stored_data(
    dialog_manager: DialogManager,
    session: AsyncSession,
    clock: Clock,
    i18n: Translator,
    **_: Any,
) -> dict[str, Any]:
    client = await current_client(dialog_manager)
    data = await export_client_data(session, client_id=client.id, now=clock.now())
    unknown = i18n("my-data-unknown")
    fmt = formatter(dialog_manager)
    return {
        "telegram_id": str(data.telegram_id or unknown),
        "client_name": data.name or unknown,
        "phone": data.phone or unknown,
        "language": i18n(f"language-{data.locale}") if data.locale else unknown,
        "since": fmt.day_of_year(fmt.local(data.created_at).date()),
        "total": data.bookings_total,
        "upcoming": data.bookings_upcoming,
    }


async def erased(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {"cancelled": dialog_manager.dialog_data.get(CANCELLED, 0)}
