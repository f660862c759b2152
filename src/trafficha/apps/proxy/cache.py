"""The proxy's cache: a shared MariaDB table per dataset, refreshed from the upstream by one
caller at a time across every proxy process (see the package docstring)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlencode

import aiohttp
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from trafficha.apps.proxy.metrics import Metrics
from trafficha.apps.proxy.outcomes import (
    CachedCopy,
    Outcome,
    Served,
    Unavailable,
    UpstreamError,
    fallback,
    header_safe,
)
from trafficha.apps.proxy.query import Query
from trafficha.config import Settings
from trafficha.connections import redis_client
from trafficha.datasets.registry import DATASETS
from trafficha.datasets.spec import Dataset
from trafficha.errors import ConfigError, ProviderAuthError, ProviderError
from trafficha.kst import now_kst
from trafficha.secrets import Secret, redact_url
from trafficha.services.health import Readiness, all_answer, redis_answers, run_checks
from trafficha.store.db import StoreError, connection, from_db_time, to_db_time
from trafficha.store.dedup import DedupStore

log = logging.getLogger(__name__)

UPSTREAM_TIMEOUT: Final = 10.0
"""Seconds one upstream call may take, connection included."""

# A lock outlives the slowest winner (its upstream call plus the upsert), so it never expires
# under a live winner and lets a second process call the upstream; a dead winner's lock still
# goes away on its own.
LOCK_MARGIN: Final = 5.0
# Losers poll the row and the lock; the first polls are quick because a hit on a warm upstream
# takes milliseconds, later ones back off so a slow upstream does not cost many queries.
# How long, at most, a failed upstream call is remembered (never longer than the dataset's TTL).
FAILURE_MEMO: Final = 5.0
POLL_FIRST: Final = 0.01
POLL_MAX: Final = 0.1
MAX_BODY_BYTES: Final = 64 * 1024 * 1024
# The upsert sends the body as a hex literal (twice its size) plus a little SQL, all of which must
# fit the server's max_allowed_packet.
PACKET_OVERHEAD: Final = 64 * 1024

BROWSER_HEADERS: Final = {
    # KEC's portal sometimes answers non-browser clients with an HTML "Request Blocked" page.
    "User-Agent": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36"
    ),
    "Referer": "https://data.ex.co.kr/",
    "Accept": "application/json, text/plain, */*",
}


@dataclass(frozen=True, slots=True)
class Upstream:
    """Where a dataset is fetched from, with which key, and how long a copy stays fresh."""

    spec: Dataset[Any]
    url: str
    key: Secret
    ttl: timedelta


_RELEASE_SCRIPT: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class ProxyCache:
    """The proxy's state: store, Redis and HTTP session (opened on the app kit's resources)."""

    def __init__(self, settings: Settings, *, upstream_timeout: float = UPSTREAM_TIMEOUT) -> None:
        self.settings = settings
        self.upstreams = _upstreams(settings)
        self.metrics = Metrics()
        self._timeout = upstream_timeout
        self._lock_ttl = upstream_timeout + LOCK_MARGIN
        # Locks are per database: two stacks sharing a Redis keep separate caches.
        self._lock_prefix = f"trafficha:proxy:{settings.db_name}:lock:"
        self._failed_prefix = f"trafficha:proxy:{settings.db_name}:failed:"
        self._inflight: dict[str, asyncio.Task[Outcome]] = {}
        self._body_limit = MAX_BODY_BYTES
        self._store: DedupStore | None = None
        self._redis: aioredis.Redis | None = None
        self._session: aiohttp.ClientSession | None = None

    # Resources ----------------------------------------------------------------------------

    @property
    def store(self) -> DedupStore:
        assert self._store is not None, "the proxy is not open"
        return self._store

    @property
    def redis(self) -> aioredis.Redis:
        assert self._redis is not None, "the proxy is not open"
        return self._redis

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "the proxy is not open"
        return self._session

    async def open(self, resources: AsyncExitStack) -> None:
        """Connect the store (and migrate it), Redis and the upstream HTTP session, each closed
        by ``resources`` in reverse order, in-flight refreshes stopped before any of them."""
        self._store = await DedupStore.from_settings(self.settings)
        resources.push_async_callback(self._store.close)
        # Safe alongside other processes migrating at once (a named lock serializes them).
        await self._store.migrate()
        self._body_limit = await self._cacheable_bytes()
        self._redis = redis_client(self.settings)
        resources.push_async_callback(self._redis.aclose)
        self._session = aiohttp.ClientSession(
            headers=BROWSER_HEADERS,
            timeout=aiohttp.ClientTimeout(total=self._timeout),
        )
        resources.push_async_callback(self._session.close)
        # Registered last so it runs first: a refresh must not outlive the connections it uses.
        resources.push_async_callback(self._stop_refreshes)

    async def _cacheable_bytes(self) -> int:
        """The largest body one upsert can carry on this server."""
        async with (
            connection(self.store.pool, "reading max_allowed_packet") as conn,
            conn.cursor() as cur,
        ):
            await cur.execute("SELECT @@max_allowed_packet")
            (packet,) = await cur.fetchone()
        return max(0, min(MAX_BODY_BYTES, (int(packet) - PACKET_OVERHEAD) // 2))

    async def _stop_refreshes(self) -> None:
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._inflight.clear()

    async def ready(self) -> Readiness:
        """Ready while MariaDB and Redis both answer: ``{"db": true, "redis": true}``."""
        checks = {"db": self.store.ping, "redis": lambda: redis_answers(self.redis)}
        return all_answer(await run_checks(checks))

    # Serving ------------------------------------------------------------------------------

    async def get(self, upstream: Upstream, query: Query) -> Outcome:
        """The payload for a query: cached, shared, freshly fetched, stale, or unavailable.

        Raises:
            StoreError: the cache table could not be read.
        """
        dataset = upstream.spec.endpoint
        copy = await self._read(upstream, query)
        if copy is not None and copy.fresh:
            self.metrics.inc("hits", dataset)
            return Served(copy.body, copy.fetched_at, "hit")
        outcome = await self._coalesced(upstream, query)
        if isinstance(outcome, Unavailable):
            self.metrics.inc("unavailable", dataset)
        elif outcome.cache in ("shared", "stale"):
            self.metrics.inc(outcome.cache, dataset)
        return outcome

    async def _coalesced(self, upstream: Upstream, query: Query) -> Outcome:
        """Join this process's refresh of the key, or start it; one per key at a time.

        The refresh runs as its own task, so a caller that goes away does not cancel it for
        the callers still waiting.
        """
        key = query.cache_key
        task = self._inflight.get(key)
        leader = task is None
        if task is None:
            task = asyncio.create_task(self._refresh(upstream, query), name=f"refresh {key}")
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        outcome = await asyncio.shield(task)
        if not leader and isinstance(outcome, Served) and outcome.cache == "miss":
            return Served(outcome.body, outcome.fetched_at, "shared")
        return outcome

    def _forget(self, key: str, task: asyncio.Task[Outcome]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            # Retrieved here so an error nobody awaited any more is not reported as lost.
            task.exception()

    async def _refresh(self, upstream: Upstream, query: Query) -> Outcome:
        """Cross-process single flight: the lock winner fetches, the others wait for it.

        Called once the copy is known not to be fresh.
        """
        loop = asyncio.get_running_loop()
        lock = self._lock_prefix + query.cache_key
        failed = self._failed_prefix + query.cache_key
        # A waiter gives up a little after a live winner's lock would have expired.
        deadline = loop.time() + self._lock_ttl + 1.0
        copy: CachedCopy | None = None
        while True:
            reason = await self._recent_failure(failed)
            if reason is not None:
                if copy is None:
                    copy = await self._read(upstream, query)
                return fallback(copy, reason)
            token = secrets.token_hex(16)
            if await self._acquire(lock, token):
                try:
                    # Another winner may have stored a fresh copy, or failed, since we looked.
                    copy = await self._read(upstream, query)
                    if copy is not None and copy.fresh:
                        return Served(copy.body, copy.fetched_at, "shared")
                    reason = await self._recent_failure(failed)
                    if reason is not None:
                        return fallback(copy, reason)
                    return await self._fetch_and_store(upstream, query, copy, failed)
                finally:
                    await self._release(lock, token)
            outcome = await self._wait_for_winner(upstream, query, lock, failed, deadline)
            if isinstance(outcome, Served | Unavailable):
                return outcome
            copy = outcome
            if loop.time() >= deadline:
                return fallback(copy, "timed out waiting for another proxy's upstream call")

    async def _wait_for_winner(
        self, upstream: Upstream, query: Query, lock: str, failed: str, deadline: float
    ) -> Outcome | CachedCopy | None:
        """Poll the row and the lock until the row is fresh or the lock is gone.

        Returns the outcome when the winner's flight decided it (a fresh copy, or its failure),
        else the last copy seen (or None): the caller then competes for the lock again, as
        when the winner died without a word, or Redis failed.
        """
        loop = asyncio.get_running_loop()
        copy: CachedCopy | None = None
        try:
            holder = _raw(await self.redis.get(lock))
        except (RedisError, OSError) as exc:
            log.warning("redis unavailable while waiting for %s: %s", query.cache_key, exc)
            return None
        delay = POLL_FIRST
        while holder is not None and loop.time() < deadline:
            # The row before the lock: a winner stores, then releases.
            copy = await self._read(upstream, query)
            if copy is not None and copy.fresh:
                return Served(copy.body, copy.fetched_at, "shared")
            try:
                current = _raw(await self.redis.get(lock))
            except (RedisError, OSError) as exc:
                log.warning("redis unavailable while waiting for %s: %s", query.cache_key, exc)
                return copy
            if current != holder:
                reason = await self._recent_failure(failed)
                return copy if reason is None else fallback(copy, reason)
            await asyncio.sleep(delay)  # polling, bounded by the deadline: see the module doc
            delay = min(delay * 2, POLL_MAX)
        return copy

    async def _acquire(self, lock: str, token: str) -> bool:
        try:
            return bool(await self.redis.set(lock, token, nx=True, px=int(self._lock_ttl * 1000)))
        except (RedisError, OSError) as exc:
            # Without Redis, the process-local single flight still holds: one call per process.
            log.warning("redis unavailable, fetching without the shared lock: %s", exc)
            return True

    async def _release(self, lock: str, token: str) -> None:
        try:
            await self.redis.eval(_RELEASE_SCRIPT, 1, lock, token)
        except (RedisError, OSError) as exc:
            log.warning("could not release %s (it expires on its own): %s", lock, exc)

    async def _recent_failure(self, failed: str) -> str | None:
        """The reason the last upstream call of this key failed, if that was recent."""
        try:
            reason = _raw(await self.redis.get(failed))
        except (RedisError, OSError):
            return None
        return None if reason is None else reason.decode(errors="replace")

    async def _remember_failure(self, failed: str, reason: str, ttl: timedelta) -> None:
        """Remember a failed call for min(TTL, FAILURE_MEMO), on every proxy.

        Meanwhile callers get the stale copy (or a 502) at once, instead of each burst calling
        a failing upstream again and waiting out its timeout.
        """
        memo = min(ttl.total_seconds(), FAILURE_MEMO)
        try:
            await self.redis.set(failed, reason, px=max(1, int(memo * 1000)))
        except (RedisError, OSError) as exc:
            log.warning("could not record the failure of %s: %s", failed, exc)

    async def _fetch_and_store(
        self, upstream: Upstream, query: Query, copy: CachedCopy | None, failed: str
    ) -> Outcome:
        try:
            body = await self._fetch(upstream, query)
        except UpstreamError as exc:
            await self._remember_failure(failed, exc.reason, upstream.ttl)
            return fallback(copy, exc.reason)
        try:
            fetched_at = await self._write(upstream, query, body)
        except StoreError as exc:
            # The caller still gets the payload; the waiters get the stale copy or a 502.
            log.warning("could not cache %s: %s", query.cache_key, exc)
            await self._remember_failure(
                failed, "the proxy could not store the fetched copy", upstream.ttl
            )
            return Served(body, now_kst(), "miss")
        return Served(body, fetched_at, "miss")

    async def _fetch(self, upstream: Upstream, query: Query) -> bytes:
        """One upstream call; the body only if the dataset's parser accepts it.

        Raises:
            UpstreamError: network failure, timeout, a status other than 200, or a payload
                the parser rejects (bad key, HTML block page, malformed JSON).
        """
        dataset = upstream.spec.endpoint
        self.metrics.inc("misses", dataset)
        params = [*query.params, ("key", upstream.key.reveal())]
        shown = redact_url(f"{upstream.url}?{urlencode(params)}")
        try:
            body = await self._get(upstream.url, params)
            upstream.spec.parse(body)
        except UpstreamError as exc:
            self.metrics.inc("errors", dataset)
            log.warning("upstream %s failed: %s", shown, exc.reason)
            raise
        except ProviderError as exc:
            self.metrics.inc("errors", dataset)
            log.warning("upstream %s sent an unusable payload: %s", shown, exc)
            reason = (
                "upstream rejected the API key"
                if isinstance(exc, ProviderAuthError)
                else header_safe(exc.args[0] if exc.args else "unusable payload")
            )
            raise UpstreamError(reason) from None
        log.info("upstream %s: %d bytes", shown, len(body))
        return body

    async def _get(self, url: str, params: Sequence[tuple[str, str]]) -> bytes:
        try:
            async with self.session.get(url, params=params) as response:
                if response.status != 200:
                    raise UpstreamError(f"upstream answered HTTP {response.status}")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.content.iter_chunked(1 << 16):
                    size += len(chunk)
                    if size > self._body_limit:
                        raise UpstreamError(
                            f"upstream payload larger than the {self._body_limit} bytes "
                            "the cache can hold"
                        )
                    chunks.append(chunk)
        except TimeoutError:
            raise UpstreamError(f"upstream timed out after {self._timeout:g} s") from None
        except aiohttp.ClientConnectorError as exc:
            # Host and port only: never the query, which carries the key.
            raise UpstreamError(f"cannot connect to upstream {exc.host}:{exc.port}") from None
        except aiohttp.ClientError as exc:
            raise UpstreamError(f"upstream connection failed ({type(exc).__name__})") from None
        return b"".join(chunks)

    async def _read(self, upstream: Upstream, query: Query) -> CachedCopy | None:
        table = upstream.spec.cache_table
        async with (
            connection(self.store.pool, f"reading {table}") as conn,
            conn.cursor() as cur,
        ):
            await cur.execute(
                f"SELECT body, fetched_at, expires_at > UTC_TIMESTAMP(3) FROM {table} "  # noqa: S608 - table names are constants
                "WHERE cache_key = %s",
                (query.cache_key,),
            )
            row = await cur.fetchone()
        if row is None:
            return None
        body, fetched_at, fresh = row
        return CachedCopy(bytes(body), from_db_time(fetched_at), bool(fresh))

    async def _write(self, upstream: Upstream, query: Query, body: bytes) -> datetime:
        """Upsert the payload; fetched and expiry times come from the database clock."""
        table = upstream.spec.cache_table
        async with (
            connection(self.store.pool, f"writing {table}") as conn,
            conn.cursor() as cur,
        ):
            await cur.execute("SELECT UTC_TIMESTAMP(3)")
            (now,) = await cur.fetchone()
            fetched_at = to_db_time(from_db_time(now))
            # The body goes in as a hex literal: aiomysql cannot escape bytes parameters with
            # PyMySQL 1.2, and hex digits cannot disturb the driver's %-formatting.
            await cur.execute(
                f"INSERT INTO {table} (cache_key, body, fetched_at, expires_at) "  # noqa: S608 - table names are constants, the body is hex digits
                f"VALUES (%s, X'{body.hex()}', %s, %s) ON DUPLICATE KEY UPDATE body = VALUE(body), "
                "fetched_at = VALUE(fetched_at), expires_at = VALUE(expires_at)",
                (query.cache_key, fetched_at, fetched_at + upstream.ttl),
            )
            await conn.commit()
        return from_db_time(fetched_at)


def _raw(value: bytes | str | None) -> bytes | None:
    """A Redis reply as bytes (the client is not set to decode, but its types allow str)."""
    return value.encode() if isinstance(value, str) else value


def _upstreams(settings: Settings) -> dict[str, Upstream]:
    """Each dataset's URL, key and TTL from the settings, by endpoint name.

    Raises:
        ConfigError: no key is configured (the proxy never forwards a caller's key).
    """
    if settings.real_openapi_key is None:
        raise ConfigError("REAL_OPENAPI_KEY: the proxy needs a KEC key to call the upstream")
    return {
        d.endpoint: Upstream(
            d, d.url(settings), d.key(settings) or settings.real_openapi_key, d.proxy_ttl(settings)
        )
        for d in DATASETS
    }
