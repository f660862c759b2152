"""What a health probe answers, the same for every trafficha service.

Both the HTTP services (their ``/healthz`` and ``/readyz`` come from :mod:`trafficha.apps.kit`)
and the workers' probe app (:mod:`trafficha.services.probes`) answer with these:

- liveness: :class:`Health`, ``{"status": "ok", "service": ..., "member": ...}``;
- readiness: named checks run concurrently (:func:`run_checks`), each within the one
  :data:`READY_TIMEOUT`, judged into a :class:`Readiness`: 200 with its ``body``, or 503 with
  a problem document whose detail is its ``detail`` (``not reachable: db, redis``).

Framework-free on purpose: the Litestar kit and the aiohttp probes render the same verdict.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Literal

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError

__all__ = [
    "READY_TIMEOUT",
    "Check",
    "Health",
    "Readiness",
    "all_answer",
    "redis_answers",
    "run_checks",
]

# A check that takes longer than this counts as down: no manifest sets a probe timeout, so a
# kubelet gives up after its default 1 s, and an answer after that is as bad as none.
READY_TIMEOUT: Final = 0.8

Check = Callable[[], Awaitable[bool]]
"""One readiness check: ``True`` when its dependency answers."""


class Health(msgspec.Struct, frozen=True, kw_only=True):
    """The liveness answer: the process runs and says what it is."""

    status: Literal["ok"] = "ok"
    service: str
    member: str


class Readiness(msgspec.Struct, frozen=True, kw_only=True):
    """A readiness verdict: answered 200 with ``body`` when ``ready``, else 503 with ``detail``."""

    ready: bool
    body: dict[str, Any]
    detail: str


async def _bounded(check: Check) -> bool:
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            return await check()
    except (TimeoutError, OSError):
        # OSError covers ConnectionError: a dependency that refuses is simply down.
        return False


async def run_checks(checks: Mapping[str, Check]) -> dict[str, bool]:
    """Each check's result, run concurrently; one that raises a connection error or runs past
    :data:`READY_TIMEOUT` counts as down."""
    results = await asyncio.gather(*(_bounded(c) for c in checks.values()))
    return dict(zip(checks, results, strict=True))


def all_answer(results: Mapping[str, bool]) -> Readiness:
    """Ready when every check passed; the body is the results (``{"db": true, "redis": true}``)
    and the detail names the checks that failed."""
    down = [name for name, ok in results.items() if not ok]
    return Readiness(ready=not down, body=dict(results), detail=f"not reachable: {', '.join(down)}")


async def redis_answers(redis: aioredis.Redis) -> bool:
    """A readiness check: whether Redis answers a PING."""
    try:
        return bool(await redis.ping())
    except RedisError:
        return False
