"""Polling a condition that nothing announces (a server's internal clock, another process)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable


async def eventually(
    condition: Callable[[], Awaitable[bool]], *, timeout: float, interval: float = 0.1
) -> None:
    """Return once ``condition()`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    for _ in itertools.count():
        if await condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)
