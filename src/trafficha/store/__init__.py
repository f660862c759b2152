"""The MariaDB store: versioned schema, exactly-once batch application, read queries."""

from trafficha.store.db import (
    SESSION_OPTIONS,
    StoreDataError,
    StoreError,
    StoreUnavailableError,
    classify_error,
    from_db_time,
    to_db_time,
)
from trafficha.store.dedup import ApplyResult, DedupStore, LedgerEntry
from trafficha.store.migrations import MIGRATIONS, Migration, applied_versions, migrate
from trafficha.store.queries import (
    AccidentStats,
    RoadSectionStatus,
    StoredAccident,
    TollgateSeries,
    TollgateSlot,
    accident_stats,
    latest_accidents,
    latest_notices,
    road_status,
    road_summary,
    tollgate_traffic,
)

__all__ = [
    "MIGRATIONS",
    "SESSION_OPTIONS",
    "AccidentStats",
    "ApplyResult",
    "DedupStore",
    "LedgerEntry",
    "Migration",
    "RoadSectionStatus",
    "StoreDataError",
    "StoreError",
    "StoreUnavailableError",
    "StoredAccident",
    "TollgateSeries",
    "TollgateSlot",
    "accident_stats",
    "applied_versions",
    "classify_error",
    "from_db_time",
    "latest_accidents",
    "latest_notices",
    "migrate",
    "road_status",
    "road_summary",
    "to_db_time",
    "tollgate_traffic",
]
