"""A stub aiogram Bot session: records every request, answers like Telegram would.

Nothing leaves the process. By default every request succeeds (a send gets a
plausible `Message` back); a test can make the next requests fail with a 429
(`TelegramRetryAfter`), a 403 (`TelegramForbiddenError`) or any other error,
or make one chat refuse everything (a user who blocked the bot). The failures
go through aiogram's own `check_response`, so the exceptions are the real ones.

    session = StubSession()
    bot = stub_bot(session)
    session.fail_next(retry_after=3)       # the next request gets 429
    session.block(chat_id=42)              # chat 42 answers 403 from now on
    ...
    assert session.sent_texts(chat_id=42) == [...]
"""

from __future__ import annotations

import itertools
import json
import typing
from collections import deque
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InlineKeyboardMarkup, Message

BOT_ID = 1000001
STUB_TOKEN = "1000001:STUBstubSTUBstubSTUBstubSTUBstub00"


@dataclass(frozen=True)
class Failure:
    """An error answer: HTTP status, description, optional `retry_after` seconds."""

    status: int
    description: str
    retry_after: int | None = None

    @classmethod
    def flood(cls, retry_after: int) -> Failure:
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    @classmethod
    def blocked(cls) -> Failure:
        return cls(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def server(cls) -> Failure:
        return cls(500, "Internal Server Error")


class StubSession(BaseSession):
    def __init__(self, *, now: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.delivered: list[SendMessage] = []
        self._planned: deque[Failure] = deque()
        self._blocked: set[int] = set()
        self._message_ids = itertools.count(1)
        self._now = now or (lambda: datetime.now(UTC))
        self.after_delivery: Callable[[SendMessage], None] | None = None
        """Called after a send succeeded, before the answer reaches the bot (crash tests)."""

    # --- what a test controls ---------------------------------------------------------

    def fail_next(
        self, failure: Failure | None = None, *, retry_after: int | None = None, times: int = 1
    ) -> None:
        """The next `times` requests fail (429 with `retry_after`, else `failure`)."""
        planned = Failure.flood(retry_after) if retry_after is not None else failure
        assert planned is not None
        self._planned.extend([planned] * times)

    def block(self, chat_id: int) -> None:
        self._blocked.add(chat_id)

    def failure_for(self, method: TelegramMethod[Any]) -> Failure | None:
        """The answer to give instead of success; subclasses may simulate limits here."""
        if self._planned:
            return self._planned.popleft()
        if getattr(method, "chat_id", None) in self._blocked:
            return Failure.blocked()
        return None

    # --- what a test reads ----------------------------------------------------------------

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        return [m.text for m in self.delivered if chat_id is None or m.chat_id == chat_id]

    def sent_to(self, chat_id: int) -> list[SendMessage]:
        return [m for m in self.delivered if m.chat_id == chat_id]

    # --- BaseSession ------------------------------------------------------------------

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        self.requests.append(method)
        failure = self.failure_for(method)
        if failure is not None:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            self.check_response(bot, method, failure.status, json.dumps(body))
        result = self._result_for(method)
        if isinstance(method, SendMessage):
            self.delivered.append(method)
            if self.after_delivery is not None:
                self.after_delivery(method)
        response = self.check_response(bot, method, 200, json.dumps({"ok": True, "result": result}))
        return response.result  # type: ignore[return-value]

    def _result_for(self, method: TelegramMethod[Any]) -> Any:
        chat_id = getattr(method, "chat_id", None)
        if chat_id is None or not _may_return_message(method):
            return True  # deleteMessage, answerCallbackQuery...: True, as Telegram answers
        # An edit answers with the message it edited; a send, with a new one.
        edited = getattr(method, "message_id", None) if _edits(method) else None
        message = {
            "message_id": edited if edited is not None else next(self._message_ids),
            "date": int(self._now().timestamp()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Zapis"},
            "text": getattr(method, "text", None) or "",
        }
        markup = getattr(method, "reply_markup", None)
        if isinstance(markup, InlineKeyboardMarkup):  # Telegram answers with the buttons too
            message["reply_markup"] = markup.model_dump(mode="json", exclude_none=True)
        return message

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 (aiogram's signature)
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""


def _may_return_message(method: TelegramMethod[Any]) -> bool:
    returning = method.__returning__
    return returning is Message or Message in typing.get_args(returning)


def _edits(method: TelegramMethod[Any]) -> bool:
    return type(method).__name__.startswith("EditMessage")


def stub_bot(session: StubSession) -> Bot:
    return Bot(STUB_TOKEN, session=session)
