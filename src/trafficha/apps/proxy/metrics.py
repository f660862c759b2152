"""The proxy's per-process counters per dataset, rendered by :mod:`trafficha.apps.metrics`."""

from __future__ import annotations

from typing import Final, Literal

from trafficha.apps.metrics import family, render
from trafficha.datasets.registry import DATASETS

COUNTERS: Final = {
    "hits": "Responses served from a fresh cached copy.",
    "shared": "Responses served from another request's upstream call (this process or another).",
    "misses": "Upstream calls made.",
    "stale": "Responses served from an expired copy because the upstream failed.",
    "errors": "Upstream calls that failed (network, timeout, HTTP status, rejected payload).",
    "unavailable": "502 answers: the upstream failed and no copy existed.",
}
Counter = Literal["hits", "shared", "misses", "stale", "errors", "unavailable"]


class Metrics:
    """Per-process counters per dataset, in Prometheus text format."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = {
            (counter, d.endpoint): 0 for counter in COUNTERS for d in DATASETS
        }

    def inc(self, counter: Counter, dataset: str) -> None:
        self._counts[counter, dataset] += 1

    def get(self, counter: Counter, dataset: str) -> int:
        return self._counts[counter, dataset]

    def render(self) -> str:
        return render(
            family(
                f"trafficha_proxy_{counter}_total",
                "counter",
                help_text,
                [({"dataset": d.endpoint}, self._counts[counter, d.endpoint]) for d in DATASETS],
            )
            for counter, help_text in COUNTERS.items()
        )
