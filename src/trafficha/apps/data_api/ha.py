"""The pipeline's HA state for ``/api/ha/status``, ``/api/events`` and ``/metrics``, read from
Redis with the readers of :mod:`trafficha.services.hastatus`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from itertools import groupby

import redis.asyncio as aioredis

from trafficha.apps.data_api.models import (
    CollectionView,
    HaStatus,
    MemberView,
    ServiceView,
    SourceView,
)
from trafficha.kst import now_kst
from trafficha.providers.modes import SourceState, SourceStatus
from trafficha.services.freshness import last_collections
from trafficha.services.hastatus import leader_info, stream_info
from trafficha.services.heartbeat import Heartbeat, read_heartbeats
from trafficha.streams.keys import StreamKeys

__all__ = ["alive_and_down", "ha_status", "members", "read_version", "source_view"]


def source_view(state: SourceState | None) -> SourceView | None:
    if state is None:
        return None
    return SourceView(
        mode=state.mode,
        active=state.active,
        switches=state.switches,
        changed_at=state.changed_at,
        reason=state.reason,
    )


def members(beats: Iterable[Heartbeat]) -> list[MemberView]:
    """Heartbeats grouped by member, both ordered by name."""
    now = now_kst()
    ordered = sorted(beats, key=lambda b: (b.member, b.service))
    return [
        MemberView(
            member=member,
            services=[
                ServiceView(
                    service=b.service, alive=b.alive(now), pid=b.pid, port=b.port, last_beat=b.at
                )
                for b in group
            ],
        )
        for member, group in groupby(ordered, key=lambda b: b.member)
    ]


def alive_and_down(beats: Iterable[Heartbeat]) -> tuple[list[str], list[str]]:
    """The ``member/service`` names beating now, and those that stopped, each sorted."""
    now = now_kst()
    alive: list[str] = []
    down: list[str] = []
    for b in sorted(beats, key=lambda b: b.name):
        (alive if b.alive(now) else down).append(b.name)
    return alive, down


async def read_version(redis: aioredis.Redis, keys: StreamKeys) -> int:
    return int(await redis.get(keys.data_version) or 0)


async def ha_status(redis: aioredis.Redis, keys: StreamKeys, served_by: str) -> HaStatus:
    """Leader, source, members, stream and collections, read concurrently.

    Raises:
        RedisError, OSError: Redis is unavailable.
    """
    leader, source, beats, stream, collections, version = await asyncio.gather(
        leader_info(redis, keys),
        SourceStatus(redis, keys).read(),
        read_heartbeats(redis, keys),
        stream_info(redis, keys),
        last_collections(redis, keys),
        read_version(redis, keys),
    )
    return HaStatus(
        served_by=served_by,
        leader=leader,
        source=source_view(source),
        members=members(beats),
        stream=stream,
        collections=[
            CollectionView(
                kind=c.kind,
                at=c.at,
                ok=c.ok,
                records=c.records,
                source=c.source,
                error=c.error,
            )
            for _, c in sorted(collections.items())
        ],
        data_version=version,
    )
