"""The openapi-proxy: KEC's four endpoints, served from a shared MariaDB cache.

Callers use the proxy exactly as they would use data.ex.co.kr — same paths, same query
parameters, same JSON bodies — and the proxy makes at most one upstream call per dataset, query
and TTL across every proxy process of both members:

- ``GET /openapi/burstInfo/realTimeSms`` (incidents, ``cache_accidents``, ``PROXY_ACCIDENTS_TTL``)
- ``GET /openapi/trafficapi/trafficIc`` (tollgate volumes, ``cache_tollgate``,
  ``PROXY_TOLLGATE_TTL``)
- ``GET /openapi/odtraffic/trafficAmountByRealtime`` (VDS flow, ``cache_road_status``,
  ``PROXY_ROAD_STATUS_TTL``)
- ``GET /openapi/locationinfo/locationinfoUnit`` (tollgate locations, ``cache_tollgate``,
  ``PROXY_TOLLGATE_TTL``)
- ``GET /healthz``, ``GET /readyz`` (MariaDB and Redis answer), ``GET /metrics`` (Prometheus)

Query parameters. Each endpoint knows the parameters KEC documents for it (``type``,
``numOfRows``, ``pageNo`` and the dataset's filters); their values are validated (a bad one is a
400 problem document naming the parameter) and normalized (``pageNo=01`` is ``pageNo=1``), and
they alone are forwarded and make the cache key. Any other parameter is ignored, as KEC ignores
parameters it does not know, so it can neither split the cache nor reach the upstream. The
caller's ``key`` is never forwarded: callers may pass any key (or none) and the proxy calls KEC
with its own configured key (``REAL_OPENAPI_KEY``, ``TOLLGATE_API_KEY``,
``ROAD_STATUS_API_KEY``). Only ``type=json`` is served (the default here, unlike KEC's xml),
because every answer is validated with the JSON parsers before it is cached.

Response headers: ``X-Cache`` (``hit``: a fresh copy; ``miss``: this request called the
upstream; ``shared``: another request's fresh upstream call, in this process or another one;
``stale``: the upstream failed and an expired copy is served), ``X-Upstream-Error`` (with
``stale`` and on a 502: a short reason, never the key), ``X-Fetched-At`` (when the payload came
from the upstream, ISO 8601 +09:00) and, on every response, ``X-Served-By: <member>/proxy``.

Single flight. A request that finds no fresh copy joins the process's in-flight refresh of that
cache key, if any; otherwise it starts one. A refresh takes a Redis lock (``SET NX PX`` with a
random token, released by compare-and-delete) named after the database and the cache key. The
winner reads the row again (a refresh may have just finished), calls the upstream, validates the
answer with :mod:`trafficha.providers.kec`, upserts it with ``expires_at = fetched_at + TTL``
and releases the lock. Losers poll the row and the lock with a short backoff until the row is
fresh (served as ``shared``) or the lock is gone. A winner that failed remembers its reason in
Redis for min(TTL, 5 s): its losers, and every caller in that window on any proxy, get the stale
copy (or a 502) at once instead of calling a failing upstream again and waiting out its timeout;
a winner that died without a word lets its losers compete for the lock again. Freshness
is judged by MariaDB's clock only (``UTC_TIMESTAMP``), so clock skew between members cannot make
one of them refresh early. An upstream failure — network, timeout, non-200, or a payload the
parsers reject (bad key, HTML block page, malformed JSON) — is never cached.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal
from urllib.parse import urlencode

import aiohttp
import msgspec
import redis.asyncio as aioredis
from litestar import Litestar, MediaType, Request, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.types import Message, Scope
from redis.exceptions import RedisError

from trafficha.apps.problems import bad_parameter, exception_handlers, problem
from trafficha.config import Settings
from trafficha.connections import redis_client
from trafficha.errors import ConfigError, ProviderAuthError, ProviderError
from trafficha.kst import now_kst
from trafficha.providers.kec import (
    parse_accidents,
    parse_road_status,
    parse_tollgate_traffic,
    parse_tollgates,
)
from trafficha.secrets import Secret, redact_url
from trafficha.store.dedup import DedupStore, StoreError, connection, from_db_time, to_db_time

__all__ = [
    "BROWSER_HEADERS",
    "DATASETS",
    "UPSTREAM_TIMEOUT",
    "DatasetSpec",
    "ProxyCache",
    "Query",
    "QueryError",
    "create_app",
    "normalize_query",
]

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

JSON_MEDIA: Final = "application/json;charset=UTF-8"
# Litestar appends "; charset=utf-8" to text media types itself.
METRICS_MEDIA: Final = "text/plain; version=0.0.4"

CacheState = Literal["hit", "shared", "miss", "stale"]
DatasetName = Literal["accidents", "tollgate", "road", "locations"]
CacheTable = Literal["cache_accidents", "cache_tollgate", "cache_road_status"]

# Query parameter names that carry a caller's key: dropped, never forwarded nor cached.
_KEY_PARAMS: Final = frozenset({"key", "servicekey", "apikey", "api_key"})


# --- query parameters -----------------------------------------------------------------------


class QueryError(ValueError):
    """A query parameter has a value the proxy does not accept."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Param:
    """A query parameter an endpoint forwards: how a value is checked and normalized."""

    name: str
    normalize: Callable[[str], str]


def _integer(low: int, high: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
            raise ValueError(f"must be an integer from {low} to {high}")
        return str(int(value))

    return check


def _pattern(
    regex: str, expected: str, *, fold: Callable[[str], str] = str
) -> Callable[[str], str]:
    compiled = re.compile(regex)

    def check(value: str) -> str:
        folded = fold(value)
        if not compiled.fullmatch(folded):
            raise ValueError(f"must be {expected}")
        return folded

    return check


def _json_only(value: str) -> str:
    if value.lower() != "json":
        raise ValueError("must be json (the proxy validates every payload as JSON)")
    return "json"


_COMMON: Final = (
    Param("type", _json_only),
    # KEC caps pages below these; the bounds only keep nonsense out of the cache key.
    Param("numOfRows", _integer(1, 10_000)),
    Param("pageNo", _integer(1, 100_000)),
)
_ROUTE_NO: Final = Param("routeNo", _pattern(r"[0-9]{1,4}", "a route number of 1 to 4 digits"))
_UNIT_CODE: Final = Param("unitCode", _pattern(r"[0-9A-Za-z]{1,6}", "a tollgate code"))


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    """One KEC endpoint the proxy serves: its path, cache table, parameters and validator."""

    name: DatasetName
    path: str
    table: CacheTable
    params: tuple[Param, ...]
    validate: Callable[[bytes], object]

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


DATASETS: Final[tuple[DatasetSpec, ...]] = (
    DatasetSpec(
        "accidents",
        "/openapi/burstInfo/realTimeSms",
        "cache_accidents",
        (
            *_COMMON,
            Param("sortType", _pattern(r"asc|desc", "asc or desc", fold=str.lower)),
            Param("pagingYn", _pattern(r"[YN]", "Y or N", fold=str.upper)),
            Param("accTypeCode", _pattern(r"[0-9]{1,3}", "a type code of 1 to 3 digits")),
        ),
        parse_accidents,
    ),
    DatasetSpec(
        "tollgate",
        "/openapi/trafficapi/trafficIc",
        "cache_tollgate",
        (
            *_COMMON,
            Param("tmType", _pattern(r"[1-3]", "1 (1 hour), 2 (15 minutes) or 3")),
            Param("inoutType", _pattern(r"[01]", "0 (entry) or 1 (exit)")),
            Param("tcsType", _pattern(r"[12]", "1 (TCS) or 2 (hi-pass)")),
            Param("carType", _pattern(r"[1-8]", "a vehicle class from 1 to 8")),
            Param("exDivCode", _pattern(r"[0-9]{2}", "a 2-digit operator code")),
            _UNIT_CODE,
        ),
        parse_tollgate_traffic,
    ),
    DatasetSpec(
        "road",
        "/openapi/odtraffic/trafficAmountByRealtime",
        "cache_road_status",
        (
            *_COMMON,
            _ROUTE_NO,
            Param("updownTypeCode", _pattern(r"[SE]", "S or E", fold=str.upper)),
        ),
        parse_road_status,
    ),
    DatasetSpec(
        "locations",
        "/openapi/locationinfo/locationinfoUnit",
        "cache_tollgate",
        (*_COMMON, _ROUTE_NO, _UNIT_CODE),
        parse_tollgates,
    ),
)


class Query(msgspec.Struct, frozen=True):
    """A normalized query: the parameters forwarded upstream, and the cache key they make."""

    params: tuple[tuple[str, str], ...]
    cache_key: str


def normalize_query(spec: DatasetSpec, items: Iterable[tuple[str, str]]) -> Query:
    """Keep the parameters ``spec`` forwards, checked and normalized, sorted by name.

    Empty values count as absent; key parameters and unknown ones are dropped; ``type``
    defaults to ``json``. The cache key is the dataset name and the sorted query.

    Raises:
        QueryError: a value is malformed, or a parameter is given twice.
    """
    values: dict[str, str] = {}
    for name, raw in items:
        if name.lower() in _KEY_PARAMS:
            continue
        param = spec.param(name)
        value = raw.strip()
        if param is None or not value:
            continue
        if name in values:
            raise QueryError(name, "given more than once")
        try:
            values[name] = param.normalize(value)
        except ValueError as exc:
            raise QueryError(name, str(exc)) from None
    values.setdefault("type", "json")
    params = tuple(sorted(values.items()))
    cache_key = f"{spec.name}?{urlencode(params)}"
    # The validators bound every value, so the key fits the 255-character column.
    assert len(cache_key) <= 255, cache_key
    return Query(params, cache_key)


# --- outcomes -------------------------------------------------------------------------------


class CachedCopy(msgspec.Struct, frozen=True):
    """A cache row; ``fresh`` is judged by the database clock."""

    body: bytes
    fetched_at: datetime
    fresh: bool


class Served(msgspec.Struct, frozen=True):
    """A payload to answer with, and how it was obtained."""

    body: bytes
    fetched_at: datetime
    cache: CacheState
    upstream_error: str | None = None


class Unavailable(msgspec.Struct, frozen=True):
    """The upstream failed and there is no copy at all: the answer is a 502."""

    reason: str


Outcome = Served | Unavailable


class UpstreamError(Exception):
    """An upstream call gave nothing cacheable; ``reason`` is short, ASCII and key-free."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _header_safe(text: str, limit: int = 160) -> str:
    """A header value: key-free, printable ASCII, one line, bounded."""
    text = redact_url(" ".join(text.split()))
    return "".join(ch if " " <= ch <= "~" else "?" for ch in text)[:limit]


def _kst_iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds")


# --- metrics --------------------------------------------------------------------------------

COUNTERS: Final = {
    "hits": "Responses served from a fresh cached copy.",
    "shared": "Responses served from another request's upstream call (this process or another).",
    "misses": "Upstream calls made.",
    "stale": "Responses served from an expired copy because the upstream failed.",
    "errors": "Upstream calls that failed (network, timeout, HTTP status, rejected payload).",
    "unavailable": "502 answers: the upstream failed and no copy existed.",
}
Counter = Literal["hits", "shared", "misses", "stale", "errors", "unavailable"]


class Metrics:
    """Per-process counters per dataset, in Prometheus text format."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = {
            (counter, spec.name): 0 for counter in COUNTERS for spec in DATASETS
        }

    def inc(self, counter: Counter, dataset: str) -> None:
        self._counts[counter, dataset] += 1

    def get(self, counter: Counter, dataset: str) -> int:
        return self._counts[counter, dataset]

    def render(self) -> str:
        lines: list[str] = []
        for counter, help_text in COUNTERS.items():
            metric = f"trafficha_proxy_{counter}_total"
            lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} counter"]
            lines += [
                f'{metric}{{dataset="{spec.name}"}} {self._counts[counter, spec.name]}'
                for spec in DATASETS
            ]
        return "\n".join(lines) + "\n"


# --- the cache ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Upstream:
    """Where a dataset is fetched from, with which key, and how long a copy stays fresh."""

    spec: DatasetSpec
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
    """The proxy's state: store, Redis and HTTP session (opened in the app's lifespan)."""

    def __init__(self, settings: Settings, *, upstream_timeout: float = UPSTREAM_TIMEOUT) -> None:
        self.settings = settings
        self.upstreams = _upstreams(settings)
        self.metrics = Metrics()
        self.served_by = f"{settings.member_name}/proxy"
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

    async def open(self) -> None:
        """Connect the store (and migrate it), Redis and the upstream HTTP session."""
        try:
            self._store = await DedupStore.from_settings(self.settings, maxsize=10)
            # Safe alongside other processes migrating at once (a named lock serializes them).
            await self._store.migrate()
            self._body_limit = await self._cacheable_bytes()
            self._redis = redis_client(self.settings)
            self._session = aiohttp.ClientSession(
                headers=BROWSER_HEADERS,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            )
        except BaseException:
            await self.close()
            raise

    async def _cacheable_bytes(self) -> int:
        """The largest body one upsert can carry on this server."""
        async with (
            connection(self.store.pool, "reading max_allowed_packet") as conn,
            conn.cursor() as cur,
        ):
            await cur.execute("SELECT @@max_allowed_packet")
            (packet,) = await cur.fetchone()
        return max(0, min(MAX_BODY_BYTES, (int(packet) - PACKET_OVERHEAD) // 2))

    async def close(self) -> None:
        """Stop in-flight refreshes and close every connection. Idempotent."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._inflight.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
        if self._store is not None:
            await self._store.close()
            self._store = None

    async def ready(self) -> dict[str, bool]:
        """Whether MariaDB and Redis answer, each within two seconds."""

        async def redis_ok() -> bool:
            try:
                async with asyncio.timeout(2):
                    return bool(await self.redis.ping())
            except (RedisError, OSError, TimeoutError):
                return False

        async def db_ok() -> bool:
            try:
                async with asyncio.timeout(2):
                    return await self.store.ping()
            except TimeoutError:
                return False

        db, rds = await asyncio.gather(db_ok(), redis_ok())
        return {"db": db, "redis": rds}

    # Serving ------------------------------------------------------------------------------

    async def get(self, upstream: Upstream, query: Query) -> Outcome:
        """The payload for a query: cached, shared, freshly fetched, stale, or unavailable.

        Raises:
            StoreError: the cache table could not be read.
        """
        dataset = upstream.spec.name
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
                return _fallback(copy, reason)
            token = secrets.token_hex(16)
            if await self._acquire(lock, token):
                try:
                    # Another winner may have stored a fresh copy, or failed, since we looked.
                    copy = await self._read(upstream, query)
                    if copy is not None and copy.fresh:
                        return Served(copy.body, copy.fetched_at, "shared")
                    reason = await self._recent_failure(failed)
                    if reason is not None:
                        return _fallback(copy, reason)
                    return await self._fetch_and_store(upstream, query, copy, failed)
                finally:
                    await self._release(lock, token)
            outcome = await self._wait_for_winner(upstream, query, lock, failed, deadline)
            if isinstance(outcome, Served | Unavailable):
                return outcome
            copy = outcome
            if loop.time() >= deadline:
                return _fallback(copy, "timed out waiting for another proxy's upstream call")

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
                return copy if reason is None else _fallback(copy, reason)
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
            return _fallback(copy, exc.reason)
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
        dataset = upstream.spec.name
        self.metrics.inc("misses", dataset)
        params = [*query.params, ("key", upstream.key.reveal())]
        shown = redact_url(f"{upstream.url}?{urlencode(params)}")
        try:
            body = await self._get(upstream.url, params)
            upstream.spec.validate(body)
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
                else _header_safe(exc.args[0] if exc.args else "unusable payload")
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
        table = upstream.spec.table
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
        table = upstream.spec.table
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


def _fallback(copy: CachedCopy | None, reason: str) -> Outcome:
    if copy is None:
        return Unavailable(reason)
    return Served(copy.body, copy.fetched_at, "stale", reason)


def _upstreams(settings: Settings) -> dict[DatasetName, Upstream]:
    """Each dataset's URL, key and TTL from the settings.

    Raises:
        ConfigError: no key is configured (the proxy never forwards a caller's key).
    """
    if settings.real_openapi_key is None:
        raise ConfigError("REAL_OPENAPI_KEY: the proxy needs a KEC key to call the upstream")
    bound = {
        "accidents": (settings.real_openapi_url, settings.real_openapi_key, "proxy_accidents_ttl"),
        "tollgate": (settings.tollgate_api_url, settings.tollgate_key, "proxy_tollgate_ttl"),
        "road": (settings.road_status_api_url, settings.road_status_key, "proxy_road_status_ttl"),
        "locations": (
            settings.tollgate_location_api_url,
            settings.tollgate_key,
            "proxy_tollgate_ttl",
        ),
    }
    out: dict[DatasetName, Upstream] = {}
    for spec in DATASETS:
        url, key, ttl_field = bound[spec.name]
        out[spec.name] = Upstream(
            spec, url, key or settings.real_openapi_key, getattr(settings, ttl_field)
        )
    return out


# --- the app --------------------------------------------------------------------------------


def _payload(outcome: Outcome) -> Response[bytes]:
    if isinstance(outcome, Unavailable):
        return problem(
            502,
            f"the upstream failed and no cached copy exists: {outcome.reason}",
            headers={"X-Upstream-Error": outcome.reason},
        )
    headers = {"X-Cache": outcome.cache, "X-Fetched-At": _kst_iso(outcome.fetched_at)}
    if outcome.upstream_error is not None:
        headers["X-Upstream-Error"] = outcome.upstream_error
    return Response(outcome.body, media_type=JSON_MEDIA, headers=headers)


def _dataset_handler(cache: ProxyCache, upstream: Upstream) -> HTTPRouteHandler:
    spec = upstream.spec

    async def handler(request: Request[Any, Any, Any]) -> Response[bytes]:
        try:
            query = normalize_query(spec, request.query_params.multi_items())
        except QueryError as exc:
            return bad_parameter(exc.name, exc.reason)
        try:
            outcome = await cache.get(upstream, query)
        except StoreError as exc:
            log.warning("cache store unavailable for %s: %s", query.cache_key, exc)
            return problem(503, "the proxy's cache store is unavailable")
        return _payload(outcome)

    return get(spec.path, name=f"proxy-{spec.name}")(handler)


def create_app(settings: Settings, *, upstream_timeout: float = UPSTREAM_TIMEOUT) -> Litestar:
    """The proxy app; its store, Redis client and HTTP session live in the app's lifespan.

    Raises:
        ConfigError: no KEC key is configured.
    """
    cache = ProxyCache(settings, upstream_timeout=upstream_timeout)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await cache.open()
        try:
            yield
        finally:
            await cache.close()

    @get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "proxy", "member": settings.member_name}

    @get("/readyz")
    async def readyz() -> Response[bytes]:
        checks = await cache.ready()
        if all(checks.values()):
            return Response(
                msgspec.json.encode({"status": "ready", "checks": checks}),
                media_type=MediaType.JSON,
            )
        down = ", ".join(name for name, ok in checks.items() if not ok)
        return problem(503, f"not reachable: {down}")

    @get("/metrics")
    async def metrics() -> Response[str]:
        return Response(cache.metrics.render(), media_type=METRICS_MEDIA)

    async def served_by(message: Message, _scope: Scope) -> None:
        # Every answer, error pages and 404s included, says which member served it.
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"x-served-by", cache.served_by.encode()))
            message["headers"] = headers

    return Litestar(
        route_handlers=[
            healthz,
            readyz,
            metrics,
            *(_dataset_handler(cache, upstream) for upstream in cache.upstreams.values()),
        ],
        lifespan=[lifespan],
        before_send=[served_by],
        exception_handlers=exception_handlers("proxy"),
        logging_config=None,
        openapi_config=None,
    )
