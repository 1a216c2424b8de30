"""One update's view of the dialogs kept in Redis: read once, written in one go.

aiogram-dialog reads a chat's dialog stack and the context of the window on
screen, then saves both when the update ends, each a Redis round trip of its
own: four an update, and two more when a dialog starts or ends. Saved one after
the other, the two are not atomic either: a process killed between them leaves
a stack pointing at a context that was never written.

`BufferedRedisStorage` stands between aiogram-dialog and `RedisStorage` for one
update:

- A button's context is read together with the chat's stack (one MGET), as
  aiogram-dialog asks for the stack right after. A message has no intent id,
  so its stack is read first and its context after, as before; the
  middleware reads a private chat's stack ahead (`read_private_stack`), before
  the update opens its database session.
- Writes wait for the end of the update. Then what really changed goes out
  in one command, atomically: a small Lua script that sets (or deletes) each
  key, cheaper for the client than a MULTI/EXEC pipeline (about half the CPU
  for two keys, the same as a plain SET for one). A key written back as it was
  read is not sent again. Its expiry is not renewed either (a round trip's
  worth of CPU): a stack left as it was while its context changed for days
  expires before it, and the next tap gets the notice for a stale button and
  the main menu, as after any expiry.

Reading ahead and writing late are safe only while no other update of the chat
runs in between: a chat's updates take turns for the whole update, error
handlers included (bot/chat_turns.py). `DialogStorageMiddleware` calls `flush`
when the update's middlewares are done; after it the storage passes every call
straight through to Redis, for the error handlers that run after them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.fsm.storage.redis import RedisStorage

# aiogram-dialog's keys: a context per intent, and the chat's (private chats: only) stack.
_CONTEXT_PREFIX = "aiogd:context:"
_DEFAULT_STACK = "aiogd:stack:"

# KEYS: the keys to write. ARGV[1]: seconds to keep them; ARGV[i + 1]: the JSON for
# KEYS[i], or '' to delete it (stored JSON is never empty).
_WRITE = """
for i, key in ipairs(KEYS) do
  local value = ARGV[i + 1]
  if value == '' then
    redis.call('DEL', key)
  else
    redis.call('SET', key, value, 'EX', ARGV[1])
  end
end
"""


class BufferedRedisStorage(BaseStorage):
    """See the module docstring. One per update; `flush` ends its buffering."""

    def __init__(
        self, storage: RedisStorage, *, before_read: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """`before_read` runs before each read from Redis (the update's database work
        is committed then, see bot/middlewares/session.py)."""
        self.storage = storage
        self._keep = _seconds(storage.data_ttl)
        self._before_read = before_read
        self._read: dict[StorageKey, str | None] = {}  # JSON as Redis holds it (None: absent)
        self._written: dict[StorageKey, str | None] = {}  # JSON to store (None: delete)
        self._buffering = True

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        if not self._buffering:
            return await self.storage.get_data(key)
        if key in self._written:
            return self._loads(self._written[key])
        if key not in self._read:
            await self._read_with_stack(key)
        return self._loads(self._read[key])

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not self._buffering:
            await self.storage.set_data(key, data)
            return
        if not isinstance(data, dict):
            msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
            raise DataNotDictLikeError(msg)
        # Serialized now, as RedisStorage would: later changes to `data` are not saved.
        self._written[key] = self.storage.json_dumps(data) if data else None

    async def flush(self) -> None:
        """Send what changed, in one command; from now on, pass calls through."""
        self._buffering = False
        changed = [
            (self._name(key), value)
            for key, value in self._written.items()
            if key not in self._read or self._read[key] != value
        ]
        if changed:
            names, values = zip(*changed, strict=True)
            await self.storage.redis.eval(
                _WRITE, len(names), *names, self._keep, *(value or "" for value in values)
            )

    async def _read_with_stack(self, key: StorageKey) -> None:
        keys = [key]
        if key.destiny.startswith(_CONTEXT_PREFIX):
            stack = replace(key, destiny=_DEFAULT_STACK)
            if stack not in self._read and stack not in self._written:
                keys.append(stack)
        if self._before_read is not None:
            await self._before_read()
        values = await self.storage.redis.mget([self._name(k) for k in keys])
        for read_key, value in zip(keys, values, strict=True):
            self._read[read_key] = value.decode() if isinstance(value, bytes) else value

    async def read_private_stack(self, bot_id: int, chat_id: int) -> None:
        """Read the stack of a private chat now, under the key aiogram-dialog gives it
        (`StorageProxy._stack_key`: the chat id as the user id, no thread, no business
        connection), so that reading it later waits for nothing."""
        key = StorageKey(bot_id=bot_id, chat_id=chat_id, user_id=chat_id, destiny=_DEFAULT_STACK)
        if key not in self._read and key not in self._written:
            await self._read_with_stack(key)

    def _name(self, key: StorageKey) -> str:
        return self.storage.key_builder.build(key, "data")

    def _loads(self, value: str | None) -> dict[str, Any]:
        return {} if value is None else dict(self.storage.json_loads(value))

    # The FSM state is not buffered: nothing here uses it (see DialogStorageMiddleware).

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        await self.storage.set_state(key, state)

    async def get_state(self, key: StorageKey) -> str | None:
        return await self.storage.get_state(key)

    async def close(self) -> None:
        """The shared storage outlives the update: closing it is the app's job."""


def _seconds(ttl: int | timedelta | None) -> int:
    """The storage's expiry in whole seconds; the bot's storage always has one
    (`bot.storage.create_storage`), as abandoned dialogs must go."""
    if ttl is None:
        raise ValueError("the dialogs' Redis storage needs a data_ttl")
    return int(ttl.total_seconds()) if isinstance(ttl, timedelta) else int(ttl)
