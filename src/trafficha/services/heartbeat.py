"""Heartbeats: every service says it is alive once a second, in one Redis hash.

The data API reads them for ``/api/ha/status`` (per-member service health) and announces a
change of the live set as a :class:`~trafficha.events.MembersEvent`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, Final

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from trafficha.aio import sleep_unless
from trafficha.kst import now_kst
from trafficha.streams.keys import StreamKeys

log = logging.getLogger(__name__)

INTERVAL: Final = 1.0
# Three missed beats: a service is down. Short, so a killed member shows within seconds.
ALIVE_WITHIN: Final = timedelta(seconds=3)


class Heartbeat(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    member: str
    service: str
    pid: int
    port: int | None
    at: datetime

    @property
    def name(self) -> str:
        return f"{self.member}/{self.service}"

    def alive(self, now: datetime | None = None) -> bool:
        return (now or now_kst()) - self.at < ALIVE_WITHIN


async def beat(redis: aioredis.Redis, keys: StreamKeys, heartbeat: Heartbeat) -> None:
    await redis.hset(keys.heartbeats, heartbeat.name, msgspec.json.encode(heartbeat))


async def read_heartbeats(redis: aioredis.Redis, keys: StreamKeys) -> list[Heartbeat]:
    """Every service's last heartbeat, ordered by name."""
    raw: Any = await redis.hgetall(keys.heartbeats)
    beats = [msgspec.json.decode(v, type=Heartbeat) for v in raw.values()]
    return sorted(beats, key=lambda b: b.name)


async def run_heartbeat(
    redis: aioredis.Redis,
    keys: StreamKeys,
    *,
    member: str,
    service: str,
    port: int | None,
    stop: asyncio.Event,
) -> None:
    """Beat every second until ``stop``; a Redis outage only skips beats."""
    while not stop.is_set():
        try:
            await beat(
                redis,
                keys,
                Heartbeat(member=member, service=service, pid=os.getpid(), port=port, at=now_kst()),
            )
        except RedisError as exc:
            log.warning("heartbeat skipped: %s", exc)
        await sleep_unless(stop, INTERVAL)


@asynccontextmanager
async def heartbeating(
    redis: aioredis.Redis, keys: StreamKeys, *, member: str, service: str, port: int | None
) -> AsyncIterator[None]:
    """Beat in the background for the duration of the block."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_heartbeat(redis, keys, member=member, service=service, port=port, stop=stop)
    )
    try:
        yield
    finally:
        stop.set()
        await task
