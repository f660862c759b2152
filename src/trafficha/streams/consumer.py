"""Consuming batches at least once: drain own pending entries, read new ones, reclaim idle ones
from dead consumers, acknowledge only after the handler succeeded, dead-letter poison entries."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from trafficha.aio import sleep_unless
from trafficha.errors import TrafficHaError
from trafficha.models.stream import StreamEntry
from trafficha.streams.codec import UndecodableEntryError, decode_entry
from trafficha.streams.keys import StreamKeys
from trafficha.streams.producer import ensure_group

log = logging.getLogger(__name__)

Handler = Callable[[StreamEntry], Awaitable[object]]
Fields = dict[bytes, bytes]

# A Redis outage is expected to last seconds (a restart); back off up to this between attempts.
_MAX_BACKOFF_S: Final = 2.0


class RetryableError(TrafficHaError):
    """A handler failure that is not the entry's fault (a store outage): retry, never dead-letter.

    The consumer pauses with backoff instead of burning the entry's delivery budget.
    """


@dataclass
class ConsumerStats:
    """Counters of one consumer since it started."""

    handled: int = 0
    reclaimed: int = 0
    dead_lettered: int = 0
    failures: int = 0


class StreamConsumer:
    """One member of the consumer group.

    Args:
        redis: a client whose ``socket_timeout`` exceeds ``block_ms`` (or is None).
        keys: stream, group and derived key names.
        name: the consumer name; keep it stable per instance so a restart drains its own PEL.
        handler: called once per decoded batch; it must be idempotent (delivery is at least
            once). Raise :class:`RetryableError` for outages; any other exception leaves the entry
            pending to be retried; failing on its ``max_deliveries``-th delivery dead-letters it.
        batch_size: entries per XREADGROUP.
        block_ms: how long a read waits for new entries.
        claim_idle_ms: entries pending longer than this, on any consumer, are reclaimed.
        max_deliveries: the delivery whose failure sends an entry to the dead-letter stream.
        concurrency: entries of one read handled at the same time.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: StreamKeys,
        name: str,
        handler: Handler,
        *,
        batch_size: int = 16,
        block_ms: int = 1000,
        claim_idle_ms: int = 5000,
        max_deliveries: int = 5,
        concurrency: int = 1,
    ) -> None:
        self._redis = redis
        self.concurrency = concurrency
        self.keys = keys
        self.name = name
        self._handler = handler
        self.batch_size = batch_size
        self.block_ms = block_ms
        self.claim_idle_ms = claim_idle_ms
        self.max_deliveries = max_deliveries
        self.stats = ConsumerStats()
        self._stopping = asyncio.Event()
        self._next_claim = 0.0

    def stop(self) -> None:
        """Ask the loop to finish after the entry in hand."""
        self._stopping.set()

    async def run(self) -> None:
        """Consume until :meth:`stop`; survives Redis restarts and handler outages."""
        backoff = 0.05
        drained = False
        while not self._stopping.is_set():
            try:
                if not drained:
                    await ensure_group(self._redis, self.keys)
                    await self.drain_own_pending()
                    drained = True
                await self.reclaim_idle()
                await self.read_new()
                backoff = 0.05
            except (RedisConnectionError, RedisTimeoutError, RetryableError, OSError) as exc:
                log.warning("consumer %s: %s; retrying in %.2fs", self.name, exc, backoff)
                await sleep_unless(self._stopping, backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                # The stream or group vanished (a Redis restart without AOF, a FLUSHALL):
                # recreate it and read our pending list again.
                log.warning("consumer %s: group missing, recreating", self.name)
                drained = False

    async def drain_own_pending(self) -> None:
        """Process this consumer's own pending entries (left by a crash of the same name)."""
        last = "0"
        while not self._stopping.is_set():
            reply = await self._redis.xreadgroup(
                self.keys.group, self.name, {self.keys.stream: last}, count=self.batch_size
            )
            entries = _entries(reply)
            if not entries:
                return
            await self._handle(entries, redelivered=True)
            last = entries[-1][0].decode()

    async def read_new(self) -> int:
        """Read and handle entries never delivered before; returns how many arrived."""
        reply = await self._redis.xreadgroup(
            self.keys.group,
            self.name,
            {self.keys.stream: ">"},
            count=self.batch_size,
            block=self.block_ms,
        )
        entries = _entries(reply)
        await self._handle(entries, redelivered=False)
        return len(entries)

    async def reclaim_idle(self, *, force: bool = False) -> int:
        """XAUTOCLAIM entries idle past the bound from any consumer, and handle them.

        Runs at most every ``claim_idle_ms / 2`` unless forced. Returns how many were claimed.
        """
        now = time.monotonic()
        if not force and now < self._next_claim:
            return 0
        self._next_claim = now + self.claim_idle_ms / 2000
        claimed = 0
        cursor = "0-0"
        while not self._stopping.is_set():
            reply = await self._redis.xautoclaim(
                self.keys.stream,
                self.keys.group,
                self.name,
                min_idle_time=self.claim_idle_ms,
                start_id=cursor,
                count=self.batch_size,
            )
            cursor = reply[0].decode() if isinstance(reply[0], bytes) else str(reply[0])
            entries = [(i, f) for i, f in reply[1] if f is not None]
            if len(reply) > 2 and reply[2]:
                # Redis 7 drops pending ids whose entry was trimmed; our trimming never does
                # that, so this is an operator's XDEL or XTRIM: say so loudly.
                log.error(
                    "consumer %s: pending entries deleted from the stream: %s",
                    self.name,
                    [_id(i) for i in reply[2]],
                )
            if entries:
                claimed += len(entries)
                self.stats.reclaimed += len(entries)
                await self._handle(entries, redelivered=True)
            if cursor == "0-0":
                return claimed
        return claimed

    async def _deliveries(self, entries: list[tuple[bytes, Fields]]) -> dict[bytes, int]:
        """Delivery counts of entries this consumer holds (from the extended XPENDING)."""
        first, last = entries[0][0], entries[-1][0]
        rows = await self._redis.xpending_range(
            self.keys.stream,
            self.keys.group,
            min=first,
            max=last,
            count=len(entries) * 4,
            consumername=self.name,
        )
        return {_raw_id(r["message_id"]): int(r["times_delivered"]) for r in rows}

    async def _handle(self, entries: list[tuple[bytes, Fields]], *, redelivered: bool) -> None:
        if not entries:
            return
        counts = await self._deliveries(entries) if redelivered else {}
        gate = asyncio.Semaphore(self.concurrency)

        async def one(entry_id: bytes, fields: Fields) -> None:
            async with gate:
                if not self._stopping.is_set():
                    await self._handle_one(entry_id, fields, counts.get(entry_id, 1))

        # Entries are independent batches and the handler is idempotent, so several may be in
        # flight: the store works on one while this process prepares the next.
        outcomes = await asyncio.gather(*(one(i, f) for i, f in entries), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _handle_one(self, entry_id: bytes, fields: Fields, deliveries: int) -> None:
        try:
            batch = decode_entry(fields)
        except UndecodableEntryError as exc:
            await self._dead_letter(entry_id, fields, str(exc))
            return
        try:
            await self._handler(batch)
        except RetryableError:
            raise
        except Exception as exc:  # a poison entry must not stop the consumer
            self.stats.failures += 1
            reason = f"{type(exc).__name__}: {exc}"[:500]
            # Only a failure of the entry itself spends its budget: an outage raises
            # RetryableError above, so inflated delivery counts from outages never
            # dead-letter an entry that a healthy attempt would store.
            if deliveries >= self.max_deliveries:
                await self._dead_letter(
                    entry_id, fields, f"delivered {deliveries} times; last error: {reason}"
                )
            else:
                log.warning(
                    "consumer %s: entry %s failed (delivery %d of %d): %s",
                    self.name,
                    _id(entry_id),
                    deliveries,
                    self.max_deliveries,
                    reason,
                )
            return
        await self._redis.xack(self.keys.stream, self.keys.group, entry_id)
        self.stats.handled += 1

    async def _dead_letter(self, entry_id: bytes, fields: Fields, reason: str) -> None:
        """Copy the entry to the dead-letter stream with its reason, then acknowledge it."""
        log.error("consumer %s: dead-lettering %s: %s", self.name, _id(entry_id), reason)
        dead: dict[Any, Any] = {
            b"origin_id": entry_id,
            b"reason": reason.encode(),
            b"consumer": self.name.encode(),
            **fields,
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self.keys.dead, dead)
            pipe.xack(self.keys.stream, self.keys.group, entry_id)
            await pipe.execute()
        self.stats.dead_lettered += 1


def _raw_id(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def _id(value: bytes) -> str:
    return value.decode()


def _entries(reply: Any) -> list[tuple[bytes, Fields]]:
    """The (id, fields) pairs of a RESP2 XREADGROUP reply; entries deleted while pending (which
    come back with no fields) are left to XAUTOCLAIM, which purges them."""
    if not reply:
        return []
    return [(i, f) for _stream, rows in reply for i, f in rows if f is not None]
