"""The openapi-proxy: KEC's endpoints (every dataset of the registry), served from a shared
MariaDB cache.

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
- ``GET /healthz``, ``GET /readyz`` (MariaDB and Redis answer), ``GET /metrics`` (Prometheus),
  from the app kit (:mod:`trafficha.apps.kit`)

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

from trafficha.apps.proxy.app import create_app
from trafficha.apps.proxy.cache import BROWSER_HEADERS, UPSTREAM_TIMEOUT, ProxyCache
from trafficha.apps.proxy.metrics import Metrics
from trafficha.apps.proxy.query import Query, QueryError, normalize_query

__all__ = [
    "BROWSER_HEADERS",
    "UPSTREAM_TIMEOUT",
    "Metrics",
    "ProxyCache",
    "Query",
    "QueryError",
    "create_app",
    "normalize_query",
]
