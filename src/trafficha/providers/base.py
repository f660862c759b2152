"""The provider interface: where the collector gets its four datasets from.

A provider is either the real KEC OpenAPI (``source == "real"``) or our simulator
(``source == "sim"``). Every fetch returns normalized domain records, already parsed: the
collector never sees wire rows.
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

from trafficha.models.domain import Accident, RoadStatus, Tollgate, TollgateTraffic

__all__ = ["Provider", "Source"]

Source = Literal["real", "sim"]


@runtime_checkable
class Provider(Protocol):
    """A source of incidents, tollgate volumes, VDS readings and the tollgate list.

    ``source`` is declared read-only, so an implementation may provide it as a plain attribute,
    a class attribute or a property, typed ``Literal["real"]``, ``Literal["sim"]`` or the union.

    Fetches raise :class:`trafficha.errors.ProviderError` when the upstream is unusable.
    """

    @property
    def source(self) -> Source:
        """Where the records come from: ``"real"`` (KEC OpenAPI) or ``"sim"`` (simulator)."""
        ...

    async def fetch_accidents(self) -> list[Accident]:
        """Incidents currently active (사고, 고장, 작업, 정체, 장애물 …)."""
        ...

    async def fetch_tollgate_traffic(self) -> list[TollgateTraffic]:
        """Tollgate volumes of the latest published 15-minute slot."""
        ...

    async def fetch_road_status(self) -> list[RoadStatus]:
        """The current VDS snapshot, one row per detector."""
        ...

    async def fetch_tollgates(self) -> list[Tollgate]:
        """The tollgates (영업소) with their locations."""
        ...

    async def aclose(self) -> None:
        """Release connections; the provider is not used afterwards."""
        ...
