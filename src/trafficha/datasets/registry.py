"""Every dataset the pipeline collects, in polling order: add a dataset here and the collector,
the providers, the proxy, the simulator and the store take it up."""

from __future__ import annotations

from typing import Any, Final

from trafficha.datasets.accidents import ACCIDENTS
from trafficha.datasets.road_status import ROAD_STATUS
from trafficha.datasets.route_list import ROUTE_LIST
from trafficha.datasets.spec import Dataset
from trafficha.datasets.tollgate_list import TOLLGATE_LIST
from trafficha.datasets.tollgate_traffic import TOLLGATE_TRAFFIC
from trafficha.datasets.travel_time import TRAVEL_TIME
from trafficha.datasets.vds_list import VDS_LIST
from trafficha.models.stream import StreamEntry

__all__ = [
    "ACCIDENTS",
    "DATASETS",
    "KINDS",
    "ROAD_STATUS",
    "ROUTE_LIST",
    "TOLLGATE_LIST",
    "TOLLGATE_TRAFFIC",
    "TRAVEL_TIME",
    "VDS_LIST",
    "Dataset",
    "by_endpoint",
    "by_kind",
    "entry_types",
]

DATASETS: Final[tuple[Dataset[Any], ...]] = (
    ACCIDENTS,
    TOLLGATE_TRAFFIC,
    ROAD_STATUS,
    TRAVEL_TIME,
    TOLLGATE_LIST,
    VDS_LIST,
    ROUTE_LIST,
)

KINDS: Final = tuple(d.kind for d in DATASETS)
_BY_KIND: Final = {d.kind: d for d in DATASETS}
_BY_ENDPOINT: Final = {d.endpoint: d for d in DATASETS}
if len(_BY_KIND) != len(DATASETS) or len(_BY_ENDPOINT) != len(DATASETS):
    raise RuntimeError("dataset kinds and endpoint names must be unique")


def entry_types() -> tuple[type[StreamEntry], ...]:
    """The batch type of every dataset (the union the stream decodes)."""
    return tuple(d.batch_type for d in DATASETS)


def by_kind(kind: str) -> Dataset[Any]:
    """The dataset of a stream kind.

    Raises:
        KeyError: no dataset has that kind.
    """
    return _BY_KIND[kind]


def by_endpoint(endpoint: str) -> Dataset[Any]:
    """The dataset of an upstream endpoint name (``locations``).

    Raises:
        KeyError: no dataset has that endpoint.
    """
    return _BY_ENDPOINT[endpoint]
