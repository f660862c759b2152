"""``/healthz`` and ``/readyz`` for the services that have no HTTP API of their own.

The collector and the processor are plain workers; a kubelet still needs something to probe.
With ``PROBE_PORT`` set, ``trafficha run collector|processor`` answers on it: liveness says the
worker task is still running, readiness says its stores answer. Answers have the same shape as
the HTTP services' (a JSON object, or an RFC 9457 problem document with 503).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping

import msgspec
from aiohttp import web

from trafficha.models.problem import PROBLEM_MEDIA, problem_document
from trafficha.services.health import Check, Health, all_answer, run_checks

__all__ = ["ReadinessCheck", "probe_app", "serving_probes"]

ReadinessCheck = Check


def _problem(detail: str) -> web.Response:
    body = msgspec.json.encode(problem_document(503, detail))
    return web.Response(body=body, status=503, content_type=PROBLEM_MEDIA)


def _json(body: object) -> web.Response:
    return web.Response(body=msgspec.json.encode(body), content_type="application/json")


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
            one that raises a connection error or runs past
            :data:`~trafficha.services.health.READY_TIMEOUT` counts as down.
    """

    health = Health(service=service, member=member)

    async def healthz(_: web.Request) -> web.Response:
        if not alive():
            return _problem(f"the {service} has stopped")
        return _json(health)

    async def readyz(_: web.Request) -> web.Response:
        verdict = all_answer(await run_checks(checks))
        if not verdict.ready:
            return _problem(verdict.detail)
        if not alive():
            # Every store may answer, yet a stopped worker serves nothing: name the worker.
            return _problem(f"not reachable: {service}")
        return _json(verdict.body)

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
