"""Clients of the central stores, built from settings."""

from __future__ import annotations

import redis.asyncio as aioredis

from trafficha.config import Settings
from trafficha.streams.keys import StreamKeys


def redis_client(settings: Settings) -> aioredis.Redis:
    """A Redis client for the services.

    The socket timeout stays above the consumer's 1 s XREADGROUP BLOCK, or blocking reads would
    time out client-side; retries ride over a Redis restart.
    """
    host, port = settings.redis_addr.rsplit(":", 1)
    password = settings.redis_password.reveal() if settings.redis_password else None
    return aioredis.Redis(
        host=host,
        port=int(port),
        password=password,
        socket_timeout=10,
        socket_connect_timeout=2,
        health_check_interval=5,
    )


def stream_keys(settings: Settings) -> StreamKeys:
    """The pipeline's key names from ``STREAM_KEY`` and ``STREAM_GROUP``."""
    return StreamKeys(stream=settings.stream_key, group=settings.stream_group)
