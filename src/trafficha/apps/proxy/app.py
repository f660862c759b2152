"""The proxy app: one handler per registered dataset on its KEC path.

Its ``/healthz``, ``/readyz`` (MariaDB and Redis answer), ``/metrics``, lifespan, ``X-Served-By``
and problem documents come from the app kit (:mod:`trafficha.apps.kit`); its state is one
:class:`~.cache.ProxyCache` on ``app.state``.
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from typing import Any, Final

from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler

from trafficha.apps.kit import build_app
from trafficha.apps.problems import bad_parameter, problem
from trafficha.apps.proxy.cache import UPSTREAM_TIMEOUT, ProxyCache
from trafficha.apps.proxy.outcomes import Outcome, Unavailable, kst_iso
from trafficha.apps.proxy.query import QueryError, normalize_query
from trafficha.config import Settings
from trafficha.datasets.registry import DATASETS
from trafficha.datasets.spec import Dataset
from trafficha.services.health import Readiness
from trafficha.store.db import StoreError

log = logging.getLogger(__name__)

JSON_MEDIA: Final = "application/json;charset=UTF-8"
SERVICE: Final = "proxy"
STATE_KEY: Final = "proxy"
"""Where the app keeps its :class:`~.cache.ProxyCache` on ``app.state``."""


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


def proxy_of(state: State) -> ProxyCache:
    """The app's :class:`~.cache.ProxyCache`, for a handler that has the app's state."""
    cache = state[STATE_KEY]
    assert isinstance(cache, ProxyCache), "not the proxy's state"
    return cache


def _dataset_handler(spec: Dataset[Any]) -> HTTPRouteHandler:
    async def handler(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
        cache = proxy_of(state)
        try:
            query = normalize_query(spec, request.query_params.multi_items())
        except QueryError as exc:
            return bad_parameter(exc.name, exc.reason)
        try:
            outcome = await cache.get(cache.upstreams[spec.endpoint], query)
        except StoreError as exc:
            log.warning("cache store unavailable for %s: %s", query.cache_key, exc)
            return problem(503, "the proxy's cache store is unavailable")
        return _payload(outcome)

    return get(spec.feed.path, name=f"proxy-{spec.endpoint}")(handler)


async def _open(resources: AsyncExitStack, state: State) -> None:
    await proxy_of(state).open(resources)


async def _ready(state: State) -> Readiness:
    return await proxy_of(state).ready()


async def _metrics(state: State) -> str:
    return proxy_of(state).metrics.render()


def create_app(settings: Settings, *, upstream_timeout: float = UPSTREAM_TIMEOUT) -> Litestar:
    """The proxy app; its store, Redis client and HTTP session live in the app's lifespan.

    Raises:
        ConfigError: no KEC key is configured.
    """
    return build_app(
        SERVICE,
        member=settings.member_name,
        route_handlers=[_dataset_handler(spec) for spec in DATASETS],
        state={STATE_KEY: ProxyCache(settings, upstream_timeout=upstream_timeout)},
        open=_open,
        ready=_ready,
        metrics=_metrics,
    )
