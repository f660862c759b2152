"""Encoded answers cached in process memory per data version, with single flight.

Every processor commit bumps the data version in Redis (``INCR``). An answer is cached with the
version read *before* its query ran, so it is at least as new as that version: a request reads
the current version (one Redis round trip) and takes a cached answer only when the answer's
version is at least that and it is younger than the max age (windows such as "the last 24 h"
move even when no data does). Otherwise one query runs per key and version in this process;
concurrent requests for it wait for that one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Final, Literal

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

__all__ = ["CacheState", "ResponseCache", "VersionReader"]

CacheState = Literal["hit", "miss", "stale"]
# A version read that takes longer is given up: the request is served by max age alone.
VERSION_TIMEOUT: Final = 0.5
# After a failed read, requests stop asking Redis; a background probe tries this often.
PROBE_EVERY: Final = 1.0
# Warn about an unreadable version at most this often (the hot path must not flood the log).
WARN_EVERY: Final = 10.0


class VersionReader:
    """Reads the data version; requests that arrive while a read is in flight share the next.

    A request must see a version read that started after it arrived (or it could miss a commit
    it already knows of), so a request arriving mid-read waits for the following read, which
    then serves every request that queued meanwhile: under load the reads per second stay
    bounded by the Redis round trip, not by the request rate.

    When a read fails, Redis is taken to be down: requests get None at once (caching by max
    age) instead of each waiting out the client's retries, and a background probe reads again
    every second until one succeeds.
    """

    def __init__(self, redis: aioredis.Redis, key: str) -> None:
        self._redis = redis
        self._key = key
        self._running = False
        self._queued: asyncio.Future[int | None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._down = False
        self._probed_at = -PROBE_EVERY
        self._warned_at = -WARN_EVERY
        self._closed = False
        self.failures = 0

    async def read(self) -> int | None:
        """The current data version (0 before the first commit); None when Redis fails."""
        if self._down:
            self._probe()
            return None
        if not self._running:
            self._running = True
            try:
                return await self._get()
            finally:
                self._finished()
        if self._queued is None:
            self._queued = asyncio.get_running_loop().create_future()
        # Shielded: one waiter going away must not cancel the read the others wait for.
        return await asyncio.shield(self._queued)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _finished(self) -> None:
        queued, self._queued = self._queued, None
        if queued is None or self._closed:
            self._running = False
            if queued is not None:
                queued.set_result(None)
            return
        self._spawn(self._read_for(queued))

    async def _read_for(self, waiters: asyncio.Future[int | None]) -> None:
        try:
            waiters.set_result(await self._get())
        finally:
            if not waiters.done():  # cancelled at shutdown
                waiters.set_result(None)
            self._finished()

    def _probe(self) -> None:
        now = time.monotonic()
        if self._closed or now - self._probed_at < PROBE_EVERY:
            return
        self._probed_at = now

        async def probe() -> None:
            if await self._get() is not None:
                log.info("data version readable again")

        self._spawn(probe())

    async def _get(self) -> int | None:
        try:
            async with asyncio.timeout(VERSION_TIMEOUT):
                raw = await self._redis.get(self._key)
        except (RedisError, OSError, TimeoutError) as exc:
            self.failures += 1
            self._down = True
            self._probed_at = now = time.monotonic()
            if now - self._warned_at >= WARN_EVERY:
                self._warned_at = now
                log.warning(
                    "data version unreadable, caching by max age only: %s",
                    str(exc) or type(exc).__name__,
                )
            return None
        self._down = False
        return int(raw or 0)

    async def close(self) -> None:
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass(slots=True)
class _Entry:
    version: int
    stored_at: float
    body: bytes


class ResponseCache:
    """Encoded answers by key, each with the data version it was built at.

    Bounded: past ``max_entries`` the oldest stored answer goes (keys carry every query
    parameter, so a client could otherwise grow the cache without end).
    """

    def __init__(self, max_age: float, *, max_entries: int = 2048) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self._entries: dict[Hashable, _Entry] = {}
        self._flights: dict[tuple[Hashable, int | None], asyncio.Task[bytes]] = {}
        self.hits = 0
        self.misses = 0
        self.shared = 0
        self.stale = 0

    async def get(
        self,
        key: Hashable,
        version: int | None,
        build: Callable[[], Awaitable[bytes]],
    ) -> tuple[bytes, CacheState]:
        """The answer for ``key`` at ``version`` or newer; ``build`` makes it on a miss.

        With ``version`` None (Redis unreadable) an answer is reused by max age alone. A max
        age of zero turns the cache off: every request runs its own query, as the original did.
        Raises whatever ``build`` raises; a failed build caches nothing.
        """
        if self.max_age <= 0:
            self.misses += 1
            return await build(), "miss"
        entry = self._entries.get(key)
        if (
            entry is not None
            and time.monotonic() - entry.stored_at < self.max_age
            and (version is None or entry.version >= version)
        ):
            self.hits += 1
            return entry.body, "hit"
        flight_key = (key, version)
        flight = self._flights.get(flight_key)
        if flight is not None:
            self.shared += 1
        else:
            self.misses += 1
            flight = asyncio.ensure_future(self._build(key, version, build))
            self._flights[flight_key] = flight

            def landed(task: asyncio.Task[bytes]) -> None:
                self._flights.pop(flight_key, None)
                if not task.cancelled():
                    task.exception()  # retrieved: every waiter may have gone away

            flight.add_done_callback(landed)
        # Shielded: the query goes on for the other waiters when this client goes away.
        return await asyncio.shield(flight), "miss"

    async def _build(
        self, key: Hashable, version: int | None, build: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        body = await build()
        old = self._entries.pop(key, None)
        if version is None:
            version = old.version if old is not None else -1
        elif old is not None and old.version > version:
            # A request that read a newer version stored first; keep the newer answer.
            self._entries[key] = old
            return body
        if len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = _Entry(version, time.monotonic(), body)
        return body

    def last(self, key: Hashable) -> bytes | None:
        """The answer last stored for ``key``, however old (served when the store fails)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        self.stale += 1
        return entry.body

    async def close(self) -> None:
        flights = list(self._flights.values())
        for flight in flights:
            flight.cancel()
        await asyncio.gather(*flights, return_exceptions=True)
