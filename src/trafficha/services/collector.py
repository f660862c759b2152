"""The collector: every instance competes for the lease; the leader polls each dataset of the
registry that has an interval, through a Provider, and publishes one fenced stream entry per
non-empty fetch."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from trafficha.aio import sleep_unless
from trafficha.datasets.registry import DATASETS
from trafficha.errors import ProviderError
from trafficha.events import LeaderEvent, publish_event
from trafficha.kst import now_kst
from trafficha.leader import LeaderLease
from trafficha.models.quarantine import Parsed, RejectedRow
from trafficha.models.stream import Kind, StreamEntry
from trafficha.providers.base import Provider
from trafficha.services.freshness import Collection, record_collection
from trafficha.streams.keys import StreamKeys
from trafficha.streams.producer import NotLeaderError, StreamProducer
from trafficha.streams.quarantine import record_rejected

log = logging.getLogger(__name__)


class Collector:
    """Leader-elected poller.

    Args:
        redis: the shared Redis.
        keys: stream and lease key names.
        provider: where records come from.
        holder: this instance's name (``member1/collector-<pid>``), also the producer id.
        intervals: seconds between polls per dataset kind; a dataset without one is not polled.
        lease_ttl_ms: the lease TTL; failover takes at most about TTL plus one renewal interval.
        fetch_timeout: seconds a fetch may take before it counts as failed.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: StreamKeys,
        provider: Provider,
        *,
        holder: str,
        intervals: Mapping[Kind, float],
        lease_ttl_ms: int = 3000,
        maxlen: int = 100_000,
        fetch_timeout: float = 30.0,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.provider = provider
        self.holder = holder
        self.intervals = dict(intervals)
        unknown = set(self.intervals) - {d.kind for d in DATASETS}
        if unknown:
            raise ValueError(f"intervals for unknown dataset kinds: {sorted(unknown)}")
        self.datasets = {d.kind: d for d in DATASETS if d.kind in self.intervals}
        self.fetch_timeout = fetch_timeout
        self.producer = StreamProducer(redis, keys, maxlen=maxlen)
        self.lease = LeaderLease(
            redis, keys, holder, ttl_ms=lease_ttl_ms, on_acquired=self._on_acquired
        )
        self._due: dict[Kind, float] = {}
        self._stopping = asyncio.Event()
        self.published = 0

    async def _on_acquired(self, epoch: int) -> None:
        # A new leader polls every kind at once: a takeover leaves no gap of a whole interval.
        self._due = dict.fromkeys(self.datasets, time.monotonic())
        await publish_event(self.redis, self.keys, LeaderEvent(holder=self.holder, epoch=epoch))

    def stop(self) -> None:
        """Ask :meth:`run` to return; the lease is released so a standby takes over at once."""
        self._stopping.set()
        self.lease.stop()

    async def run(self) -> None:
        """Compete for the lease and poll while leader, until :meth:`stop`."""
        await self.producer.ensure_group()
        lease_task = asyncio.create_task(self.lease.run(), name="lease")
        try:
            await self._poll_loop()
        finally:
            self.lease.stop()
            await lease_task

    async def _poll_loop(self) -> None:
        while not self._stopping.is_set():
            if not self.lease.is_leader:
                self.lease.changed.clear()
                await asyncio.wait(
                    [
                        asyncio.ensure_future(self.lease.changed.wait()),
                        asyncio.ensure_future(self._stopping.wait()),
                    ],
                    return_when=asyncio.FIRST_COMPLETED,
                )
                continue
            now = time.monotonic()
            for kind in self.datasets:
                if self._due.get(kind, now) <= now and self.lease.is_leader:
                    self._due[kind] = now + self.intervals[kind]
                    try:
                        await self.collect(kind)
                    except RedisError as exc:
                        # Redis down (a restart): this collection is lost, the next one is due
                        # at its interval; the lease loop notices if leadership went with it.
                        log.warning(
                            "collector %s: %s collection failed: %s", self.holder, kind, exc
                        )
            next_due = min(self._due.values(), default=now + 1)
            await sleep_unless(
                self._stopping, min(next_due - time.monotonic(), self.lease.interval_s)
            )

    async def collect(self, kind: Kind) -> StreamEntry | None:
        """Fetch one kind and publish it (while leader). Returns the published batch.

        Returns None, and records the failed collection for ``/api/ha/status``, when this
        instance does not hold the lease, the fetch failed or timed out, or the lease was lost
        before publishing; upstream errors never escape.
        """
        token, epoch = self.lease.token, self.lease.epoch
        if token is None or epoch is None:
            return None
        fetched_at = now_kst()
        try:
            fetched = await asyncio.wait_for(
                self._fetch(kind, epoch, fetched_at), timeout=self.fetch_timeout
            )
        except (ProviderError, TimeoutError, OSError) as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            log.warning("collector %s: %s fetch failed: %s", self.holder, kind, reason)
            await self._record(kind, fetched_at, epoch, ok=False, records=0, error=reason)
            return None
        except Exception as exc:
            # A provider's bug (a custom provider, a parser letting something through) is a
            # failed collection with its traceback in the log, never the collector's end.
            reason = f"{type(exc).__name__}: {exc}"
            log.exception("collector %s: %s fetch raised %s", self.holder, kind, reason)
            await self._record(kind, fetched_at, epoch, ok=False, records=0, error=reason)
            return None
        batch, rejected = fetched
        if rejected:
            await self._quarantine(kind, fetched_at, rejected)
        if batch is None:
            # Nothing to publish, but the collection happened: freshness says so. Rows that all
            # came quarantined are a changed format, not an empty feed: a failed collection.
            error = (
                f"all {len(rejected)} rows quarantined ({rejected[0].reason})" if rejected else None
            )
            await self._record(kind, fetched_at, epoch, ok=error is None, records=0, error=error)
            return None
        try:
            await self.producer.publish(batch, lease_token=token)
        except NotLeaderError:
            log.warning("collector %s: lease lost before publishing %s", self.holder, kind)
            return None
        self.published += 1
        await self._record(
            kind, fetched_at, epoch, ok=True, records=len(batch.records), batch_id=batch.batch_id
        )
        return batch

    async def _fetch(
        self, kind: Kind, epoch: int, fetched_at: datetime
    ) -> tuple[StreamEntry | None, list[RejectedRow]]:
        envelope: dict[str, Any] = {
            "producer": self.holder,
            "epoch": epoch,
            "source": self.provider.source,
            "fetched_at": fetched_at,
            "batch_id": f"{kind}-{epoch}-{uuid.uuid4().hex[:20]}",
        }
        dataset = self.datasets[kind]
        records = await self.provider.fetch(dataset)
        answered = isinstance(records, Parsed)
        rejected = records.rejected if isinstance(records, Parsed) else []
        # KEC answering an empty list is news for a feed that lists what is current (the
        # incidents: all of them cleared), unless its rows were all quarantined; a provider
        # that has nothing (a plain empty list) is not.
        publish = bool(records) or (answered and dataset.after_rows is not None and not rejected)
        return (dataset.make_batch(envelope, records) if publish else None), rejected

    async def _quarantine(self, kind: Kind, at: datetime, rejected: list[RejectedRow]) -> None:
        """Count and sample the rows the parser set aside, and say so in the log."""
        reasons = await record_rejected(
            self.redis,
            self.keys,
            dataset=kind,
            source=self.provider.source,
            producer=self.holder,
            at=at,
            rejected=rejected,
        )
        log.warning(
            "collector %s: %s: %d rows quarantined (%s)",
            self.holder,
            kind,
            len(rejected),
            "; ".join(f"{reason}: {n}" for reason, n in sorted(reasons.items())),
        )

    async def _record(
        self,
        kind: Kind,
        at: datetime,
        epoch: int,
        *,
        ok: bool,
        records: int,
        batch_id: str | None = None,
        error: str | None = None,
    ) -> None:
        entry = Collection(
            kind=kind,
            at=at,
            ok=ok,
            records=records,
            source=self.provider.source,
            producer=self.holder,
            epoch=epoch,
            batch_id=batch_id,
            error=error,
        )
        await record_collection(self.redis, self.keys, entry)
