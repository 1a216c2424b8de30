"""A local stand-in for the Telegram Bot API, for whole-process tests.

An aiohttp server on 127.0.0.1 (a random port) that speaks just enough of the
Bot API for the bot to run against it: point `TELEGRAM_API_URL` at `stub.url`.
It records every request (`getUpdates` too, once answered), queues the updates
a test pushes for `getUpdates` (long polling, honouring `offset` and `timeout`),
and answers the sending and editing methods with message objects that it
remembers, so a test can later press a button of a message the bot sent.

    async with BotApiStub() as stub:
        stub.push_message(user_id=42, text="/start", language_code="en")
        sent = await stub.wait_for("sendMessage", chat_id=42)
        menu = stub.message(42, sent.result_id)
        button = menu["reply_markup"]["inline_keyboard"][0][0]
        stub.push_callback(user_id=42, message=menu, data=button["callback_data"])

aiogram sends every call as a form: plain strings as they are, objects and lists
as JSON, files as extra parts referenced by `attach://<name>`. `ApiRequest.params`
holds the decoded values (JSON objects and lists decoded; files as `StubFile`;
numbers stay strings, so `wait_for`/`calls` compare parameters as text).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

log = logging.getLogger(__name__)

TOKEN_PLACEHOLDER = "{token}"
DEFAULT_WAIT_SECONDS = 30.0
BOT_USER = {
    "id": 1000001,
    "is_bot": True,
    "first_name": "Zapis",
    "username": "zapis_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Methods whose answer is a Message; everything else the bot calls answers `true`.
MESSAGE_METHODS = {"editMessageText", "editMessageReplyMarkup", "editMessageCaption"}
KNOWN_TRUE_METHODS = {
    "deleteWebhook",
    "answerCallbackQuery",
    "setMyCommands",
    "deleteMyCommands",
    "deleteMessage",
    "setChatMenuButton",
    "sendChatAction",
    "setMyDescription",
    "setMyShortDescription",
}


@dataclass(frozen=True)
class StubFile:
    filename: str
    content: bytes


@dataclass
class ApiRequest:
    """One call the bot made. `result` is what the stub answered."""

    method: str
    token: str
    params: dict[str, Any]
    result: Any = None

    @property
    def result_id(self) -> int:
        """The message id of a call that answered with a message."""
        return int(self.result["message_id"])

    def matches(self, method: str, **params: Any) -> bool:
        return self.method == method and all(
            str(self.params.get(key)) == str(value) for key, value in params.items()
        )


@dataclass
class BotApiStub:
    bot_user: dict[str, Any] = field(default_factory=lambda: dict(BOT_USER))
    requests: list[ApiRequest] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _closing: bool = False
    url: str = ""

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    # What a test does -------------------------------------------------------

    def push_message(
        self,
        *,
        user_id: int,
        text: str,
        language_code: str | None = "ru",
        first_name: str = "Ivan",
    ) -> dict[str, Any]:
        """Queue a private text message from a user; returns the message object."""
        user = self._user(user_id, language_code, first_name)
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self._push({"message": message})
        return message

    def push_callback(
        self,
        *,
        user_id: int,
        message: dict[str, Any],
        data: str,
        language_code: str | None = "ru",
        first_name: str = "Ivan",
    ) -> str:
        """Queue a press of an inline button with `data` under the bot's `message`."""
        query_id = str(next(self._ids))
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(user_id, language_code, first_name),
                    "chat_instance": f"chat-{user_id}",
                    "message": message,
                    "data": data,
                }
            }
        )
        return query_id

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """The bot's message as it is now (after any edits)."""
        return self.messages[(int(chat_id), int(message_id))]

    def calls(self, method: str, **params: Any) -> list[ApiRequest]:
        return [request for request in self.requests if request.matches(method, **params)]

    async def wait_for(
        self,
        method: str,
        *,
        after: int = 0,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
        **params: Any,
    ) -> ApiRequest:
        """The first matching call from index `after` on, waiting for it if needed.

        `wait_seconds` only keeps a broken test from hanging; it is not a speed goal.
        """

        def found() -> ApiRequest | None:
            return next((r for r in self.requests[after:] if r.matches(method, **params)), None)

        if await self._wait_until(found, wait_seconds):
            request = found()
            assert request is not None
            return request
        seen = [r.method for r in self.requests[after:] if r.method != "getUpdates"]
        raise AssertionError(f"no {method} {params} within {wait_seconds} s; saw {seen}")

    # The Bot API side -------------------------------------------------------

    def _user(self, user_id: int, language_code: str | None, first_name: str) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def _push(self, update: dict[str, Any]) -> None:
        self._updates.append({"update_id": next(self._ids), **update})
        self._notify()

    def _notify(self) -> None:
        """Wake everyone waiting for a change; later waiters wait on a fresh event."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, condition: Callable[[], object], seconds: float) -> bool:
        deadline = asyncio.get_running_loop().time() + seconds
        while not condition():
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return False
            with suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return True

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        call = ApiRequest(method=method, token=request.match_info["token"], params=params)
        if method == "getUpdates":
            call.result = await self._get_updates(params)
        else:
            call.result = self._answer(method, params)
        self.requests.append(call)
        self._notify()
        return web.json_response({"ok": True, "result": call.result})

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long polling: confirmed updates (below `offset`) are forgotten for good."""
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        await self._wait_until(
            lambda: self._updates or self._closing, float(params.get("timeout") or 0)
        )
        return list(self._updates)

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return self.bot_user
        if method.startswith("send") and method != "sendChatAction":
            return self._store(self._new_message(method, params))
        if method in MESSAGE_METHODS:
            return self._edit(params)
        if method not in KNOWN_TRUE_METHODS:
            log.warning("Bot API stub: answering unknown method %s with true", method)
        return True

    def _new_message(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self.bot_user,
        }
        for key in ("text", "caption", "reply_markup"):
            if key in params:
                message[key] = params[key]
        if method == "sendDocument":
            document = params["document"]
            name = document.filename if isinstance(document, StubFile) else "document"
            message["document"] = {"file_id": name, "file_unique_id": name, "file_name": name}
        elif method == "sendVenue":
            location = {"latitude": params["latitude"], "longitude": params["longitude"]}
            message["venue"] = {
                "location": location,
                "title": params["title"],
                "address": params["address"],
            }
        elif method == "sendContact":
            message["contact"] = {
                "phone_number": params["phone_number"],
                "first_name": params["first_name"],
            }
        if isinstance(message.get("reply_markup"), dict) and (
            "inline_keyboard" not in message["reply_markup"]
        ):
            del message["reply_markup"]  # only inline keyboards belong to the message
        return message

    def _edit(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        key = (int(params.get("chat_id") or 0), int(params.get("message_id") or 0))
        message = self.messages.get(key)
        if message is None:
            return True  # an inline message, or one the stub never sent
        for field_name in ("text", "caption"):
            if field_name in params:
                message[field_name] = params[field_name]
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    def _store(self, message: dict[str, Any]) -> dict[str, Any]:
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message


async def _read_params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        return dict(await request.json())
    form = await request.post()
    files = {
        name: StubFile(value.filename, value.file.read())
        for name, value in form.items()
        if isinstance(value, web.FileField)
    }
    params: dict[str, Any] = {}
    for name, value in form.items():
        if isinstance(value, web.FileField):
            continue
        if value.startswith("attach://"):
            params[name] = files[value.removeprefix("attach://")]
        elif value[:1] in ("{", "["):
            params[name] = json.loads(value)
        else:
            params[name] = value
    return params
