"""The command menu clients see next to the message field, in each language."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import DeleteMyCommands, SetMyCommands
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat

from locales import SUPPORTED_LOCALES, get_translator

log = logging.getLogger(__name__)

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


async def set_chat_commands(bot: Bot, chat_id: int, locale: str) -> None:
    """The list in `locale` for one private chat: a client who chose a language in
    the bot sees it there too, whatever their Telegram's language (a chat's own
    list comes before the per-language ones)."""
    method = SetMyCommands(
        commands=client_commands(locale), scope=BotCommandScopeChat(chat_id=chat_id)
    )
    await _for_chat(bot, method, f"set the {locale} commands", chat_id)


async def reset_chat_commands(bot: Bot, chat_id: int) -> None:
    """Drop the list `set_chat_commands` set for one chat, back to the per-language
    ones: a client who erased their data leaves no choice of theirs behind."""
    method = DeleteMyCommands(scope=BotCommandScopeChat(chat_id=chat_id))
    await _for_chat(bot, method, "reset the commands", chat_id)


async def _for_chat(
    bot: Bot, method: SetMyCommands | DeleteMyCommands, action: str, chat_id: int
) -> None:
    """Ask for one chat's command menu. A refusal (an error, a flood wait) is only
    logged: the menu by the message field is no reason to fail what asked for it."""
    try:
        await bot(method)
    except TelegramAPIError as error:
        log.warning("Could not %s of chat %s: %s", action, chat_id, error)
