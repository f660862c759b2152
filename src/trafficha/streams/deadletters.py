"""Dead letters: list them, and put them back on the stream once their cause is fixed.

A consumer dead-letters an entry it cannot decode, or one whose handler failed on its last
allowed delivery, into ``<stream>:dead`` with the reason; the batch is not lost, but it is not
applied either. After the fix (a processor that reads a new schema version, a store repaired),
:func:`replay_dead_letters` moves the entries back: the processors apply them, and a batch that
had been applied before is a ledger hit, not a duplicate.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import msgspec
import redis.asyncio as aioredis

from trafficha.errors import TrafficHaError
from trafficha.streams.codec import ENTRY_FIELDS
from trafficha.streams.keys import StreamKeys
from trafficha.streams.scan import stream_entries


class UnknownDeadLetterError(TrafficHaError, LookupError):
    """An id given to :func:`replay_dead_letters` is not in the dead-letter stream."""


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of the dead-letter stream."""

    id: str
    origin_id: str
    batch_id: str | None
    kind: str | None
    reason: str
    consumer: str


def _text(fields: dict[bytes, bytes], name: bytes) -> str | None:
    value = fields.get(name)
    return None if value is None else value.decode(errors="replace")


async def dead_letters(redis: aioredis.Redis, keys: StreamKeys) -> list[DeadLetter]:
    """Every dead letter, oldest first."""
    return [
        DeadLetter(
            id=entry_id.decode(),
            origin_id=_text(fields, b"origin_id") or "",
            batch_id=_text(fields, b"batch"),
            kind=_text(fields, b"kind"),
            reason=_text(fields, b"reason") or "",
            consumer=_text(fields, b"consumer") or "",
        )
        async for entry_id, fields in stream_entries(redis, keys.dead)
    ]


async def replay_dead_letters(
    redis: aioredis.Redis, keys: StreamKeys, ids: Collection[str] | None = None
) -> dict[str, str]:
    """Move dead letters back onto the stream; returns dead-letter id -> new entry id.

    Args:
        redis: the pipeline's Redis.
        keys: the stream whose dead letters to replay.
        ids: the dead letters to replay (``None``: all of them).

    Each move is one transaction (XADD of the original entry fields, XDEL of the dead letter),
    so an entry is never in both streams nor in neither. A replayed entry is a new entry: the
    collector lease does not fence it, and it is delivered like any other, once per group.

    Raises:
        UnknownDeadLetterError: an id in ``ids`` is not a dead letter (nothing is replayed).
    """
    wanted = None if ids is None else set(ids)
    found = [
        (entry_id, fields)
        async for entry_id, fields in stream_entries(redis, keys.dead)
        if wanted is None or entry_id.decode() in wanted
    ]
    if wanted is not None:
        missing = wanted - {i.decode() for i, _ in found}
        if missing:
            raise UnknownDeadLetterError(f"not dead letters: {', '.join(sorted(missing))}")
    moved: dict[str, str] = {}
    for dead_id, fields in found:
        entry: dict[Any, Any] = {
            name: fields[name] for name in (f.encode() for f in ENTRY_FIELDS) if name in fields
        }
        async with redis.pipeline(transaction=True) as pipe:
            pipe.xadd(keys.stream, entry)
            pipe.xdel(keys.dead, dead_id)
            new_id, _deleted = await pipe.execute()
        moved[dead_id.decode()] = new_id.decode() if isinstance(new_id, bytes) else str(new_id)
    return moved
