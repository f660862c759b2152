"""The auto-mode circuit breaker, with a scripted upstream standing in for KEC's moods."""

from __future__ import annotations

from typing import TypeVar, cast

import pytest

from tests.support.records import T0, accident
from trafficha.datasets.registry import ACCIDENTS
from trafficha.datasets.spec import Dataset
from trafficha.errors import ProviderUnavailableError
from trafficha.models import Accident
from trafficha.providers.base import Provider, Source
from trafficha.providers.modes import AutoProvider

RecordT = TypeVar("RecordT")


class Scripted:
    """A provider whose incident fetch succeeds or fails as told."""

    def __init__(self, source: Source, records: list[Accident]) -> None:
        self._source: Source = source
        self.records = records
        self.failing = False
        self.calls = 0

    @property
    def source(self) -> Source:
        return self._source

    async def fetch(self, dataset: Dataset[RecordT]) -> list[RecordT]:
        if dataset is not ACCIDENTS:
            return []
        self.calls += 1
        if self.failing:
            raise ProviderUnavailableError("upstream down")
        return cast(list[RecordT], self.records)

    async def aclose(self) -> None:
        return None


def providers() -> tuple[Scripted, Scripted]:
    return Scripted("real", [accident(1)]), Scripted("sim", [accident(2, at=T0)])


async def test_real_failures_below_the_threshold_are_raised_then_sim_takes_over() -> None:
    real, sim = providers()
    switches: list[tuple[Source, str]] = []

    async def on_switch(to: Source, reason: str) -> None:
        switches.append((to, reason))

    auto = AutoProvider(real, sim, threshold=3, probe_interval=3600, on_switch=on_switch)
    assert isinstance(auto, Provider)
    assert await auto.fetch(ACCIDENTS) == real.records
    real.failing = True
    for _ in range(2):
        with pytest.raises(ProviderUnavailableError):
            await auto.fetch(ACCIDENTS)
        assert auto.source == "real"
    # The third consecutive failure switches, and that very fetch is answered by sim.
    assert await auto.fetch(ACCIDENTS) == sim.records
    assert auto.source == "sim"
    assert switches == [("sim", "3 consecutive failures, last: upstream down")]
    # While the probe interval has not passed, real is not even asked.
    calls = real.calls
    assert await auto.fetch(ACCIDENTS) == sim.records
    assert real.calls == calls


async def test_a_successful_probe_returns_to_real() -> None:
    real, sim = providers()
    auto = AutoProvider(real, sim, threshold=1, probe_interval=0)
    real.failing = True
    assert await auto.fetch(ACCIDENTS) == sim.records
    # Probe due at once (interval 0): still failing, so sim answers and the source stays sim.
    assert await auto.fetch(ACCIDENTS) == sim.records
    assert auto.source == "sim"
    real.failing = False
    assert await auto.fetch(ACCIDENTS) == real.records
    assert (auto.source, auto.switches, auto.failures) == ("real", 2, 0)


async def test_a_success_resets_the_failure_count() -> None:
    real, sim = providers()
    auto = AutoProvider(real, sim, threshold=2, probe_interval=3600)
    for _ in range(3):
        real.failing = True
        with pytest.raises(ProviderUnavailableError):
            await auto.fetch(ACCIDENTS)
        real.failing = False
        assert await auto.fetch(ACCIDENTS) == real.records
    assert auto.source == "real"
