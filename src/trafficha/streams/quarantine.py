"""Quarantined upstream rows in Redis: counted per dataset and reason, a bounded sample kept.

The collector records what a parser set aside (:class:`~trafficha.models.quarantine.Parsed`)
here, in one transaction per collection: ``<stream>:quarantine:counts`` counts every row
(``HINCRBY dataset|reason``), and ``<stream>:quarantine`` keeps the latest rows themselves, capped
(``XADD … MAXLEN ~``), for ``trafficha dead`` to show. The counts are what ``/metrics`` and
``trafficha status`` read; the sample is for looking at what upstream really sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import msgspec
import redis.asyncio as aioredis

from trafficha.models.quarantine import RejectedRow
from trafficha.streams.keys import StreamKeys
from trafficha.streams.scan import stream_entries

__all__ = [
    "SAMPLE_MAX",
    "QuarantineCount",
    "QuarantinedRow",
    "quarantine_counts",
    "quarantined_rows",
    "record_rejected",
]

# Rows kept in the sample stream (approximately: MAXLEN ~ trims whole nodes).
SAMPLE_MAX: Final = 1000
# Rows of one collection added to the sample: a feed whose every row is broken (a changed
# format) must not flush the sample with thousands of copies of one mistake.
SAMPLE_PER_COLLECTION: Final = 20


class QuarantineCount(msgspec.Struct, frozen=True, kw_only=True):
    """How many rows of a dataset were quarantined for one reason, since the counts began."""

    dataset: str
    reason: str
    rows: int


class QuarantinedRow(msgspec.Struct, frozen=True, kw_only=True):
    """One quarantined row of the sample, with where and when it came."""

    id: str
    dataset: str
    source: str
    producer: str
    at: str
    page: int
    row: int
    reason: str
    detail: str
    excerpt: str


async def record_rejected(
    redis: aioredis.Redis,
    keys: StreamKeys,
    *,
    dataset: str,
    source: str,
    producer: str,
    at: datetime,
    rejected: Sequence[RejectedRow],
) -> dict[str, int]:
    """Count ``rejected`` per reason and add the first few to the sample, atomically; returns
    this collection's counts per reason."""
    counts = dict(Counter(r.reason for r in rejected))
    if not counts:
        return counts
    async with redis.pipeline(transaction=True) as pipe:
        for reason, n in counts.items():
            pipe.hincrby(keys.quarantine_counts, f"{dataset}|{reason}", n)
        for r in rejected[:SAMPLE_PER_COLLECTION]:
            fields: dict[Any, Any] = {
                "dataset": dataset,
                "source": source,
                "producer": producer,
                "at": at.isoformat(),
                "page": r.page,
                "row": r.row,
                "reason": r.reason,
                "detail": r.detail,
                "excerpt": r.excerpt,
            }
            pipe.xadd(keys.quarantine, fields, maxlen=SAMPLE_MAX, approximate=True)
        await pipe.execute()
    return counts


async def quarantine_counts(redis: aioredis.Redis, keys: StreamKeys) -> list[QuarantineCount]:
    """Every count, by dataset then reason."""
    raw: Any = await redis.hgetall(keys.quarantine_counts)
    found = []
    for field, value in raw.items():
        dataset, _, reason = field.decode(errors="replace").partition("|")
        found.append(QuarantineCount(dataset=dataset, reason=reason, rows=int(value)))
    return sorted(found, key=lambda c: (c.dataset, c.reason))


def _text(fields: dict[bytes, bytes], name: str) -> str:
    return fields.get(name.encode(), b"").decode(errors="replace")


async def quarantined_rows(
    redis: aioredis.Redis, keys: StreamKeys, dataset: str | None = None
) -> list[QuarantinedRow]:
    """The sample, oldest first (only ``dataset``'s rows when given)."""
    rows = [
        QuarantinedRow(
            id=entry_id.decode(),
            dataset=_text(fields, "dataset"),
            source=_text(fields, "source"),
            producer=_text(fields, "producer"),
            at=_text(fields, "at"),
            page=int(_text(fields, "page") or 0),
            row=int(_text(fields, "row") or 0),
            reason=_text(fields, "reason"),
            detail=_text(fields, "detail"),
            excerpt=_text(fields, "excerpt"),
        )
        async for entry_id, fields in stream_entries(redis, keys.quarantine)
    ]
    return [r for r in rows if dataset is None or r.dataset == dataset]
