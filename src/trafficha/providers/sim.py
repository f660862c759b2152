"""The simulator as a provider: the deterministic world read at the clock's time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal, TypeVar

from trafficha.datasets.spec import Dataset, SimRequest
from trafficha.kst import now_kst
from trafficha.reference.network import Network
from trafficha.sim.world import TrafficWorld

__all__ = ["SimProvider"]

RecordT = TypeVar("RecordT")


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
        self._cache: dict[str, object] = {}

    @property
    def source(self) -> Literal["sim"]:
        """Always ``"sim"``."""
        return "sim"

    @property
    def seed(self) -> int:
        """The world's seed."""
        return self.world.seed

    async def fetch(self, dataset: Dataset[RecordT]) -> list[RecordT]:
        """The dataset's records at ``clock()``, as the simulator would serve them unfiltered."""
        request = SimRequest(world=self.world, params={}, now=self.clock(), cache=self._cache)
        return list(dataset.sim_records(request))

    async def aclose(self) -> None:
        """Nothing to release."""
