"""Last collection per kind, kept in Redis for status views and freshness probes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
import redis.asyncio as aioredis

from trafficha.models.stream import Kind, Source
from trafficha.streams.keys import StreamKeys


class Collection(msgspec.Struct, frozen=True, kw_only=True):
    """One collection attempt of one kind by the leader."""

    kind: Kind
    at: datetime
    ok: bool
    records: int
    source: Source | None
    producer: str
    epoch: int
    batch_id: str | None = None
    error: str | None = None


async def record_collection(redis: aioredis.Redis, keys: StreamKeys, entry: Collection) -> None:
    await redis.hset(keys.freshness, entry.kind, msgspec.json.encode(entry))


async def last_collections(redis: aioredis.Redis, keys: StreamKeys) -> dict[str, Collection]:
    raw: Any = await redis.hgetall(keys.freshness)
    return {k.decode(): msgspec.json.decode(v, type=Collection) for k, v in raw.items()}
