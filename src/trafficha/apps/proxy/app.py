"""The proxy app: one handler per registered dataset on its KEC path, health and metrics."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import msgspec
from litestar import Litestar, MediaType, Request, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.types import Message, Scope

from trafficha.apps.metrics import METRICS_MEDIA
from trafficha.apps.problems import bad_parameter, exception_handlers, problem
from trafficha.apps.proxy.cache import UPSTREAM_TIMEOUT, ProxyCache, Upstream
from trafficha.apps.proxy.outcomes import Outcome, Unavailable, kst_iso
from trafficha.apps.proxy.query import QueryError, normalize_query
from trafficha.config import Settings
from trafficha.store.db import StoreError

log = logging.getLogger(__name__)

JSON_MEDIA: Final = "application/json;charset=UTF-8"


def _payload(outcome: Outcome) -> Response[bytes]:
    if isinstance(outcome, Unavailable):
        return problem(
            502,
            f"the upstream failed and no cached copy exists: {outcome.reason}",
            headers={"X-Upstream-Error": outcome.reason},
        )
    headers = {"X-Cache": outcome.cache, "X-Fetched-At": kst_iso(outcome.fetched_at)}
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

    return get(spec.feed.path, name=f"proxy-{spec.endpoint}")(handler)


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
