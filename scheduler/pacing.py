"""One pacing gate for everything the bot sends on its own.

Telegram allows about 30 messages a second per bot and about one a second per
chat; going faster earns `429 Too Many Requests`. Every sender waits at the
gate before each request. Time and sleeping are injected, so tests and the
benchmark run on a virtual clock and never sleep for real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from db.clock import Clock

Sleep = Callable[[float], Awaitable[None]]

PER_CHAT_INTERVAL = 1.0
"""Seconds between two messages to one chat."""

_PRUNE_ABOVE = 10_000
_TICK = 1e-6
"""Clocks here tick in microseconds: a wait shorter than one tick is no wait at all."""


class PacingGate:
    """Spaces requests `1 / rate` seconds apart overall and `per_chat_interval` per chat.

    Concurrent senders may wait together: each one that wakes re-checks, and only
    the first to find its slot free takes it. A flood-control answer pauses the
    whole gate, since Telegram's `retry_after` applies to the bot, not to one chat.
    """

    def __init__(
        self,
        *,
        rate_per_second: float,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        per_chat_interval: float = PER_CHAT_INTERVAL,
    ) -> None:
        self._interval = 1.0 / rate_per_second
        self._per_chat = per_chat_interval
        self._clock = clock
        self._sleep = sleep
        self._next_any = 0.0
        self._paused_until = 0.0
        self._next_by_chat: dict[int, float] = {}

    def _now(self) -> float:
        return self._clock.now().timestamp()

    async def wait(self, chat_id: int) -> None:
        """Return when a message to `chat_id` may be sent, having reserved that moment."""
        while True:
            now = self._now()
            ready = max(self._next_any, self._paused_until, self._next_by_chat.get(chat_id, 0.0))
            if ready - now < _TICK:
                self._next_any = now + self._interval
                self._next_by_chat[chat_id] = now + self._per_chat
                self._prune(now)
                return
            await self._sleep(ready - now)

    async def pause(self, seconds: float) -> None:
        """Telegram said to wait: hold every sender for `seconds`, and wait here too."""
        self._paused_until = max(self._paused_until, self._now() + seconds)
        await self._sleep(seconds)

    def _prune(self, now: float) -> None:
        """Forget chats whose interval has passed, so the map stays small."""
        if len(self._next_by_chat) > _PRUNE_ABOVE:
            self._next_by_chat = {c: t for c, t in self._next_by_chat.items() if t > now}
