"""Source modes: ``real``, ``sim`` and ``auto`` (real with a circuit breaker falling back to
sim), switchable at runtime through Redis without a restart.

The state an operator and the dashboard see — configured mode, active source, switch count,
last reason — is kept in one Redis hash, written on every change.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal, TypeVar, get_args

import msgspec
import redis.asyncio as aioredis

from trafficha.datasets.spec import Dataset
from trafficha.errors import ProviderError
from trafficha.events import SourceEvent, publish_event
from trafficha.kst import now_kst
from trafficha.providers.base import Provider, Source
from trafficha.streams.keys import StreamKeys

log = logging.getLogger(__name__)

Mode = Literal["real", "sim", "auto"]
MODES: tuple[Mode, ...] = get_args(Mode)
RecordT = TypeVar("RecordT")


class SourceState(msgspec.Struct, frozen=True, kw_only=True):
    """What the collector's source is doing, as stored in Redis for status views."""

    mode: Mode
    active: Source
    switches: int
    changed_at: datetime
    reason: str


class SourceStatus:
    """Reads and writes :class:`SourceState` and the runtime mode override in Redis."""

    def __init__(self, redis: aioredis.Redis, keys: StreamKeys) -> None:
        self.redis = redis
        self.keys = keys

    async def override(self) -> Mode | None:
        """The mode set at runtime (``trafficha mode``), if any."""
        raw = await self.redis.get(self.keys.mode)
        value = raw.decode() if isinstance(raw, bytes) else raw
        return value if value in MODES else None

    async def set_override(self, mode: Mode | None) -> None:
        if mode is None:
            await self.redis.delete(self.keys.mode)
        else:
            await self.redis.set(self.keys.mode, mode)

    async def read(self) -> SourceState | None:
        raw: Any = await self.redis.get(self.keys.source)
        return None if raw is None else msgspec.json.decode(raw, type=SourceState)

    async def write(self, state: SourceState) -> None:
        await self.redis.set(self.keys.source, msgspec.json.encode(state))
        event = SourceEvent(mode=state.mode, active=state.active, reason=state.reason)
        await publish_event(self.redis, self.keys, event)


class _Delegating(ABC):
    """A provider that answers each fetch from one of the providers it holds."""

    @abstractmethod
    async def _fetch(
        self, pick: Callable[[Provider], Awaitable[list[RecordT]]]
    ) -> list[RecordT]: ...

    async def fetch(self, dataset: Dataset[RecordT]) -> list[RecordT]:
        return await self._fetch(lambda p: p.fetch(dataset))


class AutoProvider(_Delegating):
    """Real while it is healthy; sim after ``threshold`` consecutive real failures; back to real
    when a probe (every ``probe_interval`` seconds while on sim) succeeds.

    Before the threshold a real failure is raised, so the collection is recorded as failed; from
    the threshold on, the same fetch is answered by sim, so collection never stops.
    """

    def __init__(
        self,
        real: Provider,
        sim: Provider,
        *,
        threshold: int = 3,
        probe_interval: float = 60.0,
        on_switch: Callable[[Source, str], Awaitable[None]] | None = None,
    ) -> None:
        self.real = real
        self.sim = sim
        self.threshold = threshold
        self.probe_interval = probe_interval
        self._on_switch = on_switch
        self.active: Source = "real"
        self.failures = 0
        self.switches = 0
        self._next_probe = 0.0

    @property
    def source(self) -> Source:
        return self.active

    async def _switch(self, to: Source, reason: str) -> None:
        self.active = to
        self.switches += 1
        log.warning("auto source: switched to %s (%s)", to, reason)
        if self._on_switch is not None:
            await self._on_switch(to, reason)

    async def _fetch(self, pick: Callable[[Provider], Awaitable[list[RecordT]]]) -> list[RecordT]:
        if self.active == "sim":
            if time.monotonic() < self._next_probe:
                return await pick(self.sim)
            try:
                records = await pick(self.real)
            except ProviderError as exc:
                self._next_probe = time.monotonic() + self.probe_interval
                log.info("auto source: real still failing (%s); staying on sim", exc)
                return await pick(self.sim)
            self.failures = 0
            await self._switch("real", "real source answered a probe")
            return records
        try:
            records = await pick(self.real)
        except ProviderError as exc:
            self.failures += 1
            if self.failures < self.threshold:
                raise
            self._next_probe = time.monotonic() + self.probe_interval
            await self._switch("sim", f"{self.failures} consecutive failures, last: {exc}")
            return await pick(self.sim)
        self.failures = 0
        return records

    async def aclose(self) -> None:
        await self.real.aclose()
        await self.sim.aclose()


class ModeSwitch(_Delegating):
    """The collector's provider: delegates to real, sim or auto by the current mode.

    The mode is the runtime override in Redis when one is set, else the configured one; it is
    read before every fetch (one GET), so ``trafficha mode sim`` takes effect at the next poll.
    """

    def __init__(
        self, providers: dict[Mode, Provider], configured: Mode, status: SourceStatus
    ) -> None:
        self.providers = providers
        self.configured = configured
        self.status = status
        self.mode: Mode = configured
        self._current: Provider = providers[configured]
        self._switches = 0

    @property
    def source(self) -> Source:
        return self._current.source

    async def _refresh(self) -> None:
        mode = await self.status.override() or self.configured
        if mode != self.mode:
            log.warning("source mode: %s -> %s", self.mode, mode)
            self.mode, self._current = mode, self.providers[mode]
            await self.record(f"mode set to {mode}")

    async def record(self, reason: str) -> None:
        """Write the current state (on start, on a mode change, on an auto switch)."""
        self._switches += 1
        await self.status.write(
            SourceState(
                mode=self.mode,
                active=self.source,
                switches=self._switches,
                changed_at=now_kst(),
                reason=reason,
            )
        )

    async def _fetch(self, pick: Callable[[Provider], Awaitable[list[RecordT]]]) -> list[RecordT]:
        await self._refresh()
        return await pick(self._current)

    async def aclose(self) -> None:
        # auto holds the same real and sim instances: close each distinct provider once.
        closed: set[int] = set()
        for provider in self.providers.values():
            inner = (
                [provider.real, provider.sim] if isinstance(provider, AutoProvider) else [provider]
            )
            for p in inner:
                if id(p) not in closed:
                    closed.add(id(p))
                    await p.aclose()
