"""A minimal Litestar app serving the pipeline's data under routes of its own.

It opens a ``trafficha.DedupStore`` in its lifespan (the data API's read-only account is
enough) and answers from the library's read queries:

* ``GET /my/incidents?route=0010&type=사고&direction=서울방향&limit=20``: incidents seen in the
  last 24 h, newest first (``trafficha.latest_accidents``)
* ``GET /my/incidents/stats``: counts, total, today and by type (``trafficha.accident_stats``)
* ``GET /my/roads?route=0010``: each route's latest flow summary (``trafficha.road_summary``)

Answers are JSON with ISO 8601 times in KST (+09:00), as the queries return them. A bad query
parameter gets a 400 problem document (RFC 9457) whose ``invalid-params`` names it.

Against a local stack (``trafficha up --detach``)::

    eval "$(trafficha env --service data-api)"
    python examples/minimal_app.py --port 9000
    curl 'http://127.0.0.1:9000/my/incidents?route=0010&limit=5'
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from types import FrameType
from typing import Annotated, Any

import msgspec
import uvicorn
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import Parameter
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from trafficha import (
    ConfigError,
    DedupStore,
    RouteSummary,
    Settings,
    accident_stats,
    latest_accidents,
    load_settings,
    road_summary,
)

ROUTE = r"^[0-9]{4}$"

# Query parameters, validated by Litestar before a handler runs: a value that does not fit is a
# ValidationException, which ``bad_request`` below turns into the 400 problem.
RouteQuery = Annotated[str | None, Parameter(pattern=ROUTE, description="4 digits: 0010 경부선")]
Limit = Annotated[int, Parameter(ge=1, le=1000, description="how many, newest first")]
TypeQuery = Annotated[
    str | None, Parameter(query="type", min_length=1, max_length=50, description="사고, 고장 …")
]
DirectionQuery = Annotated[
    str | None, Parameter(min_length=1, max_length=50, description="as KEC words it: 서울방향")
]


class Incident(msgspec.Struct, frozen=True, kw_only=True):
    """What this app says about an incident: its own contract, picked from the stored record,
    so a new field in the library does not change this API."""

    key: str
    occurred_at: datetime
    last_seen_at: datetime
    route_no: str | None
    route_name: str
    direction: str
    type: str
    text: str
    status: str | None
    place: str | None
    lat: float | None
    lon: float | None


class IncidentStats(msgspec.Struct, frozen=True, kw_only=True):
    total: int
    today: int
    last_3h_by_type: dict[str, int]


def store_of(state: State) -> DedupStore:
    store: DedupStore = state.store
    return store


@get("/my/incidents")
async def incidents(
    store: DedupStore,
    route: RouteQuery = None,
    type_name: TypeQuery = None,
    direction: DirectionQuery = None,
    limit: Limit = 20,
) -> list[Incident]:
    rows = await latest_accidents(
        store, limit, route_no=route, type_name=type_name, direction=direction
    )
    return [
        Incident(
            key=row.incident_key,
            occurred_at=row.occurred_at,
            last_seen_at=row.last_seen_at,
            route_no=row.route_no,
            route_name=row.route_name,
            direction=row.direction,
            type=row.type_name,
            text=row.sms_text,
            status=row.process_name,
            place=row.point_name,
            lat=row.lat,
            lon=row.lon,
        )
        for row in rows
    ]


@get("/my/incidents/stats")
async def incident_stats(store: DedupStore) -> IncidentStats:
    stats = await accident_stats(store)
    return IncidentStats(total=stats.total, today=stats.today, last_3h_by_type=stats.by_type)


@get("/my/roads")
async def roads(store: DedupStore, route: RouteQuery = None) -> list[RouteSummary]:
    # The library's own struct, served as it is: per route, sections by grade and averages.
    return [s for s in await road_summary(store) if route is None or s.route_no == route]


def bad_request(exc: ValidationException) -> ProblemDetailsException:
    """A validation failure as RFC 9457 wants it: ``invalid-params`` names each parameter."""
    invalid = [
        {"name": str(item.get("key", "")), "reason": str(item.get("message", ""))}
        for item in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(item, dict)
    ]
    return ProblemDetailsException(
        status_code=400,
        title="Bad Request",
        detail="; ".join(f"{i['name']}: {i['reason']}" for i in invalid) or str(exc.detail),
        extra={"invalid-params": invalid},
    )


def create_app(settings: Settings) -> Litestar:
    @asynccontextmanager
    async def open_store(app: Litestar) -> AsyncIterator[None]:
        # One pool for the app's life; closed on shutdown (uvicorn runs this on SIGTERM/SIGINT).
        async with await DedupStore.from_settings(settings) as store:
            app.state.store = store
            yield

    def log_errors(exc: Exception, _scope: Any) -> None:
        # Bad requests are the client's business; anything else (MariaDB down …) is ours.
        if not isinstance(exc, HTTPException):
            logging.getLogger("minimal_app").error("request failed: %r", exc)

    return Litestar(
        route_handlers=[incidents, incident_stats, roads],
        dependencies={"store": Provide(store_of, sync_to_thread=False)},
        lifespan=[open_store],
        plugins=[
            ProblemDetailsPlugin(
                ProblemDetailsConfig(
                    # Every HTTP error is a problem document; validation errors get their names.
                    enable_for_all_http_exceptions=True,
                    exception_to_problem_detail_map={ValidationException: bad_request},
                )
            )
        ],
        after_exception=[log_errors],
        # Log through the root logger main() sets up, synchronously: Litestar's default queue
        # handler could lose the last lines when the process exits.
        logging_config=None,
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="A minimal app over the pipeline's read queries (settings from the env)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9000, help="port (default 9000)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"minimal_app: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # uvicorn handles SIGTERM and SIGINT itself: it stops accepting, finishes requests in
    # flight and runs the lifespan's shutdown, which closes the store. Then it raises the signal
    # again for the handler that was there before; this one makes that a normal exit.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stopped)
    try:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_config=None)
    except StoppedError:
        logging.getLogger("minimal_app").info("stopped")
    return 0


class StoppedError(Exception):
    """Raised by the signal uvicorn re-raises once it has shut down."""


def stopped(signum: int, _frame: FrameType | None) -> None:
    raise StoppedError(signal.Signals(signum).name)


if __name__ == "__main__":
    sys.exit(main())
