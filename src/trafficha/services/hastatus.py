"""The pipeline's HA state as Redis holds it: leader, source, stream, collections, heartbeats.

One reader for ``trafficha status`` and the data API's ``/api/ha/status``.
"""

from __future__ import annotations

from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from trafficha.providers.modes import SourceState, SourceStatus
from trafficha.services.freshness import Collection, last_collections
from trafficha.services.heartbeat import Heartbeat, read_heartbeats
from trafficha.streams.keys import StreamKeys


class LeaderInfo(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    holder: str
    member: str
    epoch: int


class ConsumerInfo(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    name: str
    pending: int
    idle_ms: int


class StreamInfo(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    length: int
    pending: int
    lag: int | None
    dead_letters: int
    consumers: tuple[ConsumerInfo, ...]


class PipelineStatus(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    leader: LeaderInfo | None
    source: SourceState | None
    stream: StreamInfo
    collections: tuple[Collection, ...]
    heartbeats: tuple[Heartbeat, ...]
    data_version: int


async def leader_info(redis: aioredis.Redis, keys: StreamKeys) -> LeaderInfo | None:
    raw: Any = await redis.hgetall(keys.holder)
    if not raw or b"holder" not in raw:
        return None
    holder = raw[b"holder"].decode()
    return LeaderInfo(holder=holder, member=holder.split("/", 1)[0], epoch=int(raw[b"epoch"]))


async def stream_info(redis: aioredis.Redis, keys: StreamKeys) -> StreamInfo:
    length = int(await redis.xlen(keys.stream))
    dead = int(await redis.xlen(keys.dead))
    try:
        groups: Any = await redis.xinfo_groups(keys.stream)
        consumers: Any = await redis.xinfo_consumers(keys.stream, keys.group)
    except ResponseError:  # no stream or no group yet
        groups, consumers = [], []
    group = next((g for g in groups if g["name"].decode() == keys.group), None)
    return StreamInfo(
        length=length,
        pending=int(group["pending"]) if group else 0,
        lag=int(group["lag"]) if group and group.get("lag") is not None else None,
        dead_letters=dead,
        consumers=tuple(
            ConsumerInfo(name=c["name"].decode(), pending=int(c["pending"]), idle_ms=int(c["idle"]))
            for c in consumers
        ),
    )


async def pipeline_status(redis: aioredis.Redis, keys: StreamKeys) -> PipelineStatus:
    collections = await last_collections(redis, keys)
    version = await redis.get(keys.data_version)
    return PipelineStatus(
        leader=await leader_info(redis, keys),
        source=await SourceStatus(redis, keys).read(),
        stream=await stream_info(redis, keys),
        collections=tuple(collections[k] for k in sorted(collections)),
        heartbeats=tuple(await read_heartbeats(redis, keys)),
        data_version=int(version or 0),
    )
