"""Typed msgspec models: upstream wire rows, domain records and the stream entry."""

from trafficha.models.domain import (
    Accident,
    RoadStatus,
    RouteSummary,
    Tollgate,
    TollgateTraffic,
    incident_key,
    summarize_routes,
)
from trafficha.models.stream import (
    SCHEMA_VERSION,
    AccidentBatch,
    RoadBatch,
    StreamEntry,
    TollgateBatch,
    TollgateListBatch,
)
from trafficha.models.upstream import LocationUnitRow, SmsRow, TrafficAmountRow, TrafficIcRow

__all__ = [
    "SCHEMA_VERSION",
    "Accident",
    "AccidentBatch",
    "LocationUnitRow",
    "RoadBatch",
    "RoadStatus",
    "RouteSummary",
    "SmsRow",
    "StreamEntry",
    "Tollgate",
    "TollgateBatch",
    "TollgateListBatch",
    "TollgateTraffic",
    "TrafficAmountRow",
    "TrafficIcRow",
    "incident_key",
    "summarize_routes",
]
