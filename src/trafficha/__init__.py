"""trafficha: a high-availability Korean expressway traffic pipeline and dashboard.

The names in ``__all__`` are the supported library API: import them from ``trafficha``. They
keep their meaning within a minor version (see CHANGELOG.md); everything else, including the
modules they are defined in, is internal and may move. ``docs/library.md`` lists each name with
its contract.

Names load on first use, so ``import trafficha`` stays cheap for a process that needs only a few
(a collector does not import Litestar).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from trafficha._version import __version__

# Public name -> the module that defines it (``module:name`` where it has another name there).
# One table, so the lazy loader, ``__all__`` and the type checker's view below cannot disagree
# (a test compares them).
_EXPORTS: dict[str, str] = {
    # Settings
    "Settings": "trafficha.config",
    "load_settings": "trafficha.config",
    # Time: the data is KST
    "KST": "trafficha.kst",
    "now_kst": "trafficha.kst",
    "to_kst": "trafficha.kst",
    # Errors
    "TrafficHaError": "trafficha.errors",
    "ConfigError": "trafficha.errors",
    "ProviderError": "trafficha.errors",
    "ProviderAuthError": "trafficha.errors",
    "ProviderPayloadError": "trafficha.errors",
    "ProviderUnavailableError": "trafficha.errors",
    "StoreError": "trafficha.store.db",
    "StoreUnavailableError": "trafficha.store.db",
    "StoreDataError": "trafficha.store.db",
    "NotLeaderError": "trafficha.streams.producer",
    "RetryableError": "trafficha.streams.consumer",
    "UndecodableEntryError": "trafficha.streams.codec",
    "UnknownDeadLetterError": "trafficha.streams.deadletters",
    # Models: domain records and stream batches
    "Accident": "trafficha.models.domain",
    "TollgateTraffic": "trafficha.models.domain",
    "RoadStatus": "trafficha.models.domain",
    "RouteSummary": "trafficha.models.domain",
    "Tollgate": "trafficha.models.domain",
    "AccidentBatch": "trafficha.models.stream",
    "TollgateBatch": "trafficha.models.stream",
    "RoadBatch": "trafficha.models.stream",
    "TollgateListBatch": "trafficha.models.stream",
    "StreamEntry": "trafficha.models.stream",
    "SCHEMA_VERSION": "trafficha.models.stream",
    "incident_key": "trafficha.models.domain",
    "summarize_routes": "trafficha.models.domain",
    # KEC parsing
    "parse_accidents": "trafficha.providers.kec",
    "parse_tollgate_traffic": "trafficha.providers.kec",
    "parse_road_status": "trafficha.providers.kec",
    "parse_tollgates": "trafficha.providers.kec",
    # Providers
    "Provider": "trafficha.providers.base",
    "Dataset": "trafficha.datasets.spec",
    "DATASETS": "trafficha.datasets.registry",
    "ACCIDENTS": "trafficha.datasets.registry",
    "TOLLGATE_TRAFFIC": "trafficha.datasets.registry",
    "ROAD_STATUS": "trafficha.datasets.registry",
    "TOLLGATE_LIST": "trafficha.datasets.registry",
    "Source": "trafficha.providers.base",
    "RealProvider": "trafficha.providers.real",
    "SimProvider": "trafficha.providers.sim",
    "build_provider": "trafficha.providers.factory",
    # Streams and the lease
    "StreamKeys": "trafficha.streams.keys",
    "StreamProducer": "trafficha.streams.producer",
    "StreamConsumer": "trafficha.streams.consumer",
    "encode_entry": "trafficha.streams.codec",
    "decode_entry": "trafficha.streams.codec",
    "DeadLetter": "trafficha.streams.deadletters",
    "dead_letters": "trafficha.streams.deadletters",
    "replay_dead_letters": "trafficha.streams.deadletters",
    "Parsed": "trafficha.models.quarantine",
    "RejectedRow": "trafficha.models.quarantine",
    "QuarantineCount": "trafficha.streams.quarantine",
    "QuarantinedRow": "trafficha.streams.quarantine",
    "quarantine_counts": "trafficha.streams.quarantine",
    "quarantined_rows": "trafficha.streams.quarantine",
    "LeaderLease": "trafficha.leader",
    "redis_client": "trafficha.connections",
    "stream_keys": "trafficha.connections",
    # Store: exactly-once application and the read queries
    "DedupStore": "trafficha.store.dedup",
    "ApplyResult": "trafficha.store.dedup",
    "latest_accidents": "trafficha.store.queries",
    "accident_stats": "trafficha.store.queries",
    "tollgate_traffic": "trafficha.store.queries",
    "road_status": "trafficha.store.queries",
    "road_summary": "trafficha.store.queries",
    "StoredAccident": "trafficha.store.queries",
    "AccidentStats": "trafficha.store.queries",
    "TollgateSeries": "trafficha.store.queries",
    "TollgateSlot": "trafficha.store.queries",
    "RoadSectionStatus": "trafficha.store.queries",
    # Services
    "Collector": "trafficha.services.collector",
    "Processor": "trafficha.services.processor",
    "audit": "trafficha.services.audit",
    "AuditReport": "trafficha.services.audit",
    # App factories
    "create_data_api_app": "trafficha.apps.data_api.app:create_app",
    "create_gateway_app": "trafficha.apps.gateway.app:create_app",
    "create_proxy_app": "trafficha.apps.proxy.app:create_app",
    "create_simulator_app": "trafficha.apps.simulator.app:create_app",
}

# Spelled out, not computed: type checkers read a literal list only.
__all__ = [
    "ACCIDENTS",
    "DATASETS",
    "KST",
    "ROAD_STATUS",
    "SCHEMA_VERSION",
    "TOLLGATE_LIST",
    "TOLLGATE_TRAFFIC",
    "Accident",
    "AccidentBatch",
    "AccidentStats",
    "ApplyResult",
    "AuditReport",
    "Collector",
    "ConfigError",
    "Dataset",
    "DeadLetter",
    "DedupStore",
    "LeaderLease",
    "NotLeaderError",
    "Parsed",
    "Processor",
    "Provider",
    "ProviderAuthError",
    "ProviderError",
    "ProviderPayloadError",
    "ProviderUnavailableError",
    "QuarantineCount",
    "QuarantinedRow",
    "RealProvider",
    "RejectedRow",
    "RetryableError",
    "RoadBatch",
    "RoadSectionStatus",
    "RoadStatus",
    "RouteSummary",
    "Settings",
    "SimProvider",
    "Source",
    "StoreDataError",
    "StoreError",
    "StoreUnavailableError",
    "StoredAccident",
    "StreamConsumer",
    "StreamEntry",
    "StreamKeys",
    "StreamProducer",
    "Tollgate",
    "TollgateBatch",
    "TollgateListBatch",
    "TollgateSeries",
    "TollgateSlot",
    "TollgateTraffic",
    "TrafficHaError",
    "UndecodableEntryError",
    "UnknownDeadLetterError",
    "__version__",
    "accident_stats",
    "audit",
    "build_provider",
    "create_data_api_app",
    "create_gateway_app",
    "create_proxy_app",
    "create_simulator_app",
    "dead_letters",
    "decode_entry",
    "encode_entry",
    "incident_key",
    "latest_accidents",
    "load_settings",
    "now_kst",
    "parse_accidents",
    "parse_road_status",
    "parse_tollgate_traffic",
    "parse_tollgates",
    "quarantine_counts",
    "quarantined_rows",
    "redis_client",
    "replay_dead_letters",
    "road_status",
    "road_summary",
    "stream_keys",
    "summarize_routes",
    "to_kst",
    "tollgate_traffic",
]


if not TYPE_CHECKING:
    # Hidden from type checkers: they would take any name as an attribute of type Any and stop
    # catching typos; they see the real imports below instead.

    def __getattr__(name: str) -> Any:
        target = _EXPORTS.get(name)
        if target is None:
            raise AttributeError(f"module 'trafficha' has no attribute {name!r}")
        module, _, attr = target.partition(":")
        value = getattr(importlib.import_module(module), attr or name)
        globals()[name] = value  # later lookups skip this function
        return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # what a type checker sees: the same names, eagerly, with their real types
    from trafficha.apps.data_api.app import create_app as create_data_api_app
    from trafficha.apps.gateway.app import create_app as create_gateway_app
    from trafficha.apps.proxy.app import create_app as create_proxy_app
    from trafficha.apps.simulator.app import create_app as create_simulator_app
    from trafficha.config import Settings, load_settings
    from trafficha.connections import redis_client, stream_keys
    from trafficha.datasets.registry import (
        ACCIDENTS,
        DATASETS,
        ROAD_STATUS,
        TOLLGATE_LIST,
        TOLLGATE_TRAFFIC,
    )
    from trafficha.datasets.spec import Dataset
    from trafficha.errors import (
        ConfigError,
        ProviderAuthError,
        ProviderError,
        ProviderPayloadError,
        ProviderUnavailableError,
        TrafficHaError,
    )
    from trafficha.kst import KST, now_kst, to_kst
    from trafficha.leader import LeaderLease
    from trafficha.models.domain import (
        Accident,
        RoadStatus,
        RouteSummary,
        Tollgate,
        TollgateTraffic,
        incident_key,
        summarize_routes,
    )
    from trafficha.models.quarantine import Parsed, RejectedRow
    from trafficha.models.stream import (
        SCHEMA_VERSION,
        AccidentBatch,
        RoadBatch,
        StreamEntry,
        TollgateBatch,
        TollgateListBatch,
    )
    from trafficha.providers.base import Provider, Source
    from trafficha.providers.factory import build_provider
    from trafficha.providers.kec import (
        parse_accidents,
        parse_road_status,
        parse_tollgate_traffic,
        parse_tollgates,
    )
    from trafficha.providers.real import RealProvider
    from trafficha.providers.sim import SimProvider
    from trafficha.services.audit import AuditReport, audit
    from trafficha.services.collector import Collector
    from trafficha.services.processor import Processor
    from trafficha.store.db import StoreDataError, StoreError, StoreUnavailableError
    from trafficha.store.dedup import ApplyResult, DedupStore
    from trafficha.store.queries import (
        AccidentStats,
        RoadSectionStatus,
        StoredAccident,
        TollgateSeries,
        TollgateSlot,
        accident_stats,
        latest_accidents,
        road_status,
        road_summary,
        tollgate_traffic,
    )
    from trafficha.streams.codec import UndecodableEntryError, decode_entry, encode_entry
    from trafficha.streams.consumer import RetryableError, StreamConsumer
    from trafficha.streams.deadletters import (
        DeadLetter,
        UnknownDeadLetterError,
        dead_letters,
        replay_dead_letters,
    )
    from trafficha.streams.keys import StreamKeys
    from trafficha.streams.producer import NotLeaderError, StreamProducer
    from trafficha.streams.quarantine import (
        QuarantineCount,
        QuarantinedRow,
        quarantine_counts,
        quarantined_rows,
    )
