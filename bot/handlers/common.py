"""/start, /cancel and /help: the ways into the main menu from anywhere."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message
from aiogram_dialog import DialogManager
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import PrivateChat
from db.services.clients import get_or_create_client
from dialogs.booking.keys import SERVICE_ID, STAFF_ID
from dialogs.common import parse_id
from dialogs.main_menu import fresh_screen, open_main_menu
from dialogs.states import BookingSG
from locales import Translator

DEEP_LINK_KEYS = {"service": SERVICE_ID, "staff": STAFF_ID}


def create_router() -> Router:
    """A fresh router: a router belongs to one dispatcher, and tests build many."""
    router = Router(name="common")
    router.message.filter(PrivateChat())
    router.message.register(start, CommandStart())
    router.message.register(cancel, Command("cancel"))
    router.message.register(show_help, Command("help"))
    return router


def deep_link_choice(payload: str | None) -> dict[str, int] | None:
    """`service_12` / `staff_3` from a t.me/bot?start=… link, as booking start data."""
    kind, _, raw_id = (payload or "").partition("_")
    key = DEEP_LINK_KEYS.get(kind)
    item_id = parse_id(raw_id)
    return {key: item_id} if key and item_id else None


async def start(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    dialog_manager: DialogManager,
) -> None:
    """The greeting and menu; a deep link goes on to booking with its choice made."""
    if message.from_user is not None:
        await get_or_create_client(
            session,
            telegram_id=message.from_user.id,
            name=message.from_user.full_name,
            language=message.from_user.language_code,
        )
    choice = deep_link_choice(command.args)
    if choice is None:
        await open_main_menu(dialog_manager)
        return
    # The booking over the menu, one message: its first step, or the menu with the
    # reason when the client may not book.
    show_mode = await fresh_screen(dialog_manager)
    await open_main_menu(dialog_manager, shown=False)
    await dialog_manager.start(BookingSG.service, data=choice, show_mode=show_mode)


async def cancel(message: Message, dialog_manager: DialogManager, i18n: Translator) -> None:
    await open_main_menu(dialog_manager, notice=i18n("cancelled-to-menu"))


async def show_help(message: Message, i18n: Translator) -> None:
    await message.answer(i18n("help-text"))
