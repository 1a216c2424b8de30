"""Sending the business's location as a Telegram venue (a map the client can open)."""

from __future__ import annotations

from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.kbd import Button

from db.services.catalog import business_profile
from dialogs.common import db_session


async def on_location(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    business = await business_profile(db_session(manager))
    if business.latitude is None or business.longitude is None:
        return
    await manager.middleware_data["bot"].send_venue(
        manager.middleware_data["event_chat"].id,
        latitude=business.latitude,
        longitude=business.longitude,
        title=business.name,
        address=business.address or business.name,
    )
    # The venue is now the last message: show the menu again below it.
    manager.show_mode = ShowMode.SEND
