"""Clients of the central stores, built from settings.

Every client is bounded: a Redis client holds at most ``REDIS_MAX_CONNECTIONS`` connections
(a command waits up to ``REDIS_POOL_TIMEOUT`` for a free one rather than opening another), and
every MariaDB pool at most ``DB_POOL_MAX`` sessions (:meth:`trafficha.store.DedupStore.
from_settings`). docs/operations.md ("Connection budget") adds the bounds of a whole stack up
against the servers' limits; ``tests/unit/test_connection_budget.py`` checks that sum.
"""

from __future__ import annotations

from typing import Final

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

from trafficha.config import Settings
from trafficha.streams.keys import StreamKeys

__all__ = ["HEARTBEAT_MAX_CONNECTIONS", "HUB_MAX_CONNECTIONS", "redis_client", "stream_keys"]

HEARTBEAT_MAX_CONNECTIONS: Final = 2
"""Bound of the HTTP services' heartbeat client: one beat at a time, one spare for a reconnect."""
HUB_MAX_CONNECTIONS: Final = 4
"""Bound of a gateway's event-hub client: the log reader's blocking XREAD, the heartbeat look
every second, a shared hello read and a resume's log lookup (however many viewers wait)."""

# redis-py's own defaults for a client it builds (the pool given here replaces that client's).
_RETRIES: Final = 10
_RETRY_BASE: Final = 0.01
_RETRY_CAP: Final = 1.0


def redis_client(
    settings: Settings, *, max_connections: int | None = None, name: str | None = None
) -> aioredis.Redis:
    """A Redis client for the services, over a pool of at most ``max_connections``
    (``REDIS_MAX_CONNECTIONS`` by default) connections, each named ``name`` in ``CLIENT LIST``
    when given.

    The pool blocks: when every connection is in use a command waits up to
    ``REDIS_POOL_TIMEOUT`` for one to come back, then fails with a ``ConnectionError``; it never
    opens more. redis-py does not close idle pooled connections, so the bound is what keeps a
    burst from leaving connections behind. ``aclose()`` closes the pool with the client.

    The socket timeout stays above the consumer's 1 s XREADGROUP BLOCK, or blocking reads would
    time out client-side; retries ride over a Redis restart.
    """
    host, port = settings.redis_addr.rsplit(":", 1)
    password = settings.redis_password.reveal() if settings.redis_password else None
    pool = aioredis.BlockingConnectionPool(
        max_connections=max_connections or settings.redis_max_connections,
        timeout=settings.redis_pool_timeout.total_seconds(),
        host=host,
        port=int(port),
        password=password,
        socket_timeout=10,
        socket_connect_timeout=2,
        socket_keepalive=True,
        client_name=name,
        health_check_interval=5,
        retry=Retry(ExponentialWithJitterBackoff(base=_RETRY_BASE, cap=_RETRY_CAP), _RETRIES),
    )
    return aioredis.Redis.from_pool(pool)


def stream_keys(settings: Settings) -> StreamKeys:
    """The pipeline's key names from ``STREAM_KEY`` and ``STREAM_GROUP``."""
    return StreamKeys(stream=settings.stream_key, group=settings.stream_group)
