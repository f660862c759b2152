"""A background load for chaos experiments: GETs the original's five endpoints through the
ingress at a steady rate, counting outcomes into a JSON file (rewritten every second and at the
end). SIGTERM ends it early, the counts still written.

    python -m trafficha.chaos.load --url http://127.0.0.1:8080 --rate 20 --duration 30 --out F
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from trafficha.chaos.target import ENDPOINTS, write_json

__all__ = ["main"]


class _Load:
    def __init__(self, base: str, out: Path) -> None:
        self.base = base
        self.out = out
        self.ok = 0
        self.failed = 0
        self.errors: list[str] = []
        self.started = time.time()

    def write(self, *, done: bool) -> None:
        result: dict[str, Any] = {
            "url": self.base,
            "started_at": self.started,
            "updated_at": time.time(),
            "ok": self.ok,
            "failed": self.failed,
            "errors": self.errors[:20],
            "done": done,
        }
        write_json(self.out, result)

    async def get(self, session: aiohttp.ClientSession, path: str) -> None:
        try:
            async with session.get(self.base + path) as response:
                await response.read()
                if response.status == 200:
                    self.ok += 1
                    return
                self.errors.append(f"{path}: HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.errors.append(f"{path}: {exc!r}")
        self.failed += 1

    async def run(self, rate: float, duration: float) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        interval = 1 / rate
        end = time.monotonic() + duration
        next_write = time.monotonic() + 1
        tasks: set[asyncio.Task[None]] = set()
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            n = 0
            while not stop.is_set() and time.monotonic() < end:
                task = asyncio.create_task(self.get(session, ENDPOINTS[n % len(ENDPOINTS)]))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1
                if time.monotonic() >= next_write:
                    self.write(done=False)
                    next_write += 1
                # Pacing the load, not waiting for a state.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)
            await asyncio.gather(*tasks)
        self.write(done=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trafficha.chaos.load")
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    load = _Load(args.url.rstrip("/"), args.out)
    load.write(done=False)
    asyncio.run(load.run(args.rate, args.duration))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
