"""The zero-loss audit: every produced batch is applied exactly once, in flight, or dead-lettered
with a reason. Anything else is lost, and the report says which batch ids."""

from __future__ import annotations

from typing import Any

import msgspec
import redis.asyncio as aioredis

from trafficha.config import Settings
from trafficha.connections import redis_client, stream_keys
from trafficha.store import DedupStore
from trafficha.streams.keys import StreamKeys
from trafficha.streams.scan import stream_entries


class AuditReport(msgspec.Struct, frozen=True, kw_only=True):
    """Produced side (Redis ledger) against applied side (MariaDB ledger)."""

    produced_batches: int
    produced_records: int
    applied_batches: int
    applied_records: int
    in_flight: tuple[str, ...]
    dead_lettered: tuple[str, ...]
    lost: tuple[str, ...]
    miscounted: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Nothing lost, nothing applied with a count that differs from what was produced."""
        return not self.lost and not self.miscounted


async def _batch_ids(redis: aioredis.Redis, stream: str) -> set[str]:
    return {f[b"batch"].decode() async for _id, f in stream_entries(redis, stream) if b"batch" in f}


async def audit(redis: aioredis.Redis, keys: StreamKeys, store: DedupStore) -> AuditReport:
    """Compare what the collector produced with what the processors applied."""
    raw: Any = await redis.hgetall(keys.produced)
    produced = {k.decode(): int(v) for k, v in raw.items()}
    applied = await store.ledger(produced)
    in_stream = await _batch_ids(redis, keys.stream)
    dead = await _batch_ids(redis, keys.dead)
    missing = set(produced) - set(applied)
    miscounted = {
        batch_id
        for batch_id, row in applied.items()
        if row.inserted + row.duplicates != produced[batch_id]
    }
    return AuditReport(
        produced_batches=len(produced),
        produced_records=sum(produced.values()),
        applied_batches=len(applied),
        applied_records=sum(row.inserted + row.duplicates for row in applied.values()),
        in_flight=tuple(sorted(missing & in_stream - dead)),
        dead_lettered=tuple(sorted(missing & dead)),
        lost=tuple(sorted(missing - in_stream - dead)),
        miscounted=tuple(sorted(miscounted)),
    )


async def audit_from_settings(settings: Settings) -> AuditReport:
    """Run :func:`audit` against the Redis and MariaDB that ``settings`` name."""
    redis = redis_client(settings)
    try:
        async with await DedupStore.from_settings(settings) as store:
            return await audit(redis, stream_keys(settings), store)
    finally:
        await redis.aclose()
