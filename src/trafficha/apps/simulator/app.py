"""The simulator app: one handler per registered dataset on its KEC path, the original's
``/api/traffic`` and ``/health``, and the fault and ground-truth admin API.

Its ``/healthz``, ``/readyz`` (always ready: it depends on nothing), lifespan, ``X-Served-By``
and problem documents come from the app kit (:mod:`trafficha.apps.kit`); its state is one
:class:`~.state.Simulator` on ``app.state``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import msgspec
from litestar import Litestar, Request, Response, delete, get, put
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler

from trafficha.apps.kit import build_app
from trafficha.apps.simulator.faults import (
    RAW_SEND,
    FaultSpec,
    decode_faults,
    json_response,
    problem_400,
)
from trafficha.apps.simulator.state import ENDPOINTS, TEXT_ENDPOINTS, Simulator
from trafficha.config import Settings
from trafficha.datasets.registry import ACCIDENTS, DATASETS, by_endpoint
from trafficha.datasets.spec import Dataset
from trafficha.errors import ConfigError
from trafficha.kst import now_kst
from trafficha.sim.replay import RecordingError, load_dir, recording_of
from trafficha.sim.world import TrafficWorld

log = logging.getLogger(__name__)

ALL: Final = "all"
DEFAULT_SERVED_CAPACITY: Final = 50_000
SERVICE: Final = "simulator"
STATE_KEY: Final = "simulator"
"""Where the app keeps its :class:`~.state.Simulator` on ``app.state``."""


class SimulatorApp(Litestar):
    """A Litestar app that remembers each request's raw ASGI ``send``
    (see :func:`~trafficha.apps.simulator.faults.drop`)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # Set before Litestar wraps ``send`` (the kit's header hook): "refuse" needs the
        # server's own, whose transport it closes.
        token = RAW_SEND.set(send)
        try:
            await super().__call__(scope, receive, send)
        finally:
            RAW_SEND.reset(token)


def sim_of(state: State) -> Simulator:
    """The app's :class:`~.state.Simulator`, for a handler that has the app's state."""
    sim = state[STATE_KEY]
    assert isinstance(sim, Simulator), "not the simulator's state"
    return sim


# --- handlers (each finds the simulator on its app's state) ---------------------------------------


def _dataset_handler(dataset: Dataset[Any]) -> HTTPRouteHandler:
    async def handler(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
        return await sim_of(state).serve_kec(request, dataset)

    handler.__doc__ = f"KEC {dataset.title} (``{dataset.feed.list_key}``)."
    return get(dataset.feed.path, name=f"kec-{dataset.endpoint}")(handler)


@get("/api/traffic")
async def api_traffic(state: State) -> Response[bytes]:
    """The original simulator's endpoint: every current incident, no key, no paging."""
    sim = sim_of(state)
    faulty = await sim.begin("accidents", as_xml=False)
    if faulty is not None:
        return faulty
    rows, incidents = sim.current_incidents()
    response = json_response({ACCIDENTS.feed.list_key: rows})
    return sim.finish("accidents", response, incidents)


@get("/health", media_type="text/plain")
async def health() -> str:
    """The original simulator's health check."""
    return "OK"


@get("/admin/faults")
async def show_faults(state: State) -> Response[bytes]:
    """The faults of every endpoint."""
    sim = sim_of(state)
    return json_response(sim.faults)


@put("/admin/faults/{endpoint:str}")
async def set_faults(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
    """Replace the faults of one endpoint (or ``all``); answers every endpoint's faults."""
    sim = sim_of(state)
    # Read from the request rather than declared as a parameter: this handler, not Litestar,
    # answers a bad one, with the problem document every other bad input gets.
    endpoint: str = request.path_params["endpoint"]
    targets: tuple[str, ...]
    if endpoint == ALL:
        targets = ENDPOINTS
    else:
        found = next((e for e in ENDPOINTS if e == endpoint), None)
        if found is None:
            names = ", ".join((*ENDPOINTS, ALL))
            return problem_400(f"unknown endpoint {endpoint!r}; one of {names}", field="endpoint")
        targets = (found,)
    spec = decode_faults(await request.body())
    if isinstance(spec, Response):
        return spec
    if spec.text is not None and not set(targets) & set(TEXT_ENDPOINTS):
        names = ", ".join((*TEXT_ENDPOINTS, ALL))
        return problem_400(f"text applies to {names} only, not {endpoint!r}", field="text")
    for target in targets:
        # The text goes where rows carry one; with `all` the other endpoints get the rest.
        keep = spec if target in TEXT_ENDPOINTS else msgspec.structs.replace(spec, text=None)
        sim.faults[target] = keep
    log.info("faults on %s: %s", ", ".join(targets), msgspec.json.encode(spec).decode())
    return json_response(sim.faults)


@delete("/admin/faults", status_code=200)
async def clear_faults(state: State) -> Response[bytes]:
    """Clear every fault; answers the (clean) faults."""
    sim = sim_of(state)
    sim.faults = {e: FaultSpec() for e in ENDPOINTS}
    log.info("faults cleared")
    return json_response(sim.faults)


@get("/admin/replay")
async def show_replay(state: State) -> Response[bytes]:
    """Which endpoints replay a recording instead of the world."""
    return json_response(sim_of(state).replay_report())


# A capture of KEC's whole tollgate feed (four slots of some 470 units) is beyond Litestar's
# default 10 MB; the admin API is for tests and operators, not strangers.
MAX_RECORDING_BYTES: Final = 200_000_000


@put("/admin/replay/{endpoint:str}", request_max_body_size=MAX_RECORDING_BYTES)
async def set_replay(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
    """Replay the recording in the body (a KEC answer or a bare array of rows) on one endpoint;
    answers which endpoints replay."""
    sim = sim_of(state)
    endpoint: str = request.path_params["endpoint"]
    if endpoint not in ENDPOINTS:
        names = ", ".join(ENDPOINTS)
        return problem_400(f"unknown endpoint {endpoint!r}; one of {names}", field="endpoint")
    source = request.query_params.get("source") or "upload"
    try:
        recording = recording_of(by_endpoint(endpoint), await request.body(), source)
    except RecordingError as exc:
        return problem_400(str(exc))
    sim.replays[endpoint] = recording
    sim.replay_dir = None
    log.info("replaying %s on %s (%d rows)", source, endpoint, len(recording.rows))
    return json_response(sim.replay_report())


@delete("/admin/replay", status_code=200)
async def clear_replay(state: State) -> Response[bytes]:
    """Back to the world on every endpoint; answers the (empty) replay report."""
    sim = sim_of(state)
    sim.replays.clear()
    sim.replay_dir = None
    log.info("replay stopped")
    return json_response(sim.replay_report())


@delete("/admin/replay/{endpoint:str}", status_code=200)
async def clear_one_replay(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
    """Back to the world on one endpoint."""
    sim = sim_of(state)
    endpoint: str = request.path_params["endpoint"]
    if endpoint not in ENDPOINTS:
        names = ", ".join(ENDPOINTS)
        return problem_400(f"unknown endpoint {endpoint!r}; one of {names}", field="endpoint")
    sim.replays.pop(endpoint, None)
    return json_response(sim.replay_report())


@get("/admin/served")
async def show_served(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
    """The ground truth: incidents served in successful answers, and counts per endpoint."""
    sim = sim_of(state)
    kind = request.query_params.get("kind", "accidents")
    if kind != "accidents":
        return problem_400(f"kind {kind!r} is not recorded; only 'accidents' is", field="kind")
    return json_response(sim.served_report())


@delete("/admin/served", status_code=200)
async def reset_served(state: State) -> Response[bytes]:
    """Forget what was served and the counts; answers the empty report."""
    sim = sim_of(state)
    sim.reset_served()
    return json_response(sim.served_report())


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    served_capacity: int = DEFAULT_SERVED_CAPACITY,
) -> Litestar:
    """The simulator app over ``TrafficWorld(settings.simulator_seed)``.

    Args:
        settings: ``simulator_seed``, ``simulator_keys``, ``simulator_replay_dir`` and
            ``member_name`` are read.
        clock: the world's time (default: now in KST); fixed in tests for exact answers.
        served_capacity: how many distinct incidents the ground truth keeps.

    Raises:
        ConfigError: ``SIMULATOR_REPLAY_DIR`` is set but its recordings cannot be replayed.
    """
    sim = Simulator(
        TrafficWorld(settings.simulator_seed),
        clock or now_kst,
        settings.simulator_keys,
        served_capacity,
    )
    if settings.simulator_replay_dir:
        try:
            sim.replays = load_dir(Path(settings.simulator_replay_dir))
        except RecordingError as exc:
            raise ConfigError(f"SIMULATOR_REPLAY_DIR: {exc}") from None
        sim.replay_dir = settings.simulator_replay_dir
        log.info("replaying %s", ", ".join(sorted(sim.replays)) or "nothing")

    return build_app(
        SERVICE,
        member=settings.member_name,
        route_handlers=[
            *(_dataset_handler(dataset) for dataset in DATASETS),
            api_traffic,
            health,
            show_faults,
            set_faults,
            clear_faults,
            show_served,
            reset_served,
            show_replay,
            set_replay,
            clear_replay,
            clear_one_replay,
        ],
        state={STATE_KEY: sim},
        app_class=SimulatorApp,
    )
