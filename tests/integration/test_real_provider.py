"""The real KEC adapter end to end against the simulator speaking KEC's wire format."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as aioredis

from tests.support.simulator import KEY, clear_faults, requests_served, set_fault, simulator_process
from trafficha.config import load_settings
from trafficha.datasets.registry import (
    ACCIDENTS,
    DATASETS,
    ROAD_STATUS,
    TOLLGATE_LIST,
    TOLLGATE_TRAFFIC,
)
from trafficha.errors import ProviderAuthError, ProviderPayloadError, ProviderUnavailableError
from trafficha.providers.base import Provider, Source
from trafficha.providers.factory import build_provider
from trafficha.providers.modes import SourceStatus
from trafficha.providers.real import Endpoint, RealProvider, endpoint_urls
from trafficha.secrets import Secret
from trafficha.streams import StreamKeys
from trafficha.topology.processes import free_port

pytestmark = pytest.mark.integration

ENDPOINTS: tuple[str, ...] = tuple(d.endpoint for d in DATASETS)


def active(provider: Provider) -> Source:
    """The provider's source now (a call, so the type checker does not pin an earlier read)."""
    return provider.source


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with simulator_process(tmp_path_factory.mktemp("simulator")) as base:
        yield base


@pytest.fixture(autouse=True)
def no_faults(simulator: str) -> Iterator[None]:
    clear_faults(simulator)
    yield
    clear_faults(simulator)


def provider(
    bases: list[str], *, key: str = KEY, page_rows: int = 50, timeout: float = 5, attempts: int = 3
) -> RealProvider:
    return RealProvider(
        {
            ds: Endpoint(endpoint_urls(bases, ds), Secret(key), page_rows=page_rows)
            for ds in ENDPOINTS
        },
        timeout=timeout,
        attempts=attempts,
        backoff=0.01,
    )


@pytest.fixture
async def real(simulator: str) -> AsyncIterator[RealProvider]:
    p = provider([simulator])
    yield p
    await p.aclose()


async def test_every_dataset_pages_through_to_complete_unique_records(real: RealProvider) -> None:
    accidents = await real.fetch(ACCIDENTS)
    tollgate = await real.fetch(TOLLGATE_TRAFFIC)
    road = await real.fetch(ROAD_STATUS)
    tollgates = await real.fetch(TOLLGATE_LIST)
    assert accidents
    assert tollgate
    assert road
    assert tollgates
    # 50 rows a page forces several pages (the tollgate feed's last hour is over 200 of them,
    # within the provider's bound of 500); each record arrives exactly once.
    assert len(tollgates) > 50
    assert len({t.unit_code for t in tollgates}) == len(tollgates)
    assert len({a.incident_key for a in accidents}) == len(accidents)
    assert len({(r.vds_id, r.std_at) for r in road}) == len(road)
    keys = {(t.unit_code, t.slot_at, t.inout_type, t.tcs_type, t.car_type) for t in tollgate}
    assert len(keys) == len(tollgate)
    assert real.source == "real"


async def test_a_rejected_key_is_an_auth_error_and_is_not_retried(simulator: str) -> None:
    bad = provider([simulator], key="0000000000")
    before = requests_served(simulator, "accidents")
    try:
        with pytest.raises(ProviderAuthError):
            await bad.fetch(ACCIDENTS)
    finally:
        await bad.aclose()
    assert requests_served(simulator, "accidents") == before + 1


@pytest.mark.parametrize(
    ("fault", "error", "match"),
    [
        ({"bad_key": True}, ProviderAuthError, "rejected the API key"),
        ({"blocked": True}, ProviderPayloadError, "HTML page"),
        ({"malformed": True}, ProviderPayloadError, "not a KEC JSON object"),
        ({"outage": "503"}, ProviderUnavailableError, "HTTP 503"),
        ({"outage": "refuse"}, ProviderUnavailableError, "Server disconnected"),
    ],
)
async def test_each_fault_gives_its_typed_error_without_the_key(
    simulator: str,
    real: RealProvider,
    caplog: pytest.LogCaptureFixture,
    fault: dict[str, object],
    error: type[Exception],
    match: str,
) -> None:
    set_fault(simulator, "road", **fault)
    with caplog.at_level(logging.DEBUG), pytest.raises(error, match=match) as info:
        await real.fetch(ROAD_STATUS)
    assert KEY not in str(info.value)
    assert KEY not in caplog.text


async def test_5xx_is_retried_a_bounded_number_of_times(simulator: str) -> None:
    set_fault(simulator, "tollgate", outage="503")
    p = provider([simulator], attempts=3)
    before = requests_served(simulator, "tollgate")
    try:
        with pytest.raises(ProviderUnavailableError):
            await p.fetch(TOLLGATE_TRAFFIC)
    finally:
        await p.aclose()
    assert requests_served(simulator, "tollgate") == before + 3


async def test_a_slow_upstream_times_out(simulator: str) -> None:
    set_fault(simulator, "accidents", latency_ms=1500)
    p = provider([simulator], timeout=0.3, attempts=1)
    started = time.monotonic()
    try:
        with pytest.raises(ProviderUnavailableError, match="TimeoutError"):
            await p.fetch(ACCIDENTS)
    finally:
        await p.aclose()
    assert time.monotonic() - started < 1.5


async def test_a_dead_first_base_fails_over_to_the_next(simulator: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    p = provider([dead, simulator], attempts=1)
    try:
        assert await p.fetch(TOLLGATE_LIST)
    finally:
        await p.aclose()


async def test_auto_mode_falls_back_to_sim_and_returns_and_the_mode_switches_at_runtime(
    simulator: str, redis_client: aioredis.Redis, namespace: str
) -> None:
    settings = load_settings(
        {
            "DATA_SOURCE_MODE": "auto",
            "REAL_OPENAPI_URL": endpoint_urls([simulator], "accidents")[0],
            "REAL_OPENAPI_KEY": KEY,
            "AUTO_FAILURE_THRESHOLD": "2",
            "AUTO_PROBE_INTERVAL": "1ms",
        }
    )
    keys = StreamKeys(stream=f"{namespace}:stream")
    status = SourceStatus(redis_client, keys)
    switch = await build_provider(settings, redis_client, keys)
    try:
        assert await switch.fetch(ACCIDENTS)
        assert active(switch) == "real"
        set_fault(simulator, "accidents", outage="503")
        with pytest.raises(ProviderUnavailableError):
            await switch.fetch(ACCIDENTS)
        sim_records = await switch.fetch(ACCIDENTS)  # the second failure: sim answers
        assert sim_records
        assert active(switch) == "sim"
        state = await status.read()
        assert state is not None
        assert (state.mode, state.active) == ("auto", "sim")
        assert "2 consecutive failures" in state.reason
        clear_faults(simulator)
        await switch.fetch(ACCIDENTS)  # the probe succeeds: back to real
        assert active(switch) == "real"
        state = await status.read()
        assert state is not None
        assert state.active == "real"
        # `trafficha mode sim` at runtime: the next fetch comes from sim, no restart.
        await status.set_override("sim")
        await switch.fetch(ACCIDENTS)
        assert active(switch) == "sim"
        state = await status.read()
        assert state is not None
        assert (state.mode, state.active) == ("sim", "sim")
        await status.set_override(None)
        await switch.fetch(ACCIDENTS)
        assert (switch.mode, active(switch)) == ("auto", "real")
    finally:
        await switch.aclose()
