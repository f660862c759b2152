"""The stream entry: one collected batch of one kind, as the collector publishes it."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal, get_args

import msgspec

from trafficha.models.domain import Accident, RoadStatus, RouteSummary, Tollgate, TollgateTraffic

SCHEMA_VERSION: Final = 1

Kind = Literal["accidents", "tollgate", "road", "tollgates"]
Source = Literal["real", "sim"]
_KINDS: Final[dict[object, Kind]] = {kind: kind for kind in get_args(Kind)}


class _Batch(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    """Envelope fields every batch carries (the schema version travels beside it, in the entry)."""

    producer: str
    epoch: int
    source: Source
    fetched_at: datetime
    batch_id: str

    @property
    def kind(self) -> Kind:
        """The dataset of the batch (the msgspec tag, which is not a field)."""
        return _KINDS[self.__struct_config__.tag]


class AccidentBatch(_Batch, frozen=True, kw_only=True, tag="accidents"):
    """The incidents active at ``fetched_at``."""

    records: tuple[Accident, ...]


class TollgateBatch(_Batch, frozen=True, kw_only=True, tag="tollgate"):
    """Tollgate volumes of the latest published 15-minute slot."""

    records: tuple[TollgateTraffic, ...]


class RoadBatch(_Batch, frozen=True, kw_only=True, tag="road"):
    """One VDS snapshot and the per-route summaries computed from it."""

    records: tuple[RoadStatus, ...]
    summaries: tuple[RouteSummary, ...]


class TollgateListBatch(_Batch, frozen=True, kw_only=True, tag="tollgates"):
    """The tollgates (영업소) with their locations: reference data, polled rarely."""

    records: tuple[Tollgate, ...]


StreamEntry = AccidentBatch | TollgateBatch | RoadBatch | TollgateListBatch
