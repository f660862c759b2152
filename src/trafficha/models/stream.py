"""The stream entry: one collected batch of one kind, as the collector publishes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal, TypeAlias

import msgspec

from trafficha.models.domain import Accident, RoadStatus, RouteSummary, Tollgate, TollgateTraffic

SCHEMA_VERSION: Final = 1

Kind: TypeAlias = str
"""A dataset's name in the registry (:mod:`trafficha.datasets`), also its stream tag."""
Source = Literal["real", "sim"]


class StreamEntry(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    """Any stream entry's batch, and the envelope fields every batch carries (the schema version
    travels beside it, in the entry). Narrow it with ``isinstance`` (``AccidentBatch`` …).

    Each dataset's batch subclasses it with its dataset's kind as the msgspec tag and its
    records; the stream decodes the union of every registered dataset's batch.
    """

    producer: str
    epoch: int
    source: Source
    fetched_at: datetime
    batch_id: str
    records: tuple[Any, ...]

    @property
    def kind(self) -> Kind:
        """The dataset of the batch (the msgspec tag, which is not a field)."""
        return str(self.__struct_config__.tag)


class AccidentBatch(StreamEntry, frozen=True, kw_only=True, tag="accidents"):
    """The incidents active at ``fetched_at``."""

    records: tuple[Accident, ...]


class TollgateBatch(StreamEntry, frozen=True, kw_only=True, tag="tollgate"):
    """Tollgate volumes of the latest published 15-minute slot."""

    records: tuple[TollgateTraffic, ...]


class RoadBatch(StreamEntry, frozen=True, kw_only=True, tag="road"):
    """One VDS snapshot and the per-route summaries computed from it."""

    records: tuple[RoadStatus, ...]
    summaries: tuple[RouteSummary, ...]


class TollgateListBatch(StreamEntry, frozen=True, kw_only=True, tag="tollgates"):
    """The tollgates (영업소) with their locations: reference data, polled rarely."""

    records: tuple[Tollgate, ...]
