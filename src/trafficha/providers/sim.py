"""The simulator as a provider: the deterministic world read at the clock's time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from trafficha.kst import now_kst
from trafficha.models.domain import Accident, RoadStatus, Tollgate, TollgateTraffic
from trafficha.reference.network import Network
from trafficha.sim.world import TrafficWorld

__all__ = ["SimProvider"]


class SimProvider:
    """A :class:`~trafficha.providers.base.Provider` backed by a
    :class:`~trafficha.sim.world.TrafficWorld`.

    Each fetch reads the world at ``clock()``; with a fixed clock every fetch returns the same
    records. Nothing is held open, so :meth:`aclose` does nothing.
    """

    def __init__(
        self,
        seed: int = 7,
        clock: Callable[[], datetime] = now_kst,
        *,
        network: Network | None = None,
    ) -> None:
        self.world = TrafficWorld(seed, network)
        self.clock = clock

    @property
    def source(self) -> Literal["sim"]:
        """Always ``"sim"``."""
        return "sim"

    @property
    def seed(self) -> int:
        """The world's seed."""
        return self.world.seed

    async def fetch_accidents(self) -> list[Accident]:
        """Incidents active at ``clock()``."""
        return self.world.incidents_at(self.clock())

    async def fetch_tollgate_traffic(self) -> list[TollgateTraffic]:
        """Volumes of the latest slot published at ``clock()``."""
        return self.world.tollgate_traffic_at(self.clock())

    async def fetch_road_status(self) -> list[RoadStatus]:
        """The VDS snapshot at ``clock()``."""
        return self.world.road_status_at(self.clock())

    async def fetch_tollgates(self) -> list[Tollgate]:
        """The world's tollgates."""
        return self.world.tollgates()

    async def aclose(self) -> None:
        """Nothing to release."""
