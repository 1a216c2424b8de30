"""Counting Redis round trips without MONITOR: the storage's client counts its own commands."""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

PIPELINE = "PIPELINE"  # the tally's name for a pipeline: one round trip, whatever it holds


class CountingRedis(Redis):
    """A Redis client that tallies every command it sends, and each pipeline it
    executes as one round trip."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: Counter[str] = Counter()

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.commands[str(args[0]).upper()] += 1
        return await super().execute_command(*args, **options)

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        pipeline = CountingPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )
        pipeline.tally = self.commands
        return pipeline


class CountingPipeline(Pipeline):
    tally: Counter[str]

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        if self.command_stack:
            self.tally[PIPELINE] += 1
        return await super().execute(raise_on_error)


def count_round_trips(storage: RedisStorage) -> Counter[str]:
    """Make `storage` count its commands (same connection pool, same settings); returns
    the live tally."""
    counting = CountingRedis(connection_pool=storage.redis.connection_pool)
    storage.redis = counting
    return counting.commands
