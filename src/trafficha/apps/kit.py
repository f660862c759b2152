"""The app kit: every trafficha HTTP service is a Litestar app built by :func:`build_app`.

The kit wires, once for every app, what each used to wire itself:

- **resources**: opened by the app's ``open(resources, state)`` in the app's lifespan, on one
  :class:`~contextlib.AsyncExitStack` (held on ``app.state`` as ``"resources"``), and closed in
  reverse order when the app stops, or when ``open`` fails half-way. ``open`` registers each
  resource as it makes it (``resources.push_async_callback(client.aclose)``,
  ``await resources.enter_async_context(...)``), so nothing needs an idempotent ``close``;
- **probes**: ``GET /healthz`` answers :class:`~trafficha.services.health.Health`
  (``{"status":"ok","service":name,"member":member}``) while the process runs; ``GET /readyz``
  answers the app's ``ready(state)`` verdict (a :class:`~trafficha.services.health.Readiness`):
  200 with its ``body``, or a 503 problem document with its ``detail``. Checks are bounded by
  the one :data:`~trafficha.services.health.READY_TIMEOUT` (run them with
  :func:`~trafficha.services.health.run_checks`). Without ``ready`` the app has nothing to wait
  for: ``/readyz`` answers the liveness body;
- ``GET /metrics``, when the app gives ``metrics(state)`` (Prometheus text, :mod:`.metrics`);
- **small answers** (:mod:`.compression`): on every GET, a strong ``ETag`` and ``304`` for a
  matching ``If-None-Match``, and gzip or brotli bodies where ``Accept-Encoding`` allows
  (never for an event stream, nor a body under a kilobyte);
- **who answered**: ``X-Served-By: <member>/<name>`` on every response, 404s and problems
  included (and documented in the OpenAPI schema when the app publishes one);
- **errors**: every error is an RFC 9457 problem document (:mod:`.problems`), a 500 naming the
  service (``label``) and never carrying a stack trace;
- Litestar's own logging stays off: the services configure logging (:mod:`trafficha.logs`).

Handlers are module-level functions that find what they need on ``app.state``: declare
``state: State`` (Litestar passes the app's state) and look the resource up by its key. The
app's own objects go in ``state=`` at build time; connections are made in ``open``.

Example::

    @get("/hello")
    async def hello(state: State) -> str:
        return await greeter_of(state).greet()


    async def open_greeter(resources: AsyncExitStack, state: State) -> None:
        greeter = greeter_of(state)
        await greeter.connect()
        resources.push_async_callback(greeter.close)


    async def greeter_ready(state: State) -> Readiness:
        return all_answer(await run_checks({"redis": greeter_of(state).ping}))


    def create_app(settings: Settings) -> Litestar:
        return build_app(
            "greeter",
            member=settings.member_name,
            route_handlers=[hello],
            state={"greeter": Greeter(settings)},
            open=open_greeter,
            ready=greeter_ready,
        )
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

import msgspec
from litestar import Litestar, MediaType, Response, get
from litestar.datastructures import ResponseHeader, State
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import BeforeMessageSendHookHandler, ControllerRouterHandler, Message, Scope

from trafficha.apps.compression import compressing
from trafficha.apps.metrics import METRICS_MEDIA
from trafficha.apps.problems import PROBLEM_MEDIA, Problem, exception_handlers, problem
from trafficha.services.health import Health, Readiness

__all__ = [
    "OPS_PATHS",
    "RESOURCES",
    "MetricsRenderer",
    "Opener",
    "ReadyCheck",
    "build_app",
]

Opener = Callable[[AsyncExitStack, State], Awaitable[None]]
"""Opens the app's resources on the stack (closed in reverse order at shutdown)."""
ReadyCheck = Callable[[State], Awaitable[Readiness]]
"""The app's readiness verdict, for ``/readyz``."""
MetricsRenderer = Callable[[State], Awaitable[str]]
"""The app's Prometheus exposition, for ``/metrics``."""

RESOURCES: Final = "resources"
"""Key of the open resources' :class:`~contextlib.AsyncExitStack` on ``app.state``."""
OPS_PATHS: Final = frozenset({"/healthz", "/readyz", "/metrics"})
"""The kit's routes (``/metrics`` only when the app renders metrics)."""

_KIT: Final = "kit"
# The schema's example member: any one shows the header's form.
_EXAMPLE_MEMBER: Final = "member1"
_NOT_READY: Final = ResponseSpec(
    Problem,
    description="Not ready: the detail names what does not answer",
    media_type=PROBLEM_MEDIA,
    generate_examples=False,
)


@dataclass(frozen=True, slots=True)
class _Kit:
    """What the kit's handlers and lifespan read from ``app.state``."""

    health: Health
    open: Opener | None
    ready: ReadyCheck | None
    metrics: MetricsRenderer | None


def _kit(state: State) -> _Kit:
    kit = state[_KIT]
    assert isinstance(kit, _Kit), "not an app of trafficha.apps.kit"
    return kit


def _any(response: Response[bytes]) -> Response[Any]:
    # Typed Any: the handler's annotation documents the 200 body, not the problem's bytes.
    return response


@get("/healthz", summary="Liveness", tags=["ops"])
async def _healthz(state: State) -> Health:
    return _kit(state).health


@get(
    "/readyz",
    summary="Readiness: what the service depends on answers",
    tags=["ops"],
    responses={503: _NOT_READY},
)
async def _readyz(state: State) -> Response[dict[str, Any]]:
    kit = _kit(state)
    if kit.ready is None:
        # Nothing to wait for: answering is being ready.
        return Response(msgspec.to_builtins(kit.health), media_type=MediaType.JSON)
    verdict = await kit.ready(state)
    if verdict.ready:
        return Response(verdict.body, media_type=MediaType.JSON)
    return _any(problem(503, verdict.detail))


@get("/metrics", summary="Prometheus metrics", tags=["ops"], media_type=METRICS_MEDIA)
async def _metrics(state: State) -> str:
    render = _kit(state).metrics
    assert render is not None, "registered only with a renderer"
    return await render(state)


async def _served_by(value: bytes, message: Message, _scope: Scope) -> None:
    if message["type"] == "http.response.start":
        message["headers"] = [*message.get("headers", ()), (b"x-served-by", value)]


@asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    kit = _kit(app.state)
    async with AsyncExitStack() as resources:
        app.state[RESOURCES] = resources
        if kit.open is not None:
            await kit.open(resources, app.state)
        yield


def build_app(
    name: str,
    *,
    member: str,
    route_handlers: Sequence[ControllerRouterHandler] = (),
    state: Mapping[str, object] | None = None,
    open: Opener | None = None,
    ready: ReadyCheck | None = None,
    metrics: MetricsRenderer | None = None,
    label: str | None = None,
    before_send: Sequence[BeforeMessageSendHookHandler] = (),
    openapi_config: OpenAPIConfig | None = None,
    app_class: type[Litestar] = Litestar,
) -> Litestar:
    """A trafficha app: the app's routes plus the kit's probes, resources, header and errors.

    Args:
        name: the service (``data-api``): in ``/healthz`` and ``X-Served-By``.
        member: the member it runs in: in ``/healthz`` and ``X-Served-By``.
        route_handlers: the app's own routes.
        state: the app's objects, put on ``app.state`` under their keys.
        open: opens the app's resources on the kit's exit stack, in the lifespan.
        ready: the ``/readyz`` verdict; none: always ready.
        metrics: the ``/metrics`` text; none: no ``/metrics``.
        label: the service in error details (``the data API failed``); default ``name``.
        before_send: the app's own ``before_send`` hooks, run after the kit's header.
        openapi_config: the app's schema; none: no schema.
        app_class: a :class:`~litestar.Litestar` subclass to build (one that takes Litestar's
            keyword arguments), for an app that answers some requests outside Litestar.
    """
    kit = _Kit(health=Health(service=name, member=member), open=open, ready=ready, metrics=metrics)
    handlers = [*route_handlers, _healthz, _readyz]
    if metrics is not None:
        handlers.append(_metrics)
    served_by = f"{member}/{name}".encode()
    return app_class(
        route_handlers=handlers,
        state=State({**(state or {}), _KIT: kit}),
        lifespan=[_lifespan],
        middleware=[compressing],
        before_send=[partial(_served_by, served_by), *before_send],
        response_headers=[
            ResponseHeader(
                name="X-Served-By",
                value=f"{_EXAMPLE_MEMBER}/{name}",
                documentation_only=True,
                description=f"<member>/{name} that answered (on every response)",
            )
        ],
        exception_handlers=exception_handlers(label or name),
        logging_config=None,
        openapi_config=openapi_config,
    )
