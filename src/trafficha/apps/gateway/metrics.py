"""The gateway's counters and gauges (rendered with :mod:`trafficha.apps.metrics`)."""

from __future__ import annotations

from collections import Counter
from typing import Final, Literal

from trafficha.apps.data_api.hub import EventHub
from trafficha.apps.gateway.upstreams import UpstreamPool
from trafficha.apps.metrics import Sample, family, render

__all__ = ["OUTCOMES", "GatewayMetrics", "Outcome"]

Outcome = Literal["ok", "http_5xx", "connect_error", "timeout", "error"]
OUTCOMES: Final[tuple[Outcome, ...]] = ("ok", "http_5xx", "connect_error", "timeout", "error")

_PREFIX: Final = "trafficha_gateway_"


class GatewayMetrics:
    """Per-process figures; plain attributes and a Counter, cheap to bump on the hot path."""

    def __init__(self, pool: UpstreamPool) -> None:
        self._pool = pool
        # (upstream url, outcome) -> attempts.
        self.attempts: Counter[tuple[str, Outcome]] = Counter()
        self.retries = 0
        self.unanswered = 0
        self.rate_limited = 0

    def attempt(self, url: str, outcome: Outcome) -> None:
        self.attempts[url, outcome] += 1

    def render(self, *, rate_limit_clients: int, hub: EventHub) -> str:
        upstreams = self._pool.upstreams
        ejected = self._pool.ejected()
        attempts: list[Sample] = [
            ({"upstream": u.url, "outcome": o}, self.attempts[u.url, o])
            for u in upstreams
            for o in OUTCOMES
        ]
        ejections: list[Sample] = [({"upstream": u.url}, u.ejections) for u in upstreams]
        out: list[Sample] = [
            ({"upstream": u.url}, int(e)) for u, e in zip(upstreams, ejected, strict=True)
        ]
        return render(
            [
                _family(
                    "upstream_requests_total", "counter", "Attempts by upstream, outcome.", attempts
                ),
                _family("upstream_ejections_total", "counter", "Ejections by upstream.", ejections),
                _family("upstream_ejected", "gauge", "1 while the upstream is ejected.", out),
                _scalar("retries_total", "counter", "Attempts on a next upstream.", self.retries),
                _scalar(
                    "unanswered_total", "counter", "Requests no upstream answered.", self.unanswered
                ),
                _scalar(
                    "rate_limited_total", "counter", "Requests refused with 429.", self.rate_limited
                ),
                _scalar(
                    "rate_limit_clients", "gauge", "Clients in the rate table.", rate_limit_clients
                ),
                _scalar("event_streams_open", "gauge", "Event streams served now.", hub.clients),
                _scalar("event_streams_total", "counter", "Event streams served.", hub.opened),
                _scalar(
                    "event_streams_resumed_total",
                    "counter",
                    "Streams resumed after their Last-Event-ID.",
                    hub.resumed,
                ),
                _scalar(
                    "event_streams_dropped_total",
                    "counter",
                    "Streams dropped for falling behind.",
                    hub.dropped,
                ),
                _scalar("events_relayed_total", "counter", "Events from the log.", hub.relayed),
            ]
        )


def _family(
    name: str, kind: Literal["counter", "gauge"], text: str, samples: list[Sample]
) -> list[str]:
    return family(_PREFIX + name, kind, text, samples)


def _scalar(name: str, kind: Literal["counter", "gauge"], text: str, value: int) -> list[str]:
    return family(_PREFIX + name, kind, text, [({}, value)])
