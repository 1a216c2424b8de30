"""The whole process: `run.py` as a subprocess against the local Bot API stand-in.

What only a real process shows: settings from the environment, migrations at
start, long polling, signal handling, and (with Redis) dialogs that outlive the
process that opened them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from redis.asyncio import Redis

from bot.shutdown import finish_updates_in_hand
from db.migrate import PROJECT_ROOT
from locales import get_translator
from tests.botapi_stub import BotApiStub
from tests.databases import redis_url, sqlite_url

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
RUN_PY = PROJECT_ROOT / "run.py"
# Guards against a hung test, not speed goals: importing aiogram alone can take
# many seconds on a busy CI machine.
START_WAIT_SECONDS = 90.0
STOP_WAIT_SECONDS = 30.0


class BotProcess:
    """One `python run.py`, its stderr collected line by line as it comes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.log: list[str] = []
        self._reader = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.log.append(line.decode(errors="replace"))

    @classmethod
    async def start(cls, cwd: Path, env: Mapping[str, str]) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(RUN_PY),
            cwd=cwd,
            # faulthandler: a SIGABRT (below) makes a hung process print where it hangs.
            env={**env, "PYTHONFAULTHANDLER": "1"},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def stop(self) -> tuple[int, str]:
        """SIGTERM, then the exit status and stderr."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_WAIT_SECONDS)
        except TimeoutError:
            self.process.send_signal(signal.SIGABRT)
            await self.process.wait()
            await self._reader
            raise AssertionError(
                "run.py did not stop after SIGTERM; its log:\n" + "".join(self.log)
            ) from None
        await self._reader
        return self.process.returncode or 0, "".join(self.log)


def bot_env(stub: BotApiStub, database: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": stub.url,
        "DATABASE_URL": sqlite_url(database),
        **extra,
    }


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as api:
        yield api


def greeting(locale: str, name: str) -> str:
    return get_translator(locale)("start-greeting", name=name, business="Zapis")


def inline_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button for row in rows for button in row]


@asynccontextmanager
async def running_bot(cwd: Path, env: Mapping[str, str]) -> AsyncIterator[BotProcess]:
    """A started `run.py`; a failing check inside shows its log, and it is always stopped."""
    bot = await BotProcess.start(cwd, env)
    try:
        yield bot
    except AssertionError as error:
        await bot.stop()
        raise AssertionError(f"{error}\nrun.py log:\n{''.join(bot.log)}") from None
    finally:
        if bot.process.returncode is None:
            await bot.stop()


async def test_start_greets_in_the_users_language_and_sigterm_stops_cleanly(
    stub: BotApiStub, tmp_path: Path
) -> None:
    # One process serves both users: starting Python with aiogram is the slow part.
    users = {"ru": (5_000_001, "Иван"), "en": (5_000_002, "John")}
    async with running_bot(tmp_path, bot_env(stub, tmp_path / "zapis.sqlite3")) as bot:
        for language_code, (user_id, name) in users.items():
            stub.push_message(
                user_id=user_id, text="/start", language_code=language_code, first_name=name
            )
        await stub.wait_for("getMe", wait_seconds=START_WAIT_SECONDS)
        sent = {
            language_code: await stub.wait_for("sendMessage", chat_id=user_id)
            for language_code, (user_id, _name) in users.items()
        }
        code, stderr = await bot.stop()

    for language_code, (_user_id, name) in users.items():
        assert greeting(language_code, name) in sent[language_code].params["text"]
    assert all(request.token == TOKEN for request in stub.requests)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    # Pending updates are kept: Telegram must not be told to drop them.
    assert all(r.params.get("drop_pending_updates") in (None, "false") for r in stub.requests)


async def _forget_user(redis: Redis, user_id: int) -> None:
    keys = [key async for key in redis.scan_iter(match=f"*:{user_id}:*")]
    if keys:
        await redis.delete(*keys)


async def test_open_dialog_survives_a_restart_with_redis(stub: BotApiStub, tmp_path: Path) -> None:
    """A button of a menu sent by the previous process still works in the next one."""
    url = redis_url()
    user_id = 6_000_000 + secrets.randbelow(1_000_000)
    env = bot_env(stub, tmp_path / "zapis.sqlite3", REDIS_URL=url)
    redis = Redis.from_url(url)
    try:
        async with running_bot(tmp_path, env) as first:
            stub.push_message(user_id=user_id, text="/start", language_code="en")
            await stub.wait_for("getMe", wait_seconds=START_WAIT_SECONDS)
            menu = await stub.wait_for("sendMessage", chat_id=user_id)
            code, stderr = await first.stop()
        assert code == 0, stderr
        assert await redis.exists(*[k async for k in redis.scan_iter(match=f"*:{user_id}:*")])

        buttons = inline_buttons(stub.message(user_id, menu.result_id))
        assert buttons, "the main menu has no inline buttons"
        language = next(b for b in buttons if b["callback_data"].endswith("language"))

        mark = len(stub.requests)
        async with running_bot(tmp_path, env) as second:
            await stub.wait_for("getMe", after=mark, wait_seconds=START_WAIT_SECONDS)
            stub.push_callback(
                user_id=user_id,
                message=stub.message(user_id, menu.result_id),
                data=language["callback_data"],
                language_code="en",
            )
            await stub.wait_for("answerCallbackQuery", after=mark)
            # The click moved the same dialog on: the old message was edited in place.
            # A lost dialog would instead send a fresh main menu with a notice.
            await stub.wait_for(
                "editMessageText", after=mark, chat_id=user_id, message_id=menu.result_id
            )
            code, stderr = await second.stop()
        assert code == 0, stderr
        assert "Traceback" not in stderr
        assert not stub.calls("sendMessage", chat_id=user_id)[1:], stderr
    finally:
        await _forget_user(redis, user_id)
        await redis.aclose()


async def test_stopping_lets_the_updates_in_hand_finish(stub: BotApiStub) -> None:
    """aiogram's polling alone returns while handlers still run; the shutdown hook waits."""
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(stub.url)))
    dp = Dispatcher()
    handler_started, handler_may_finish = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    @dp.message()
    async def slow(message: Message) -> None:
        handler_started.set()
        await handler_may_finish.wait()
        await message.answer("done")
        finished.append(message.text or "")

    async def let_handlers_go() -> None:
        handler_may_finish.set()  # only now, while the dispatcher is shutting down

    dp.shutdown.register(let_handlers_go)
    dp.shutdown.register(finish_updates_in_hand)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    stub.push_message(user_id=77, text="hello")
    await asyncio.wait_for(handler_started.wait(), START_WAIT_SECONDS)
    await dp.stop_polling()
    await polling

    assert finished == ["hello"]
    assert stub.calls("sendMessage", chat_id=77, text="done")
