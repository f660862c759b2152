"""The traffic simulator: KEC's OpenAPI played over a deterministic world, or over recorded KEC
answers, with faults on demand.

It stands in for data.ex.co.kr everywhere a test or a demo needs an upstream, so it speaks the
exact wire format (:mod:`trafficha.sim.wire`) from a
:class:`~trafficha.sim.world.TrafficWorld` read at ``clock()`` (calibrated on real recordings,
see ``docs/simulator.md``), or replays recordings (:mod:`trafficha.sim.replay`).

KEC endpoints (``key`` must be one of ``SIMULATOR_API_KEYS``; any other or none gets KEC's
HTTP 200 ``{"code":"ERROR","message":"인증키가 유효하지 않습니다."}``):

- ``GET /openapi/burstInfo/realTimeSms``: ``numOfRows`` (at most 99), ``pageNo``,
  ``sortType`` (``asc``, the default, oldest first; ``desc`` newest first).
- ``GET /openapi/trafficapi/trafficIc``: ``numOfRows`` (at most 100), ``pageNo``, and the
  filters ``tmType`` (``2``, ``3`` or absent: the last hour, as the four latest published
  15-minute slots; ``1``: hourly sums of the latest hour whose four slots are published;
  anything else: no rows), ``inoutType``,
  ``tcsType``, ``carType``, ``unitCode``, ``exDivCode``, applied server-side.
- ``GET /openapi/odtraffic/trafficAmountByRealtime``: the whole VDS snapshot in one list, no
  paging keys (as recorded; ``numOfRows``/``pageNo`` are ignored).
- ``GET /openapi/locationinfo/locationinfoUnit``: ``numOfRows`` (at most 100), ``pageNo``,
  and the filters ``routeNo`` (3 or 4 digits) and ``unitCode``.

Everywhere: ``numOfRows`` absent, unparsable or below 1 means the feed's maximum, and larger
values are capped to it (the envelope reports the rows honoured); ``pageNo`` absent or below 1
means 1; a page past the end has an empty list. ``type=json`` gets JSON
(``application/json;charset=UTF-8``, as KEC's Java backend labels it); any other ``type``, or
none, gets a minimal XML rendering of the same document, since KEC reportedly defaults to XML.

Also: ``GET /api/traffic``, the original simulator's answer (``{"realTimeSMSList": [...]}``, all
current incidents, no key), ``GET /health`` (the original's ``OK``), and the app kit's
(:mod:`trafficha.apps.kit`) ``GET /healthz`` and ``GET /readyz`` (always ready: it depends on
nothing). Every response carries ``X-Served-By: <member>/simulator``.

Every dataset of the registry (:mod:`trafficha.datasets`) is served on its KEC path; how its
records are chosen (filters, sort order) is the dataset's ``sim_records``.

Fault injection, per endpoint (the dataset's endpoint name: ``accidents`` covers realTimeSms and
``/api/traffic``, ``tollgate``, ``road``, ``locations``, ``vds``; ``all`` sets every one at
once), held in process memory:
``GET /admin/faults``, ``PUT /admin/faults/{endpoint}`` with
``{"outage": "refuse"|"503"|null, "latency_ms": int, "bad_key": bool, "blocked": bool,
"malformed": bool, "text": str|null}`` (a PUT replaces the endpoint's faults; omitted fields
are off; ``text``, the SMS text of every incident served, applies to ``accidents`` only), and
``DELETE /admin/faults``. Effects apply in this order: the latency first (the answer, whatever it
is, comes that much later); then an outage (``refuse`` closes the connection without a byte,
``503`` answers HTTP 503); then ``blocked`` (the WAF's HTML page, HTTP 200); then ``bad_key``
(the ERROR payload for every key); then ``malformed`` (the real payload cut in half, HTTP 200).
``refuse`` needs the server's transport, which uvicorn exposes; under any other server (a test
client) it degrades to HTTP 503.

Replay: ``PUT /admin/replay/{endpoint}`` with a recording as the body (a KEC answer or a bare
array of rows) serves its rows, paged as KEC pages, instead of the world on that endpoint;
``DELETE /admin/replay[/{endpoint}]`` goes back to the world, ``GET /admin/replay`` tells which
endpoints replay. ``SIMULATOR_REPLAY_DIR`` loads a directory of them at start
(:func:`trafficha.sim.replay.load_dir`); keys, faults and the ground truth apply as ever.

Ground truth: ``GET /admin/served?kind=accidents`` lists each distinct incident served in a
successful answer since start or the last ``DELETE /admin/served``, with when it was first and
last served (by ``clock()``), and per-endpoint counts of requests, successful answers, faulted
answers and rejected keys. At most ``served_capacity`` incidents (50,000 by default) are kept;
past that the earliest-served are evicted and counted in ``evicted``, so a chaos audit knows
its ground truth is partial instead of silently wrong.
"""

from trafficha.apps.simulator.app import DEFAULT_SERVED_CAPACITY, create_app
from trafficha.apps.simulator.faults import EndpointCounts, FaultSpec
from trafficha.apps.simulator.state import ENDPOINTS, ServedIncident, ServedReport

__all__ = [
    "DEFAULT_SERVED_CAPACITY",
    "ENDPOINTS",
    "EndpointCounts",
    "FaultSpec",
    "ServedIncident",
    "ServedReport",
    "create_app",
]
