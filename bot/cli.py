"""`python run.py [command]`: run the bot or one of the maintenance commands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable

from bot.config import DatabaseSettings, Settings, SettingsError, load_settings
from bot.logging_setup import setup_logging

EXIT_CONFIG = 2

log = logging.getLogger("zapis")


def _run(_args: argparse.Namespace) -> int:
    from bot.app import run_bot
    from db.migrate import upgrade

    settings = load_settings(Settings)
    setup_logging(settings.log_level)
    upgrade(settings.database_url)
    asyncio.run(run_bot(settings))
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    settings = load_settings(DatabaseSettings)
    setup_logging()
    upgrade(settings.database_url)
    print("Database is up to date.")
    return 0


COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
    "run": ("run the bot (the default)", _run),
    "migrate": ("apply database migrations and exit", _migrate),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description="Zapis booking bot")
    commands = parser.add_subparsers(dest="command")
    for name, (help_text, _handler) in COMMANDS.items():
        commands.add_parser(name, help=help_text)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _help, handler = COMMANDS[args.command or "run"]
    try:
        return handler(args)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
