"""The pipeline's HA state as Redis holds it: leader, source, stream, collections, heartbeats
and the data version.

The one read model: :func:`read_ha_state` is how every view reads it, so they cannot disagree
on what the state is. ``trafficha status`` prints it; the data API renders it as
``/api/ha/status``, as the ``hello`` of ``/api/events`` and as the pipeline gauges of
``/metrics`` (:mod:`trafficha.apps.data_api.ha`, :mod:`trafficha.apps.data_api.telemetry`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from trafficha.providers.modes import SourceState, SourceStatus
from trafficha.services.freshness import Collection, last_collections
from trafficha.services.heartbeat import Heartbeat, read_heartbeats
from trafficha.streams.keys import StreamKeys

__all__ = [
    "ConsumerInfo",
    "HaState",
    "LeaderInfo",
    "StreamInfo",
    "read_ha_state",
]


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


class HaState(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Everything Redis knows about the pipeline, read at one moment."""

    leader: LeaderInfo | None
    source: SourceState | None
    stream: StreamInfo
    collections: tuple[Collection, ...]
    """The last collection of each kind, by kind."""
    heartbeats: tuple[Heartbeat, ...]
    """Every service's last heartbeat, by ``member/service``."""
    data_version: int


async def _leader_info(redis: aioredis.Redis, keys: StreamKeys) -> LeaderInfo | None:
    raw: Any = await redis.hgetall(keys.holder)
    if not raw or b"holder" not in raw:
        return None
    holder = raw[b"holder"].decode()
    return LeaderInfo(holder=holder, member=holder.split("/", 1)[0], epoch=int(raw[b"epoch"]))


async def _stream_info(redis: aioredis.Redis, keys: StreamKeys) -> StreamInfo:
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


async def _data_version(redis: aioredis.Redis, keys: StreamKeys) -> int:
    return int(await redis.get(keys.data_version) or 0)


async def read_ha_state(redis: aioredis.Redis, keys: StreamKeys) -> HaState:
    """The HA state, its parts read concurrently.

    Raises:
        RedisError, OSError: Redis is unavailable.
    """
    leader, source, stream, collections, beats, version = await asyncio.gather(
        _leader_info(redis, keys),
        SourceStatus(redis, keys).read(),
        _stream_info(redis, keys),
        last_collections(redis, keys),
        read_heartbeats(redis, keys),
        _data_version(redis, keys),
    )
    return HaState(
        leader=leader,
        source=source,
        stream=stream,
        collections=tuple(collections[k] for k in sorted(collections)),
        heartbeats=tuple(beats),
        data_version=version,
    )
