"""Counting Redis round trips without MONITOR: the storage's client counts its own commands."""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis


class CountingRedis(Redis):
    """A Redis client that tallies every command it sends (the bot sends no pipelines)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: Counter[str] = Counter()

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.commands[str(args[0]).upper()] += 1
        return await super().execute_command(*args, **options)


def count_round_trips(storage: RedisStorage) -> Counter[str]:
    """Make `storage` count its commands (same connection pool, same settings); returns
    the live tally."""
    counting = CountingRedis(connection_pool=storage.redis.connection_pool)
    storage.redis = counting
    return counting.commands
