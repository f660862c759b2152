"""The collector lease: one leader at a time across both members, with a fencing epoch.

A lease is ``SET key token NX PX ttl`` with a random token; only the owner renews or releases it
(both compare the token atomically in Lua). Every acquisition INCRs an epoch, the fencing token
that travels with each published batch. The owner renews every ttl/3; a renewal that finds
another token, or no renewal succeeding before the lease would have expired, is a loss reported
at once. Publishing is separately fenced in Redis (see :mod:`trafficha.streams.producer`), so a
paused former leader cannot write even before it notices.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Final

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from trafficha.aio import sleep_unless
from trafficha.streams.keys import StreamKeys

log = logging.getLogger(__name__)

# KEYS: lease, epoch, holder. ARGV: token, ttl ms, holder name. Returns the new epoch or false.
_ACQUIRE: Final = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local epoch = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[3], 'holder', ARGV[3], 'epoch', epoch)
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
  return epoch
end
return false
"""
# KEYS: lease, holder. ARGV: token, ttl ms. Returns 1 when renewed, 0 when not ours.
_RENEW: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  return 1
end
return 0
"""
# KEYS: lease, holder. ARGV: token.
_RELEASE: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
"""

Callback = Callable[[int], Awaitable[None]]


class LeaderLease:
    """Competes for the lease, keeps it while alive, and reports gains and losses.

    Args:
        redis: the shared Redis.
        keys: key names (the lease, epoch and holder keys derive from the stream name).
        holder: a readable name of this instance (``member1/collector-…``), shown in status.
        ttl_ms: lease time-to-live; renewal runs every ``ttl_ms / 3``.
        on_acquired: awaited with the new epoch after each acquisition.
        on_lost: awaited with the lost epoch as soon as a loss is detected.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: StreamKeys,
        holder: str,
        *,
        ttl_ms: int = 3000,
        on_acquired: Callback | None = None,
        on_lost: Callback | None = None,
    ) -> None:
        self._redis = redis
        self.keys = keys
        self.holder = holder
        self.ttl_ms = ttl_ms
        self._on_acquired = on_acquired
        self._on_lost = on_lost
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self.token: str | None = None
        self.epoch: int | None = None
        self._valid_until = 0.0
        self._stopping = asyncio.Event()
        self.changed = asyncio.Event()

    @property
    def is_leader(self) -> bool:
        """Whether this instance holds the lease by its own clock (a conservative view)."""
        return self.token is not None and time.monotonic() < self._valid_until

    @property
    def interval_s(self) -> float:
        """Seconds between renewals (and acquisition attempts): a third of the TTL."""
        return self.ttl_ms / 3000

    async def try_acquire(self) -> bool:
        """One acquisition attempt; on success the epoch has risen."""
        token = secrets.token_hex(16)
        started = time.monotonic()
        epoch = await self._acquire(
            keys=[self.keys.lease, self.keys.epoch, self.keys.holder],
            args=[token, self.ttl_ms, self.holder],
        )
        if not epoch:
            return False
        self.token, self.epoch = token, int(epoch)
        # Measured from before the request: the lease cannot have been set earlier than that.
        self._valid_until = started + self.ttl_ms / 1000
        log.info("%s acquired the lease, epoch %d", self.holder, self.epoch)
        self.changed.set()
        if self._on_acquired:
            await self._on_acquired(self.epoch)
        return True

    async def renew(self) -> bool:
        """Extend the lease; a False return (or an expiry by our own clock) means it is lost."""
        if self.token is None:
            return False
        started = time.monotonic()
        try:
            renewed = await self._renew(
                keys=[self.keys.lease, self.keys.holder], args=[self.token, self.ttl_ms]
            )
        except RedisError as exc:
            if time.monotonic() >= self._valid_until:
                await self._lost(f"renewal failed until expiry: {exc}")
                return False
            log.warning("%s: lease renewal failed, retrying: %s", self.holder, exc)
            return True
        if not renewed:
            await self._lost("lease taken over or expired")
            return False
        self._valid_until = started + self.ttl_ms / 1000
        return True

    async def release(self) -> None:
        """Give the lease up (on clean shutdown), so a standby takes over without waiting."""
        if self.token is None:
            return
        token, epoch = self.token, self.epoch
        self.token = None
        try:
            await self._release(keys=[self.keys.lease, self.keys.holder], args=[token])
        except RedisError as exc:
            log.warning("%s: release failed (the lease will expire): %s", self.holder, exc)
        self.changed.set()
        if self._on_lost and epoch is not None:
            await self._on_lost(epoch)

    async def _lost(self, why: str) -> None:
        epoch = self.epoch
        self.token = None
        log.warning("%s lost the lease (epoch %s): %s", self.holder, epoch, why)
        self.changed.set()
        if self._on_lost and epoch is not None:
            await self._on_lost(epoch)

    def stop(self) -> None:
        """Ask :meth:`run` to release the lease and return."""
        self._stopping.set()

    async def run(self) -> None:
        """Acquire when free, renew while held, until :meth:`stop`; releases on the way out."""
        try:
            while not self._stopping.is_set():
                if self.token is None:
                    try:
                        await self.try_acquire()
                    except RedisError as exc:
                        log.warning("%s: lease attempt failed: %s", self.holder, exc)
                else:
                    await self.renew()
                    if self.token is not None and not self.is_leader:
                        await self._lost("lease expired by our clock before renewal")
                await sleep_unless(self._stopping, self._next_delay())
        finally:
            await self.release()

    def _next_delay(self) -> float:
        if self.token is None:
            # Standbys poll at the renewal interval with jitter, so two never retry in lockstep.
            return self.interval_s * (0.5 + secrets.randbelow(500) / 1000)
        # Wake early enough that one renewal round trip fits before the next third of the TTL.
        return max(0.0, min(self.interval_s, self._valid_until - time.monotonic() - 0.05))
