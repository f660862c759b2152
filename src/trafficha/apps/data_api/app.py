"""The data API: the dashboard's reads, cached per data version, plus HA status and live events.

Endpoints (all GET):

- the original's five, with its paths and field names: ``/api/accidents/latest``,
  ``/api/accidents/stats``, ``/api/tollgate/traffic``, ``/api/road/status``,
  ``/api/road/summary`` (with our filters);
- ``/api/tollgates`` (locations, latest volume, 3 h series), ``/api/network`` and
  ``/api/network/sections`` (GeoJSON of the reference network), ``/api/network/outline``
  (GeoJSON of South Korea's land outline);
- ``/api/ha/status`` (leader, source, members, stream, collections) and ``/api/events``
  (server-sent events: hello, commit, leader, source, members);
- ``/healthz``, ``/readyz``, ``/metrics``, ``/schema/openapi.json``.

Every data answer is cached as encoded bytes per (path, normalized query) and data version
(:mod:`.cache`), so repeated requests cost one Redis GET and no query, and a committed batch is
visible on the next request. Headers: ``X-Cache`` (``hit``, ``miss``, or ``stale`` when MariaDB
failed and the last answer is served), and on every response ``X-Served-By: <member>/data-api``.
Errors are RFC 9457 problem documents (:mod:`trafficha.apps.problems`). The probes, the header
and the lifespan come from the app kit (:mod:`trafficha.apps.kit`); the routes are
:mod:`.routes`, the state they share :class:`~.service.DataApi`.

The app only reads: it connects with ``DB_USER``, which may be a read-only account, and never
migrates (the processor does).
"""

from __future__ import annotations

from contextlib import AsyncExitStack

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.openapi.config import OpenAPIConfig

from trafficha._version import __version__
from trafficha.apps.data_api.params import strict_query
from trafficha.apps.data_api.routes import ROUTES
from trafficha.apps.data_api.service import SERVICE, STATE_KEY, DataApi, data_api
from trafficha.apps.kit import build_app
from trafficha.config import Settings
from trafficha.services.health import Readiness

__all__ = ["create_app"]


async def _open(resources: AsyncExitStack, state: State) -> None:
    await data_api(state).open(resources)


async def _ready(state: State) -> Readiness:
    return await data_api(state).ready()


async def _metrics(state: State) -> str:
    api = data_api(state)
    return await api.telemetry.render(api.cache, api.hub, api.redis, api.keys)


def create_app(settings: Settings) -> Litestar:
    """The data API app; its connections live in the app's lifespan."""
    api = DataApi(settings)
    return build_app(
        SERVICE,
        member=settings.member_name,
        label="data API",
        # One router for every route, so that each query is checked strictly before its handler.
        route_handlers=[Router("/", route_handlers=ROUTES, before_request=strict_query)],
        state={STATE_KEY: api},
        open=_open,
        ready=_ready,
        metrics=_metrics,
        before_send=[api.telemetry.count_response],
        openapi_config=OpenAPIConfig(
            title="trafficha data API",
            version=__version__,
            description=(
                "Korean expressway traffic: incidents, tollgate volumes, road flow, the network, "
                "and the pipeline's HA state. Times are ISO 8601 with +09:00."
            ),
            path="/schema",
        ),
    )
