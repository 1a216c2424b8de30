"""/start and /help."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from db.services.business import get_business
from locales import Translator

router = Router(name="common")
router.message.filter(F.chat.type == "private")


@router.message(CommandStart())
async def start(message: Message, session: AsyncSession, i18n: Translator) -> None:
    business = await get_business(session)
    name = message.from_user.first_name if message.from_user else ""
    await message.answer(i18n("start-greeting", name=name, business=business.name))


@router.message(Command("help"))
async def show_help(message: Message, i18n: Translator) -> None:
    await message.answer(i18n("help-text"))
