"""The processor: consumes batches, writes them through the DedupStore, acknowledges after the
commit, and announces each commit (a new data version) for API caches and server-sent events."""

from __future__ import annotations

import logging

import redis.asyncio as aioredis

from trafficha.events import CommitEvent, publish_event
from trafficha.models.stream import StreamEntry
from trafficha.store import ApplyResult, DedupStore, StoreUnavailableError
from trafficha.streams.consumer import RetryableError, StreamConsumer
from trafficha.streams.keys import StreamKeys

log = logging.getLogger(__name__)


class Processor:
    """One active-active processor: a consumer of the group writing to MariaDB."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: StreamKeys,
        store: DedupStore,
        *,
        name: str,
        claim_idle_ms: int = 5000,
        max_deliveries: int = 5,
        batch_size: int = 16,
        concurrency: int = 2,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.store = store
        self.consumer = StreamConsumer(
            redis,
            keys,
            name,
            self.handle,
            batch_size=batch_size,
            claim_idle_ms=claim_idle_ms,
            max_deliveries=max_deliveries,
        )

    async def handle(self, batch: StreamEntry) -> ApplyResult:
        """Apply one batch (idempotently), then bump the data version and announce it.

        Raises:
            RetryableError: the store is unreachable; the consumer pauses and retries.
            StoreDataError: the batch cannot be stored; after ``max_deliveries`` it is
                dead-lettered.
        """
        try:
            result = await self.store.apply(batch)
        except StoreUnavailableError as exc:
            raise RetryableError(f"store unavailable: {exc}") from exc
        if not result.already_applied:
            version = int(await self.redis.incr(self.keys.data_version))
            event = CommitEvent(
                kind=batch.kind,
                batch_id=batch.batch_id,
                inserted=result.inserted,
                duplicates=result.duplicates,
                changed=result.changed,
                version=version,
            )
            await publish_event(self.redis, self.keys, event)
        return result

    def stop(self) -> None:
        """Ask :meth:`run` to return after the batch in hand."""
        self.consumer.stop()

    async def run(self) -> None:
        """Consume and apply batches until :meth:`stop`; rides over Redis and MariaDB outages."""
        await self.consumer.run()
