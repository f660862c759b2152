"""The collector's provider for a configuration: real, sim and auto behind one mode switch."""

from __future__ import annotations

import logging

import redis.asyncio as aioredis

from trafficha.config import Settings
from trafficha.providers.base import Provider, Source
from trafficha.providers.modes import AutoProvider, Mode, ModeSwitch, SourceStatus
from trafficha.providers.real import RealProvider
from trafficha.providers.sim import SimProvider
from trafficha.streams.keys import StreamKeys

log = logging.getLogger(__name__)


def real_configured(settings: Settings) -> bool:
    """Whether the real source can work at all: a key for KEC, or our proxies (which hold one)."""
    return bool(settings.real_openapi_key or settings.openapi_proxy_urls)


async def build_provider(settings: Settings, redis: aioredis.Redis, keys: StreamKeys) -> ModeSwitch:
    """Every mode's provider behind a :class:`ModeSwitch` starting in ``DATA_SOURCE_MODE``.

    ``auto`` without a key or a proxy runs on sim without probing: there is nothing to probe.
    """
    status = SourceStatus(redis, keys)
    real = RealProvider.from_settings(settings)
    sim = SimProvider(settings.simulator_seed)
    switch: ModeSwitch | None = None

    async def on_auto_switch(active: Source, reason: str) -> None:
        if switch is not None:
            await switch.record(f"auto: {reason}")

    auto: Provider
    if real_configured(settings):
        auto = AutoProvider(
            real,
            sim,
            threshold=settings.auto_failure_threshold,
            probe_interval=settings.auto_probe_interval.total_seconds(),
            on_switch=on_auto_switch,
        )
    else:
        log.warning("auto mode: no REAL_OPENAPI_KEY and no OPENAPI_PROXY_URL; collecting from sim")
        auto = sim
    providers: dict[Mode, Provider] = {"real": real, "sim": sim, "auto": auto}
    switch = ModeSwitch(providers, settings.data_source_mode, status)
    await switch.record(f"collector started in {settings.data_source_mode} mode")
    return switch
