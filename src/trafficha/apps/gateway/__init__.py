"""The gateway: one per member, in front of the data APIs, behind the ingress.

- ``GET /api/*`` and ``GET /schema/*`` are forwarded to the data-API upstreams
  (``DATA_API_SERVICE_URL``, own member's first) with failover and outlier ejection
  (:mod:`.upstreams`, :mod:`.forward`); ``/api/events`` is relayed as a live event stream.
  Any other method there is a 405.
- Every other path is the dashboard build (:mod:`.spa`), or a page saying how to build it.
- ``/healthz`` (alive), ``/readyz`` (some upstream answers its ``/healthz``), ``/metrics``
  (Prometheus, :mod:`.metrics`).

Every response carries ``X-Served-By`` (``<member>/gateway``, and ``, <member>/data-api`` when a
data API answered), ``X-Served-By-Gateway`` and, from a data API, ``X-Served-By-Data-Api``; and
``X-Content-Type-Options``, ``X-Frame-Options``, ``Referrer-Policy``, plus a
``Content-Security-Policy`` on HTML. Clients are rate-limited per address (:mod:`.ratelimit`,
``GATEWAY_RATE_LIMIT``); the probes and ``/metrics`` are not. Every error is a problem document.
"""

from trafficha.apps.gateway.app import create_app

__all__ = ["create_app"]
