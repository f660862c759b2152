"""The traffic simulator: KEC's OpenAPI played over a deterministic world, with faults on demand.

It stands in for data.ex.co.kr everywhere a test or a demo needs an upstream, so it speaks the
exact wire format (:mod:`trafficha.sim.wire`) from a
:class:`~trafficha.sim.world.TrafficWorld` read at ``clock()``.

KEC endpoints (``key`` must be one of ``SIMULATOR_API_KEYS``; any other or none gets KEC's
HTTP 200 ``{"code":"ERROR","message":"인증키가 유효하지 않습니다."}``):

- ``GET /openapi/burstInfo/realTimeSms``: ``numOfRows`` (at most 99), ``pageNo``,
  ``sortType`` (``asc``, the default, oldest first; ``desc`` newest first).
- ``GET /openapi/trafficapi/trafficIc``: ``numOfRows`` (at most 100), ``pageNo``, and the
  filters ``tmType`` (``2`` or absent: the latest published 15-minute slot; ``1``: hourly sums
  of the latest hour whose four slots are published; anything else: no rows), ``inoutType``,
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
current incidents, no key), ``GET /healthz``, ``GET /readyz`` and ``GET /health`` (the
original's ``OK``).

Fault injection, per endpoint (``accidents`` covers realTimeSms and ``/api/traffic``,
``tollgate``, ``road``, ``locations``; ``all`` sets the four at once), held in process memory:
``GET /admin/faults``, ``PUT /admin/faults/{endpoint}`` with
``{"outage": "refuse"|"503"|null, "latency_ms": int, "bad_key": bool, "blocked": bool,
"malformed": bool}`` (a PUT replaces the endpoint's faults; omitted fields are off), and
``DELETE /admin/faults``. Effects apply in this order: the latency first (the answer, whatever it
is, comes that much later); then an outage (``refuse`` closes the connection without a byte,
``503`` answers HTTP 503); then ``blocked`` (the WAF's HTML page, HTTP 200); then ``bad_key``
(the ERROR payload for every key); then ``malformed`` (the real payload cut in half, HTTP 200).
``refuse`` needs the server's transport, which uvicorn exposes; under any other server (a test
client) it degrades to HTTP 503.

Ground truth: ``GET /admin/served?kind=accidents`` lists each distinct incident served in a
successful answer since start or the last ``DELETE /admin/served``, with when it was first and
last served (by ``clock()``), and per-endpoint counts of requests, successful answers, faulted
answers and rejected keys. At most ``served_capacity`` incidents (50,000 by default) are kept;
past that the earliest-served are evicted and counted in ``evicted``, so a chaos audit knows
its ground truth is partial instead of silently wrong.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Final, Literal, get_args

import msgspec
from litestar import Litestar, Request, Response, delete, get, put

from trafficha.apps.problems import InvalidParam, exception_handlers, problem
from trafficha.config import Settings
from trafficha.kst import now_kst
from trafficha.models.domain import Accident, TollgateTraffic
from trafficha.providers.kec import normalize_route_no
from trafficha.sim.wire import (
    LOCATION_UNIT,
    REAL_TIME_SMS,
    TRAFFIC_AMOUNT,
    TRAFFIC_IC,
    Feed,
    PageSpec,
    blocked_page,
    document,
    encode_json,
    encode_xml,
    error_document,
    location_unit_rows,
    page_spec,
    sms_rows,
    traffic_amount_rows,
    traffic_ic_rows,
)
from trafficha.sim.world import TOLLGATE_DELAY, TOLLGATE_SLOT, TrafficWorld

__all__ = [
    "DEFAULT_SERVED_CAPACITY",
    "ENDPOINTS",
    "Endpoint",
    "EndpointCounts",
    "FaultSpec",
    "ServedIncident",
    "ServedReport",
    "create_app",
]

log = logging.getLogger(__name__)

Endpoint = Literal["accidents", "tollgate", "road", "locations"]
ENDPOINTS: Final[tuple[Endpoint, ...]] = get_args(Endpoint)
ALL: Final = "all"

DEFAULT_SERVED_CAPACITY: Final = 50_000
# A latency beyond ten minutes is a typo, not a test: every client would have timed out.
MAX_LATENCY_MS: Final = 600_000

JSON_TYPE: Final = "application/json;charset=UTF-8"
XML_TYPE: Final = "application/xml;charset=UTF-8"
HTML_TYPE: Final = "text/html;charset=UTF-8"

_HOURLY_SLOTS: Final = int(timedelta(hours=1) / TOLLGATE_SLOT)


# --- models of the admin API ----------------------------------------------------------------


class FaultSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The faults of one endpoint (the body of ``PUT /admin/faults/{endpoint}``)."""

    outage: Literal["refuse", "503"] | None = None
    latency_ms: Annotated[int, msgspec.Meta(ge=0, le=MAX_LATENCY_MS)] = 0
    bad_key: bool = False
    blocked: bool = False
    malformed: bool = False


class EndpointCounts(msgspec.Struct, kw_only=True):
    """Requests to one endpoint and how they were answered (mutable, in process memory)."""

    requests: int = 0
    ok: int = 0
    faulted: int = 0
    rejected: int = 0  # a key that is not one of SIMULATOR_API_KEYS, without a fault


class ServedIncident(msgspec.Struct, kw_only=True):
    """One incident the simulator has served in a successful answer."""

    incident_key: str
    occurred_at: datetime
    type_code: str
    type_name: str
    route_no: str | None
    route_name: str
    served_first_at: datetime
    served_last_at: datetime
    times_served: int = 1


class ServedReport(msgspec.Struct, kw_only=True):
    """The answer of ``GET /admin/served``."""

    kind: Literal["accidents"]
    since: datetime
    capacity: int
    evicted: int
    total: int
    incidents: list[ServedIncident]
    endpoints: dict[str, EndpointCounts]


# --- the simulator's state ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Answer:
    """A successful KEC answer before encoding, and the incidents it carries."""

    doc: dict[str, Any]
    list_key: str
    incidents: Sequence[Accident] = ()


class _Simulator:
    """The world, the clock, the faults and the ground truth of one simulator process.

    Everything runs on the event loop; no handler awaits between reading and updating this
    state, so no lock is needed.
    """

    def __init__(
        self,
        world: TrafficWorld,
        clock: Callable[[], datetime],
        keys: frozenset[str],
        capacity: int,
    ) -> None:
        self.world = world
        self.clock = clock
        self.keys = keys
        self.capacity = capacity
        self.faults: dict[Endpoint, FaultSpec] = {e: FaultSpec() for e in ENDPOINTS}
        self.counts: dict[Endpoint, EndpointCounts] = {e: EndpointCounts() for e in ENDPOINTS}
        self.served: OrderedDict[str, ServedIncident] = OrderedDict()
        self.evicted = 0
        self.since = clock()
        self._hourly: tuple[datetime, list[TollgateTraffic]] | None = None

    # --- ground truth -----------------------------------------------------------------------

    def record_served(self, incidents: Sequence[Accident]) -> None:
        now = self.clock()
        for acc in incidents:
            seen = self.served.get(acc.incident_key)
            if seen is not None:
                seen.served_last_at = now
                seen.times_served += 1
                continue
            if len(self.served) >= self.capacity:
                self.served.popitem(last=False)
                self.evicted += 1
            self.served[acc.incident_key] = ServedIncident(
                incident_key=acc.incident_key,
                occurred_at=acc.occurred_at,
                type_code=acc.type_code,
                type_name=acc.type_name,
                route_no=acc.route_no,
                route_name=acc.route_name,
                served_first_at=now,
                served_last_at=now,
            )

    def reset_served(self) -> None:
        self.served.clear()
        self.evicted = 0
        self.counts = {e: EndpointCounts() for e in ENDPOINTS}
        self.since = self.clock()

    def served_report(self) -> ServedReport:
        return ServedReport(
            kind="accidents",
            since=self.since,
            capacity=self.capacity,
            evicted=self.evicted,
            total=len(self.served),
            incidents=list(self.served.values()),
            endpoints={str(e): c for e, c in self.counts.items()},
        )

    # --- answering ---------------------------------------------------------------------------

    async def begin(self, endpoint: Endpoint, *, as_xml: bool) -> Response[bytes] | None:
        """Count the request, add the latency, and give the faulty answer if one is due."""
        self.counts[endpoint].requests += 1
        faults = self.faults[endpoint]
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        faulty = await _faulty_answer(faults, as_xml=as_xml)
        if faulty is not None:
            self.counts[endpoint].faulted += 1
        return faulty

    def finish(
        self, endpoint: Endpoint, response: Response[bytes], incidents: Sequence[Accident]
    ) -> Response[bytes]:
        """Cut the answer if it is to be malformed; otherwise count it and record what it had."""
        if self.faults[endpoint].malformed:
            self.counts[endpoint].faulted += 1
            return _truncated(response)
        self.counts[endpoint].ok += 1
        self.record_served(incidents)
        return response

    async def serve_kec(
        self,
        request: Request[Any, Any, Any],
        endpoint: Endpoint,
        answer: Callable[[Mapping[str, str], datetime], _Answer],
    ) -> Response[bytes]:
        """One KEC request: faults, then the key, then the answer."""
        params: dict[str, str] = dict(request.query_params.items())
        as_xml = params.get("type", "").strip().lower() != "json"
        faulty = await self.begin(endpoint, as_xml=as_xml)
        if faulty is not None:
            return faulty
        if params.get("key") not in self.keys:
            self.counts[endpoint].rejected += 1
            return _kec_response(error_document(), as_xml=as_xml)
        result = answer(params, self.clock())
        response = _kec_response(result.doc, as_xml=as_xml, list_key=result.list_key)
        return self.finish(endpoint, response, result.incidents)

    # --- feeds ------------------------------------------------------------------------------

    def accidents(self, params: Mapping[str, str], now: datetime) -> _Answer:
        incidents = self.world.incidents_at(now)  # oldest first, KEC's default order
        if params.get("sortType", "").strip().lower() == "desc":
            incidents.reverse()
        page = _page(REAL_TIME_SMS, len(incidents), params)
        chosen = incidents[page.rows]
        rows = sms_rows(chosen, first_series=page.first_row)
        return _Answer(document(REAL_TIME_SMS, rows, page), REAL_TIME_SMS.list_key, chosen)

    def tollgate_traffic(self, params: Mapping[str, str], now: datetime) -> _Answer:
        tm_type = params.get("tmType", "").strip() or "2"
        if tm_type == "2":
            records = self.world.tollgate_traffic_at(now)
        elif tm_type == "1":
            records = self._hourly_traffic(now)
        else:
            records = []
        records = [r for r in records if _matches(r, params)]
        page = _page(TRAFFIC_IC, len(records), params)
        rows = traffic_ic_rows(records[page.rows])
        return _Answer(document(TRAFFIC_IC, rows, page), TRAFFIC_IC.list_key)

    def road_status(self, params: Mapping[str, str], now: datetime) -> _Answer:
        records = self.world.road_status_at(now)
        page = _page(TRAFFIC_AMOUNT, len(records), params)
        rows = traffic_amount_rows(records[page.rows])
        return _Answer(document(TRAFFIC_AMOUNT, rows, page), TRAFFIC_AMOUNT.list_key)

    def tollgates(self, params: Mapping[str, str], now: datetime) -> _Answer:
        del now  # tollgates do not move
        gates = self.world.tollgates()
        route = params.get("routeNo", "").strip()
        if route:
            try:
                wanted = normalize_route_no(route)
            except ValueError:
                wanted = None
            gates = [g for g in gates if wanted is not None and g.route_no == wanted]
        unit = params.get("unitCode", "").strip()
        if unit:
            gates = [g for g in gates if g.unit_code == unit]
        page = _page(LOCATION_UNIT, len(gates), params)
        rows = location_unit_rows(gates[page.rows])
        return _Answer(document(LOCATION_UNIT, rows, page), LOCATION_UNIT.list_key)

    def _hourly_traffic(self, now: datetime) -> list[TollgateTraffic]:
        """Per-hour sums of the latest hour whose four 15-minute slots are all published."""
        latest = self.world.tollgate_traffic_at(now)
        if not latest:
            return []
        last_slot = latest[0].slot_at
        if self._hourly is not None and self._hourly[0] == last_slot:
            return self._hourly[1]
        hour = (last_slot - (_HOURLY_SLOTS - 1) * TOLLGATE_SLOT).replace(
            minute=0, second=0, microsecond=0
        )
        sums: dict[tuple[str, ...], TollgateTraffic] = {}
        amounts: dict[tuple[str, ...], int | None] = {}
        for n in range(_HOURLY_SLOTS):
            slot = hour + n * TOLLGATE_SLOT
            # The slot starting at `slot` is the latest one published a slot plus the delay later.
            for r in self.world.tollgate_traffic_at(slot + TOLLGATE_SLOT + TOLLGATE_DELAY):
                key = (r.unit_code, r.ex_div_code, r.inout_type, r.tcs_type, r.car_type)
                sums.setdefault(key, r)
                if r.traffic_amount is not None:
                    amounts[key] = (amounts.get(key) or 0) + r.traffic_amount
                else:
                    amounts.setdefault(key, None)
        rows = [
            msgspec.structs.replace(
                r, tm_type="1", tm_name="1시간", slot_at=hour, traffic_amount=amounts[key]
            )
            for key, r in sums.items()
        ]
        self._hourly = (last_slot, rows)
        return rows


_IC_FILTERS: Final[dict[str, Callable[[TollgateTraffic], str]]] = {
    "inoutType": lambda r: r.inout_type,
    "tcsType": lambda r: r.tcs_type,
    "carType": lambda r: r.car_type,
    "unitCode": lambda r: r.unit_code,
    "exDivCode": lambda r: r.ex_div_code,
}


def _matches(record: TollgateTraffic, params: Mapping[str, str]) -> bool:
    for name, value_of in _IC_FILTERS.items():
        wanted = params.get(name, "").strip()
        if wanted and value_of(record) != wanted:
            return False
    return True


def _int_param(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _page(feed: Feed, total: int, params: Mapping[str, str]) -> PageSpec:
    return page_spec(
        feed,
        total,
        page_no=_int_param(params.get("pageNo")),
        num_of_rows=_int_param(params.get("numOfRows")),
    )


# --- responses ------------------------------------------------------------------------------


def _kec_response(doc: dict[str, Any], *, as_xml: bool, list_key: str = "list") -> Response[bytes]:
    if as_xml:
        return Response(encode_xml(doc, list_key), media_type=XML_TYPE)
    return Response(encode_json(doc), media_type=JSON_TYPE)


def _html(body: bytes, status: int) -> Response[bytes]:
    # Litestar would append its own charset to a text/ media type; set the header whole.
    return Response(body, status_code=status, headers={"content-type": HTML_TYPE})


def _unavailable() -> Response[bytes]:
    return _html(
        b"<html><head><title>503 Service Unavailable</title></head>"
        b"<body><h1>Service Unavailable</h1></body></html>\n",
        503,
    )


def _problem(detail: str, *, field: str | None = None) -> Response[bytes]:
    invalid = [InvalidParam(field, detail)] if field else []
    return problem(400, detail, invalid=invalid)


def _json(value: object) -> Response[bytes]:
    return Response(msgspec.json.encode(value), media_type="application/json")


_FIELD_AT: Final = re.compile(r"at `\$\.([A-Za-z_][A-Za-z0-9_]*)")
_UNKNOWN_FIELD: Final = re.compile(r"unknown field `([^`]+)`")


def _decode_faults(body: bytes) -> FaultSpec | Response[bytes]:
    """The body as a :class:`FaultSpec`, or the 400 problem naming what is wrong."""
    try:
        return msgspec.json.decode(body, type=FaultSpec)
    except msgspec.ValidationError as exc:
        message = str(exc)
        found = _FIELD_AT.search(message) or _UNKNOWN_FIELD.search(message)
        return _problem(f"invalid fault body: {message}", field=found[1] if found else None)
    except msgspec.DecodeError as exc:
        return _problem(f"the body is not a JSON object: {exc}")


# The raw ASGI send of the request being handled: uvicorn's is a method of its per-request
# cycle, which holds the connection's transport; "refuse" closes that transport.
_RAW_SEND: ContextVar[object] = ContextVar("trafficha_simulator_raw_send", default=None)


class _SimulatorApp(Litestar):
    """A Litestar app that holds its simulator and remembers each request's raw ASGI ``send``
    (see :func:`_drop`)."""

    def __init__(self, sim: _Simulator, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sim = sim

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        token = _RAW_SEND.set(send)
        try:
            await super().__call__(scope, receive, send)
        finally:
            _RAW_SEND.reset(token)


def _sim_of(request: Request[Any, Any, Any]) -> _Simulator:
    app = request.app
    assert isinstance(app, _SimulatorApp)
    return app.sim


async def _faulty_answer(faults: FaultSpec, *, as_xml: bool) -> Response[bytes] | None:
    """The answer an outage, the WAF or a bad-key fault gives, or None to answer normally."""
    if faults.outage == "refuse" and await _drop():
        return _unavailable()  # never written: the connection is gone
    if faults.outage is not None:
        return _unavailable()
    if faults.blocked:
        return _html(blocked_page(), 200)
    if faults.bad_key:
        return _kec_response(error_document(), as_xml=as_xml)
    return None


async def _drop() -> bool:
    """Close the client connection without answering; False when the server does not allow it."""
    cycle = getattr(_RAW_SEND.get(), "__self__", None)
    transport = getattr(cycle, "transport", None)
    if not isinstance(transport, asyncio.Transport):
        return False
    transport.abort()
    # Let the server see the connection lost, so it writes nothing of the handler's return.
    await asyncio.sleep(0)
    return True


# --- handlers (each finds the simulator on its app) ---------------------------------------


@get("/openapi/burstInfo/realTimeSms")
async def real_time_sms(request: Request[Any, Any, Any]) -> Response[bytes]:
    """KEC incident SMS (``realTimeSMSList``)."""
    sim = _sim_of(request)
    return await sim.serve_kec(request, "accidents", sim.accidents)


@get("/openapi/trafficapi/trafficIc")
async def traffic_ic(request: Request[Any, Any, Any]) -> Response[bytes]:
    """KEC tollgate volumes (``trafficIc``)."""
    sim = _sim_of(request)
    return await sim.serve_kec(request, "tollgate", sim.tollgate_traffic)


@get("/openapi/odtraffic/trafficAmountByRealtime")
async def traffic_amount(request: Request[Any, Any, Any]) -> Response[bytes]:
    """KEC VDS flow snapshot (``list``)."""
    sim = _sim_of(request)
    return await sim.serve_kec(request, "road", sim.road_status)


@get("/openapi/locationinfo/locationinfoUnit")
async def location_unit(request: Request[Any, Any, Any]) -> Response[bytes]:
    """KEC tollgate locations (``list``)."""
    sim = _sim_of(request)
    return await sim.serve_kec(request, "locations", sim.tollgates)


@get("/api/traffic")
async def api_traffic(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The original simulator's endpoint: every current incident, no key, no paging."""
    sim = _sim_of(request)
    faulty = await sim.begin("accidents", as_xml=False)
    if faulty is not None:
        return faulty
    incidents = sim.world.incidents_at(sim.clock())
    response = _json({REAL_TIME_SMS.list_key: sms_rows(incidents)})
    return sim.finish("accidents", response, incidents)


@get(["/healthz", "/readyz"])
async def healthz() -> dict[str, str]:
    """Liveness and readiness: the simulator depends on nothing else, so answering is ready."""
    return {"status": "ok"}


@get("/health", media_type="text/plain")
async def health() -> str:
    """The original simulator's health check."""
    return "OK"


@get("/admin/faults")
async def show_faults(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The faults of every endpoint."""
    sim = _sim_of(request)
    return _json(sim.faults)


@put("/admin/faults/{endpoint:str}")
async def set_faults(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Replace the faults of one endpoint (or ``all``); answers every endpoint's faults."""
    sim = _sim_of(request)
    # Read from the request rather than declared as a parameter: this handler, not Litestar,
    # answers a bad one, with the problem document every other bad input gets.
    endpoint: str = request.path_params["endpoint"]
    targets: tuple[Endpoint, ...]
    if endpoint == ALL:
        targets = ENDPOINTS
    else:
        found = next((e for e in ENDPOINTS if e == endpoint), None)
        if found is None:
            names = ", ".join((*ENDPOINTS, ALL))
            return _problem(f"unknown endpoint {endpoint!r}; one of {names}", field="endpoint")
        targets = (found,)
    spec = _decode_faults(await request.body())
    if isinstance(spec, Response):
        return spec
    for target in targets:
        sim.faults[target] = spec
    log.info("faults on %s: %s", ", ".join(targets), msgspec.json.encode(spec).decode())
    return _json(sim.faults)


@delete("/admin/faults", status_code=200)
async def clear_faults(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Clear every fault; answers the (clean) faults."""
    sim = _sim_of(request)
    sim.faults = {e: FaultSpec() for e in ENDPOINTS}
    log.info("faults cleared")
    return _json(sim.faults)


@get("/admin/served")
async def show_served(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The ground truth: incidents served in successful answers, and counts per endpoint."""
    sim = _sim_of(request)
    kind = request.query_params.get("kind", "accidents")
    if kind != "accidents":
        return _problem(f"kind {kind!r} is not recorded; only 'accidents' is", field="kind")
    return _json(sim.served_report())


@delete("/admin/served", status_code=200)
async def reset_served(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Forget what was served and the counts; answers the empty report."""
    sim = _sim_of(request)
    sim.reset_served()
    return _json(sim.served_report())


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    served_capacity: int = DEFAULT_SERVED_CAPACITY,
) -> Litestar:
    """The simulator app over ``TrafficWorld(settings.simulator_seed)``.

    Args:
        settings: ``simulator_seed`` and ``simulator_keys`` are read.
        clock: the world's time (default: now in KST); fixed in tests for exact answers.
        served_capacity: how many distinct incidents the ground truth keeps.
    """
    sim = _Simulator(
        TrafficWorld(settings.simulator_seed),
        clock or now_kst,
        settings.simulator_keys,
        served_capacity,
    )

    return _SimulatorApp(
        sim,
        route_handlers=[
            real_time_sms,
            traffic_ic,
            traffic_amount,
            location_unit,
            api_traffic,
            healthz,
            health,
            show_faults,
            set_faults,
            clear_faults,
            show_served,
            reset_served,
        ],
        openapi_config=None,
        # An unknown path or method gets a problem document, like every other bad input here;
        # an unexpected failure is logged once and answered with a 500 problem.
        exception_handlers=exception_handlers("simulator"),
        # The service configures logging itself (trafficha.logs); Litestar must not replace it.
        logging_config=None,
    )


def _truncated(response: Response[bytes]) -> Response[bytes]:
    """The same answer cut in half: HTTP 200 and the right type, but not a whole document."""
    body = response.content
    return Response(body[: len(body) // 2], media_type=response.media_type)
