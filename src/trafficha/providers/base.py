"""The provider interface: where the collector gets its datasets from.

A provider is either the real KEC OpenAPI (``source == "real"``) or our simulator
(``source == "sim"``), or anything else that returns domain records for a dataset of the
registry (:mod:`trafficha.datasets`). Every fetch returns normalized domain records, already
parsed: the collector never sees wire rows.
"""

from __future__ import annotations

from typing import Protocol, TypeVar, runtime_checkable

from trafficha.datasets.spec import Dataset
from trafficha.models.stream import Source

__all__ = ["Provider", "Source"]

RecordT = TypeVar("RecordT")


@runtime_checkable
class Provider(Protocol):
    """A source of the registry's datasets: incidents, tollgate volumes, VDS readings, …

    ``source`` is declared read-only, so an implementation may provide it as a plain attribute,
    a class attribute or a property, typed ``Literal["real"]``, ``Literal["sim"]`` or the union.

    ``fetch`` is generic over the dataset's record type: ``await provider.fetch(ACCIDENTS)`` is a
    ``list[Accident]``. A provider that has nothing for a dataset returns an empty list. A
    provider that parses KEC payloads returns a :class:`~trafficha.models.quarantine.Parsed`
    (a list), whose ``rejected`` rows the collector quarantines; an empty ``Parsed`` is KEC
    saying the feed is empty (for the incidents: everything cleared), where a plain empty list
    only says the provider has nothing. Fetches
    raise :class:`trafficha.errors.ProviderError` when the upstream is unusable.
    """

    @property
    def source(self) -> Source:
        """Where the records come from: ``"real"`` (KEC OpenAPI) or ``"sim"`` (simulator)."""
        ...

    async def fetch(self, dataset: Dataset[RecordT]) -> list[RecordT]:
        """The dataset's current records (for a paged feed, every page)."""
        ...

    async def aclose(self) -> None:
        """Release connections; the provider is not used afterwards."""
        ...
