"""``/metrics`` of the data API: this process's counters, and pipeline gauges read from Redis."""

from __future__ import annotations

import asyncio
import logging
from typing import Final

import redis.asyncio as aioredis
from litestar.types import Message, Scope
from redis.exceptions import RedisError

from trafficha.apps.data_api.cache import ResponseCache
from trafficha.apps.data_api.hub import EventHub
from trafficha.apps.metrics import Sample, family, render
from trafficha.services.hastatus import read_ha_state
from trafficha.streams import StreamKeys
from trafficha.streams.quarantine import quarantine_counts

log = logging.getLogger(__name__)

__all__ = ["Telemetry"]

PREFIX: Final = "trafficha_data_api"
GAUGE_TIMEOUT: Final = 2.0


class Telemetry:
    """Responses by route template and status, counted in ``before_send`` (a dict bump)."""

    def __init__(self) -> None:
        self._responses: dict[tuple[str, int], int] = {}

    def count(self, route: str | None, status: int) -> None:
        key = (route or "unmatched", status)
        self._responses[key] = self._responses.get(key, 0) + 1

    async def count_response(self, message: Message, scope: Scope) -> None:
        """Litestar's ``before_send`` hook: every answer, 404s and problems included."""
        if message["type"] == "http.response.start":
            self.count(scope.get("path_template"), message["status"])

    async def render(
        self, cache: ResponseCache, hub: EventHub, redis: aioredis.Redis, keys: StreamKeys
    ) -> str:
        """The Prometheus text: this app's counters, its answer cache and event hub, and the
        pipeline's gauges as Redis holds them."""
        families = [
            family(
                f"{PREFIX}_responses_total",
                "counter",
                "HTTP responses by route template and status.",
                [
                    ({"route": route, "status": str(status)}, n)
                    for (route, status), n in sorted(self._responses.items())
                ],
            ),
            family(
                f"{PREFIX}_cache_requests_total",
                "counter",
                "Data answers by cache outcome: hit, miss (this request queried), shared "
                "(waited for another request's query), stale (served after a store failure).",
                [
                    ({"result": "hit"}, cache.hits),
                    ({"result": "miss"}, cache.misses),
                    ({"result": "shared"}, cache.shared),
                    ({"result": "stale"}, cache.stale),
                ],
            ),
            family(
                f"{PREFIX}_event_clients",
                "gauge",
                "Open server-sent event streams.",
                [({}, hub.clients)],
            ),
            family(
                f"{PREFIX}_events_relayed_total",
                "counter",
                "Pipeline events relayed to the event streams.",
                [({}, hub.relayed)],
            ),
            family(
                f"{PREFIX}_event_clients_dropped_total",
                "counter",
                "Event streams ended because the client fell too far behind.",
                [({}, hub.dropped)],
            ),
            *await self._pipeline(redis, keys),
        ]
        return render(families)

    async def _pipeline(self, redis: aioredis.Redis, keys: StreamKeys) -> list[list[str]]:
        """Gauges of the whole pipeline, as Redis holds them (only ``redis_up 0`` without it)."""
        try:
            async with asyncio.timeout(GAUGE_TIMEOUT):
                state = await read_ha_state(redis, keys)
                quarantined = await quarantine_counts(redis, keys)
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("pipeline gauges unavailable: %s", exc)
            return [family("trafficha_redis_up", "gauge", "Whether Redis answered.", [({}, 0)])]
        stream, leader, source = state.stream, state.leader, state.source

        def gauge(name: str, help_text: str, samples: list[Sample]) -> list[str]:
            return family(f"trafficha_{name}", "gauge", help_text, samples)

        return [
            gauge("redis_up", "Whether Redis answered.", [({}, 1)]),
            gauge("stream_length", "Entries in the stream.", [({}, stream.length)]),
            gauge(
                "stream_pending", "Entries delivered, not yet acknowledged.", [({}, stream.pending)]
            ),
            gauge(
                "stream_lag",
                "Entries not yet delivered to the processors' group.",
                [({}, stream.lag)] if stream.lag is not None else [],
            ),
            gauge(
                "stream_dead_letters",
                "Entries in the dead-letter stream.",
                [({}, stream.dead_letters)],
            ),
            family(
                "trafficha_quarantined_rows_total",
                "counter",
                "Upstream rows set aside by the parsers, by dataset and reason.",
                [({"dataset": c.dataset, "reason": c.reason}, c.rows) for c in quarantined],
            ),
            gauge(
                "source_switches",
                "Source switches recorded by the collectors.",
                [({}, source.switches if source else 0)],
            ),
            gauge(
                "source_active",
                "The collectors' active source (1 for the one in use).",
                [
                    ({"source": s}, int(source is not None and source.active == s))
                    for s in ("real", "sim")
                ],
            ),
            gauge(
                "leader_epoch",
                "Fencing epoch of the collector lease.",
                [({}, leader.epoch if leader else 0)],
            ),
            gauge(
                "data_version",
                "Committed batches announced by the processors.",
                [({}, state.data_version)],
            ),
        ]
