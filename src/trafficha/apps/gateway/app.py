"""The gateway app: Litestar for its own small routes, raw ASGI for everything it serves.

Its routes (``/healthz``, ``/readyz``, ``/metrics``), lifespan, ``X-Served-By`` and problem
documents come from the app kit (:mod:`trafficha.apps.kit`) like every app's. The documented
exception is the raw ASGI fast path (:class:`_GatewayApp`): forwarded requests and dashboard
files skip Litestar, so :meth:`Gateway.serve` decorates their answers, compresses the
dashboard's files (:func:`~trafficha.apps.compression.representing`, as the kit does for every
route) and turns their errors into the same problem documents itself. Forwarded answers are not
recoded: the data API compressed them for the client's ``Accept-Encoding``.
"""

from __future__ import annotations

import logging
import math
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, Final

from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException, TooManyRequestsException
from litestar.types import Message, Receive, Scope, Send

from trafficha.apps.compression import representing
from trafficha.apps.data_api.hub import EventHub
from trafficha.apps.gateway.events import EVENTS_PATH, serve_events
from trafficha.apps.gateway.forward import Forwarder
from trafficha.apps.gateway.metrics import GatewayMetrics
from trafficha.apps.gateway.ratelimit import Exemptions, TokenBuckets, client_address
from trafficha.apps.gateway.spa import SpaFiles, default_dist_dir, has_dot_segment
from trafficha.apps.gateway.upstreams import UpstreamPool
from trafficha.apps.kit import OPS_PATHS, build_app
from trafficha.apps.problems import exception_handlers
from trafficha.apps.tiles import tile_image_source
from trafficha.config import Settings
from trafficha.connections import HUB_MAX_CONNECTIONS, redis_client, stream_keys
from trafficha.errors import ConfigError
from trafficha.services.health import Readiness

__all__ = ["Gateway", "content_security_policy", "create_app", "gateway_of"]

log = logging.getLogger(__name__)


def content_security_policy(settings: Settings) -> str:
    """The dashboard's CSP: its own files only, and images from the map's tile host alone."""
    tiles = tile_image_source(settings.map_tile_url)
    return (
        "default-src 'self'; "
        # The base map's tile host (MAP_TILE_URL), nothing else: the offline map needs none.
        f"img-src 'self' data:{f' {tiles}' if tiles else ''}; "
        # Leaflet positions map panes and markers with inline styles.
        "style-src 'self' 'unsafe-inline'; "
        "connect-src 'self'; "
        "script-src 'self'; "
        "object-src 'none'; "
        "frame-ancestors 'none'; "
        "base-uri 'self'"
    )


_SECURITY_HEADERS: Final = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
# Forwarded to the data API; everything else under / is the dashboard.
_FORWARDED_PREFIXES: Final = ("/api/", "/schema/")
_FORWARDED_EXACT: Final = frozenset({"/api", "/schema"})
SERVICE: Final = "gateway"
STATE_KEY: Final = "gateway"
"""Where the app keeps its :class:`Gateway` on ``app.state``."""
# The gateway's own routes (the kit's), served by Litestar; every other path takes the raw
# ASGI path.
_OWN_ROUTES: Final = OPS_PATHS


class Gateway:
    """The gateway's parts: upstreams, forwarding, the event hub, rate limit, dashboard files,
    figures."""

    def __init__(self, settings: Settings) -> None:
        urls = settings.data_api_urls
        if not urls:
            raise ConfigError("DATA_API_SERVICE_URL: the gateway needs at least one data API")
        self.member = settings.member_name
        self.pool = UpstreamPool(
            urls,
            eject_after=settings.gateway_eject_after,
            eject_for=settings.gateway_eject_for.total_seconds(),
        )
        self.metrics = GatewayMetrics(self.pool)
        self.forward = Forwarder(
            self.pool,
            self.metrics,
            member=settings.member_name,
            timeout=settings.gateway_timeout.total_seconds(),
        )
        self.limits = TokenBuckets(float(settings.gateway_rate_limit))
        self.exempt = Exemptions(settings.rate_limit_exempt)
        dist = Path(settings.spa_dist_dir) if settings.spa_dist_dir else default_dist_dir()
        self.spa = SpaFiles(dist)
        served_by = f"{settings.member_name}/{SERVICE}"
        # Its own small Redis pool: the hub's log reader, heartbeat reads and hellos.
        self.redis = redis_client(
            settings, max_connections=HUB_MAX_CONNECTIONS, name=f"{served_by}-hub"
        )
        self.hub = EventHub(self.redis, stream_keys(settings), served_by)
        self._always = [*_SECURITY_HEADERS, (b"x-served-by-gateway", self.member.encode())]
        self._served_by = (b"x-served-by", served_by.encode())
        self._csp = (b"content-security-policy", content_security_policy(settings).encode())
        self.error_handlers = exception_handlers(SERVICE)

    async def serve(self, scope: Any, receive: Receive, send: Send) -> None:
        """Every request that is not one of the gateway's own routes, in raw ASGI."""
        started = False

        async def send_decorated(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                self.decorate(message)
            await send(message)

        try:
            await self._dispatch(scope, receive, send_decorated)
        except Exception as exc:
            if started:
                raise  # too late for a problem document: uvicorn drops the connection
            await self._answer_error(scope, receive, send_decorated, exc)

    async def _dispatch(self, scope: Any, receive: Receive, send: Send) -> None:
        path: str = scope["path"]  # decoded by the server: %2e%2e is already ".." here
        if has_dot_segment(path):
            raise NotFoundException(detail="no such path")
        self._limit(scope)
        if path == EVENTS_PATH and scope["method"] == "GET":
            # Served here from the hub: an open stream holds no connection to a data API.
            await serve_events(self.hub, scope, receive, send)
        elif path in _FORWARDED_EXACT or path.startswith(_FORWARDED_PREFIXES):
            # The data API's answer goes on as it is, coded as it chose for the client's
            # Accept-Encoding (forwarded), with its ETag, Vary and 304s: no work here.
            await self.forward(scope, receive, send)
        else:
            # Dashboard files are coded here, once per file and coding (the kit's memo).
            await self.spa(scope, representing(scope, send), path)

    async def _answer_error(self, scope: Any, receive: Receive, send: Send, exc: Exception) -> None:
        """The problem document Litestar's own routes would answer for ``exc``."""
        handler = self.error_handlers[
            HTTPException if isinstance(exc, HTTPException) else Exception
        ]
        request: Request[Any, Any, Any] = Request(scope, receive)
        response = handler(request, exc)
        await response.to_asgi_response(None, request)(scope, receive, send)

    def _limit(self, scope: Any) -> None:
        client = client_address(scope)
        if client in self.exempt:
            return
        wait = self.limits.take(client)
        if wait:
            self.metrics.rate_limited += 1
            raise TooManyRequestsException(
                detail="too many requests from this client; slow down",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )

    async def add_headers(self, message: Message, _scope: Scope) -> None:
        """Litestar's ``before_send`` hook for the gateway's own routes (after the kit's
        ``X-Served-By``, which :meth:`decorate` then leaves alone)."""
        if message["type"] == "http.response.start":
            self.decorate(message)

    def decorate(self, message: Any) -> None:
        """On every response: security headers, who served it, and a CSP on HTML."""
        headers = list(message.get("headers", []))
        named = html = False
        for name, value in headers:
            lowered = name.lower()
            if lowered == b"content-type":
                html = value.startswith(b"text/html")
            elif lowered == b"x-served-by":
                named = True
        headers += self._always
        if not named:
            # Nothing from a data API in this answer: only the gateway is named.
            headers.append(self._served_by)
        if html:
            headers.append(self._csp)
        message["headers"] = headers


def gateway_of(state: State) -> Gateway:
    """The app's :class:`Gateway`, for a handler or hook that has the app's state."""
    gateway = state[STATE_KEY]
    assert isinstance(gateway, Gateway), "not the gateway's state"
    return gateway


class _GatewayApp(Litestar):
    """Litestar for the gateway's own routes; every other request goes straight to the raw
    ASGI path, skipping Litestar's routing and middleware: measured, a forwarded request costs
    about a quarter less than through an ``asgi`` mount (some 30 % more requests per second)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") not in _OWN_ROUTES:
            await gateway_of(self.state).serve(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


async def _open(resources: AsyncExitStack, state: State) -> None:
    gateway = gateway_of(state)
    resources.push_async_callback(gateway.redis.aclose)
    await gateway.forward.open()
    resources.push_async_callback(gateway.forward.close)
    gateway.hub.start()
    resources.push_async_callback(gateway.hub.close)


async def _ready(state: State) -> Readiness:
    """Ready while some data API answers its ``/healthz``: the gateway fails over to it."""
    upstreams = await gateway_of(state).forward.probe()
    return Readiness(
        ready=any(upstreams.values()),
        body={"status": "ready", "upstreams": upstreams},
        detail="no data API answers its /healthz",
    )


async def _metrics(state: State) -> str:
    gateway = gateway_of(state)
    return gateway.metrics.render(rate_limit_clients=len(gateway.limits), hub=gateway.hub)


def create_app(settings: Settings) -> Litestar:
    """The gateway; its upstream session lives in the app's lifespan.

    Raises:
        ConfigError: no data-API upstream is configured.
    """
    gateway = Gateway(settings)
    return build_app(
        SERVICE,
        member=settings.member_name,
        state={STATE_KEY: gateway},
        open=_open,
        ready=_ready,
        metrics=_metrics,
        before_send=[gateway.add_headers],
        # /schema belongs to the data API (forwarded); the gateway publishes no schema of its own.
        openapi_config=None,
        app_class=_GatewayApp,
    )
