"""``trafficha run SERVICE``: one service in the foreground, as a container runs it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Callable, Coroutine, Mapping
from functools import partial
from typing import Any, Final

import redis.asyncio as aioredis
import uvicorn

from trafficha.config import Settings
from trafficha.connections import HEARTBEAT_MAX_CONNECTIONS, redis_client, stream_keys
from trafficha.datasets.registry import DATASETS
from trafficha.providers.factory import build_provider
from trafficha.services.collector import Collector
from trafficha.services.heartbeat import heartbeating
from trafficha.services.probes import ReadinessCheck, probe_app, serving_probes
from trafficha.services.processor import Processor
from trafficha.services.protocol import ProblemHttpProtocol
from trafficha.store import DedupStore

log = logging.getLogger(__name__)

LISTEN_BACKLOG: Final = 4096


def _ms(settings_value: Any) -> int:
    return int(settings_value.total_seconds() * 1000)


async def _until_signalled(
    run: Coroutine[Any, Any, None],
    stop: Callable[[], None],
    *,
    settings: Settings,
    redis: aioredis.Redis,
    service: str,
    checks: Mapping[str, ReadinessCheck],
) -> None:
    """Run until SIGTERM or SIGINT, beating the service's heartbeat meanwhile and, with
    ``PROBE_PORT`` set, answering a kubelet's probes."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    worker = asyncio.ensure_future(run)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(
            heartbeating(
                redis,
                stream_keys(settings),
                member=settings.member_name,
                service=service,
                port=None,
            )
        )
        if settings.probe_port is not None:
            app = probe_app(
                service=service,
                member=settings.member_name,
                alive=lambda: not worker.done(),
                checks=checks,
            )
            await stack.enter_async_context(serving_probes(app, settings.host, settings.probe_port))
        await worker


async def _redis_answers(redis: aioredis.Redis) -> bool:
    try:
        return bool(await redis.ping())
    except aioredis.RedisError:
        return False


async def run_collector(settings: Settings) -> None:
    redis = redis_client(settings)
    provider = await build_provider(settings, redis, stream_keys(settings))
    holder = f"{settings.member_name}/collector-{socket.gethostname()}-{os.getpid()}"
    collector = Collector(
        redis,
        stream_keys(settings),
        provider,
        holder=holder,
        intervals={d.kind: d.interval(settings).total_seconds() for d in DATASETS},
        lease_ttl_ms=_ms(settings.lease_ttl),
        maxlen=settings.stream_maxlen,
    )
    try:
        await _until_signalled(
            collector.run(),
            collector.stop,
            settings=settings,
            redis=redis,
            service="collector",
            checks={"redis": partial(_redis_answers, redis)},
        )
    finally:
        await provider.aclose()
        await redis.aclose()


async def run_processor(settings: Settings) -> None:
    redis = redis_client(settings)
    async with await DedupStore.from_settings(settings) as store:
        await store.migrate()
        name = settings.consumer_name or f"{settings.member_name}-{socket.gethostname()}"
        processor = Processor(
            redis,
            stream_keys(settings),
            store,
            name=name,
            claim_idle_ms=_ms(settings.claim_idle),
            max_deliveries=settings.max_deliveries,
        )
        try:
            await _until_signalled(
                processor.run(),
                processor.stop,
                settings=settings,
                redis=redis,
                service="processor",
                checks={"redis": partial(_redis_answers, redis), "mariadb": store.ping},
            )
        finally:
            await redis.aclose()


async def serve_app(app: Any, settings: Settings, *, heartbeat: str | None = None) -> None:
    """Serve an ASGI app on HOST:PORT until SIGTERM or SIGINT, which stop it gracefully; a
    member's service beats its heartbeat meanwhile."""
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        loop="uvloop",
        # httptools, with its own 400 answered as a problem document like every other error.
        http=ProblemHttpProtocol,
        # A failover sends thousands of viewers back within seconds: queue their connects.
        backlog=LISTEN_BACKLOG,
        # No "server: uvicorn": what runs behind a port is nobody's business.
        server_header=False,
        # Open event streams never end by themselves: don't wait on them at shutdown.
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    if heartbeat is None:
        await server.serve()
        return
    redis = redis_client(settings, max_connections=HEARTBEAT_MAX_CONNECTIONS)
    try:
        async with heartbeating(
            redis,
            stream_keys(settings),
            member=settings.member_name,
            service=heartbeat,
            port=settings.port,
        ):
            await server.serve()
    finally:
        await redis.aclose()


WORKERS: dict[str, Callable[[Settings], Coroutine[Any, Any, None]]] = {
    "collector": run_collector,
    "processor": run_processor,
}
"""The services that are workers (no HTTP app of their own but their probes)."""
