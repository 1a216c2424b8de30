"""Per-user flood control: a token bucket per Telegram user, checked before anything else.

A client who floods gets one short notice; the rest of their updates are dropped
until the bucket refills. Dropped callback queries are still answered (silently),
so no button keeps spinning. Everyone else is untouched: the check is O(1) per
update and in-process, and memory stays bounded because a bucket that has refilled
completely is the same as no bucket, so it is forgotten.
"""

from __future__ import annotations

import enum
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, TelegramObject, Update, User
from aiogram_dialog.api.entities import DialogUpdate

from bot.middlewares.i18n import known_translator
from db.services.client_cache import ClientCache

log = logging.getLogger(__name__)

DEFAULT_BURST = 8
DEFAULT_RATE = 2.0  # tokens per second
DEFAULT_MAX_USERS = 100_000


class Verdict(enum.Enum):
    ALLOW = "allow"
    WARN = "warn"  # the first refusal of a flood: tell the user once
    DROP = "drop"


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float
    warned: bool = False


class TokenBuckets:
    """One token bucket per key; knows nothing of Telegram.

    Buckets are kept in least-recently-used order, so the stale ones (refilled
    completely, hence indistinguishable from a fresh bucket) are all at the front
    and are evicted a few at a time as new updates come: O(1) amortized. `max_keys`
    caps memory even against a flood of distinct users inside one refill period;
    evicting a live bucket early only forgives that user.
    """

    def __init__(
        self,
        *,
        burst: int = DEFAULT_BURST,
        rate: float = DEFAULT_RATE,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = DEFAULT_MAX_USERS,
    ) -> None:
        if burst < 1 or rate <= 0 or max_keys < 1:
            raise ValueError("burst and max_keys must be at least 1 and rate positive")
        self.burst = float(burst)
        self.rate = rate
        self.clock = clock
        self.max_keys = max_keys
        self._refill_seconds = self.burst / rate
        self._buckets: OrderedDict[int, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: int) -> Verdict:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=self.burst, stamp=now)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
        self._evict(now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            return Verdict.ALLOW
        if bucket.warned:
            return Verdict.DROP
        bucket.warned = True
        return Verdict.WARN

    def _evict(self, now: float) -> None:
        buckets = self._buckets
        while len(buckets) > self.max_keys:
            buckets.popitem(last=False)
        while buckets:
            oldest = next(iter(buckets.values()))
            if now - oldest.stamp < self._refill_seconds:
                break
            buckets.popitem(last=False)


class ThrottlingMiddleware(BaseMiddleware):
    """Outer middleware on `dp.update`, registered before the FSM and the database.

    aiogram-dialog's own background updates (`DialogUpdate`) are the bot's
    re-renders, not user traffic, so they are never counted or dropped.
    """

    def __init__(
        self,
        *,
        burst: int = DEFAULT_BURST,
        rate: float = DEFAULT_RATE,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = DEFAULT_MAX_USERS,
        default_locale: str = "ru",
    ) -> None:
        self.buckets = TokenBuckets(burst=burst, rate=rate, clock=clock, max_keys=max_users)
        self.default_locale = default_locale

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or isinstance(event, DialogUpdate) or not isinstance(event, Update):
            return await handler(event, data)
        verdict = self.buckets.take(user.id)
        if verdict is Verdict.ALLOW:
            return await handler(event, data)
        notice = self._notice(user, data.get("client_cache")) if verdict is Verdict.WARN else None
        try:
            await self._refuse(data["bot"], event, data.get("event_chat"), notice)
        except TelegramAPIError as error:
            # Never wait or retry for a flooder; the next allowed update works normally.
            log.info("Throttle notice to user %s failed: %s", user.id, error)
        return None

    def _notice(self, user: User, cache: ClientCache | None) -> str:
        """In the client's saved language when the client cache knows it
        (a flooder was served a moment ago), else in Telegram's: the throttle runs
        before the database session and never queries."""
        return known_translator(user, cache, self.default_locale)("throttle-slow-down")

    async def _refuse(
        self, bot: Bot, update: Update, chat: Chat | None, notice: str | None
    ) -> None:
        if update.callback_query is not None:
            await bot.answer_callback_query(update.callback_query.id, text=notice)
        elif notice is not None and chat is not None and chat.type == "private":
            await bot.send_message(chat.id, notice)
