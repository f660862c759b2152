"""Reading a whole stream, page by page: for tools that look at every entry (the audit, the
dead-letter commands), never for the consumers, which read through their group."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Final

import redis.asyncio as aioredis

PAGE: Final = 1000


async def stream_entries(
    redis: aioredis.Redis, stream: str, *, page: int = PAGE
) -> AsyncIterator[tuple[bytes, dict[bytes, bytes]]]:
    """Every ``(id, fields)`` of ``stream``, oldest first, ``page`` entries per XRANGE."""
    start = "-"
    while True:
        rows: Any = await redis.xrange(stream, min=start, count=page)
        for row in rows:
            yield row
        if len(rows) < page:
            return
        start = "(" + rows[-1][0].decode()
