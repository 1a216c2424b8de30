"""The command menu clients see next to the message field, in each language."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

from locales import SUPPORTED_LOCALES, get_translator

CLIENT_COMMANDS = ("start", "help", "cancel")


def client_commands(locale: str) -> list[BotCommand]:
    i18n = get_translator(locale)
    return [
        BotCommand(command=name, description=i18n(f"command-{name}")) for name in CLIENT_COMMANDS
    ]


async def set_client_commands(bot: Bot, default_locale: str) -> None:
    """One list per supported language, plus the default for everyone else."""
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(client_commands(default_locale), scope=scope)
    for locale in SUPPORTED_LOCALES:
        await bot.set_my_commands(client_commands(locale), scope=scope, language_code=locale)
