"""What a proxy request comes to: a served payload (and how it was obtained) or a 502."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from trafficha.secrets import redact_url

CacheState = Literal["hit", "shared", "miss", "stale"]


class CachedCopy(msgspec.Struct, frozen=True):
    """A cache row; ``fresh`` is judged by the database clock."""

    body: bytes
    fetched_at: datetime
    fresh: bool


class Served(msgspec.Struct, frozen=True):
    """A payload to answer with, and how it was obtained."""

    body: bytes
    fetched_at: datetime
    cache: CacheState
    upstream_error: str | None = None


class Unavailable(msgspec.Struct, frozen=True):
    """The upstream failed and there is no copy at all: the answer is a 502."""

    reason: str


Outcome = Served | Unavailable


class UpstreamError(Exception):
    """An upstream call gave nothing cacheable; ``reason`` is short, ASCII and key-free."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def header_safe(text: str, limit: int = 160) -> str:
    """A header value: key-free, printable ASCII, one line, bounded."""
    text = redact_url(" ".join(text.split()))
    return "".join(ch if " " <= ch <= "~" else "?" for ch in text)[:limit]


def kst_iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds")


def fallback(copy: CachedCopy | None, reason: str) -> Outcome:
    if copy is None:
        return Unavailable(reason)
    return Served(copy.body, copy.fetched_at, "stale", reason)
