"""``/healthz`` and ``/readyz`` for the services that have no HTTP API of their own.

The collector and the processor are plain workers; a kubelet still needs something to probe.
With ``PROBE_PORT`` set, ``trafficha run collector|processor`` answers on it: liveness says the
worker task is still running, readiness says its stores answer. Answers have the same shape as
the HTTP services' (a JSON object, or an RFC 9457 problem document with 503).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Final

import msgspec
from aiohttp import web

from trafficha.apps.problems import PROBLEM_MEDIA, Problem

ReadinessCheck = Callable[[], Awaitable[bool]]

# A readiness check that takes longer than this counts as down: a kubelet's default probe
# timeout is 1 s, and a slow answer is as bad as none.
CHECK_TIMEOUT_S: Final = 0.8


def _problem(detail: str) -> web.Response:
    doc = Problem(
        type="about:blank",
        title=HTTPStatus.SERVICE_UNAVAILABLE.phrase,
        status=503,
        detail=detail,
    )
    return web.Response(body=msgspec.json.encode(doc), status=503, content_type=PROBLEM_MEDIA)


def _json(body: Mapping[str, object]) -> web.Response:
    return web.Response(body=msgspec.json.encode(body), content_type="application/json")


async def _check(check: ReadinessCheck) -> bool:
    try:
        return await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except (TimeoutError, OSError, ConnectionError):
        return False


def probe_app(
    *,
    service: str,
    member: str,
    alive: Callable[[], bool],
    checks: Mapping[str, ReadinessCheck],
) -> web.Application:
    """The probe endpoints of one worker.

    Args:
        service: the worker's name, echoed in answers.
        member: the member cluster it runs in.
        alive: whether the worker is still running (``False`` makes ``/healthz`` answer 503).
        checks: named readiness checks, each answering ``True`` when its dependency answers;
            one that raises a connection error or runs past ``CHECK_TIMEOUT_S`` counts as down.
    """

    async def healthz(_: web.Request) -> web.Response:
        if not alive():
            return _problem(f"the {service} has stopped")
        return _json({"status": "ok", "service": service, "member": member})

    async def readyz(_: web.Request) -> web.Response:
        results = await asyncio.gather(*(_check(c) for c in checks.values()))
        state = dict(zip(checks, results, strict=True))
        if alive() and all(results):
            return _json(state)
        down = [name for name, ok in state.items() if not ok] or [service]
        return _problem(f"not reachable: {', '.join(down)}")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


@contextlib.asynccontextmanager
async def serving_probes(app: web.Application, host: str, port: int) -> AsyncIterator[None]:
    """Serve ``app`` on ``host:port`` for the duration of the block."""
    # No access log: a kubelet probes every few seconds and the lines would drown the real ones.
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        yield
    finally:
        await runner.cleanup()
