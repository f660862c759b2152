"""Failover benchmark: member1-down, repeated, on a stack of its own.

Each round makes member1 the collector leader, puts a steady GET load on the ingress, SIGKILLs
member1's processes and measures:
- collection gap: from the kill to the first stream entry of the new leader;
- reclaim time: from the kill until no entry is pending on member1's consumers;
- failed requests under load during the round;
- lost and doubled records: the zero-loss audit (every produced batch applied exactly once) and
  incident rows per incident key.
Then member1 is started again. Prints median and max over the rounds, against the targets.

    .venv/bin/python bench/failover.py              # 5 rounds, ~3 minutes
    .venv/bin/python bench/failover.py --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pymysql
import redis.asyncio as aioredis

from trafficha.connections import redis_client
from trafficha.services.audit import audit_from_settings
from trafficha.topology.local import DB_NAME, DB_USER, LocalStack, answers, free_ingress_port

PATHS = (
    "/api/accidents/latest?limit=100",
    "/api/accidents/stats",
    "/api/tollgate/traffic",
    "/api/road/status",
    "/api/road/summary",
)


@dataclass
class Round:
    gap_s: float
    reclaim_s: float
    requests: int
    failed: int
    lost: int
    doubled: int


async def load(base: str, rate: float, stop: asyncio.Event, counts: dict[str, int]) -> None:
    """GETs at a steady rate until ``stop``; counts ok and failed."""

    async def one(session: aiohttp.ClientSession, path: str) -> None:
        try:
            async with session.get(base + path) as response:
                await response.read()
                counts["ok" if response.status == 200 else "failed"] += 1
        except (aiohttp.ClientError, TimeoutError):
            counts["failed"] += 1

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        tasks: set[asyncio.Task[None]] = set()
        n = 0
        while not stop.is_set():
            task = asyncio.create_task(one(session, PATHS[n % len(PATHS)]))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
            await asyncio.sleep(1 / rate)  # pacing
        await asyncio.gather(*tasks)


async def leader(redis: aioredis.Redis, stack: LocalStack) -> tuple[str, int]:
    raw: Any = await redis.hgetall(stack.keys().holder)
    return raw[b"holder"].decode(), int(raw[b"epoch"])


async def wait(condition: Any, timeout: float, interval: float = 0.05) -> float:
    """Seconds until ``await condition()`` holds (polled: other processes change it)."""
    started = time.monotonic()
    while not await condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError("condition not met")
        await asyncio.sleep(interval)
    return time.monotonic() - started


def doubled_incidents(stack: LocalStack) -> int:
    conn = pymysql.connect(
        host="127.0.0.1",
        port=stack.layout.mariadb_port,
        user=DB_USER,
        password=stack.layout.db_password,
        database=DB_NAME,
    )
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*) FROM (SELECT incident_key FROM traffic_accidents "
            "GROUP BY incident_key HAVING COUNT(*) > 1) d"
        )
        (count,) = cur.fetchone()
        return int(count)


async def one_round(stack: LocalStack, redis: aioredis.Redis, rate: float) -> Round:
    keys = stack.keys()
    holder, _ = await leader(redis, stack)
    if not holder.startswith("member1/"):
        # Make member1 the leader: restart member2's collector.
        collector = next(s for s in stack.members["member2"] if s.name == "collector")
        collector.process.kill()
        await wait(lambda: _leader_is(redis, stack, "member1/"), timeout=15)
        stack.start_member("member2")
    _, epoch = await leader(redis, stack)
    counts = {"ok": 0, "failed": 0}
    stop = asyncio.Event()
    loader = asyncio.create_task(
        load(f"http://127.0.0.1:{stack.layout.ingress_port}", rate, stop, counts)
    )
    await asyncio.sleep(1)  # load before the kill
    last: Any = await redis.xrevrange(keys.stream, count=1)
    after = last[0][0] if last else b"0"
    stack.kill_member("member1")

    async def new_entry() -> bool:
        reply: Any = await redis.xread({keys.stream: after}, count=10, block=100)
        return any(int(f[b"epoch"]) > epoch for _s, rows in reply or [] for _i, f in rows)

    async def reclaimed() -> bool:
        consumers: Any = await redis.xinfo_consumers(keys.stream, keys.group)
        return not any(
            int(c["pending"]) for c in consumers if c["name"].decode().startswith("member1")
        )

    # Both measured from the kill, side by side; a reclaim of ~0 s means member1 held nothing.
    gap, reclaim = await asyncio.gather(
        wait(new_entry, timeout=30, interval=0), wait(reclaimed, timeout=60, interval=0.05)
    )
    await asyncio.sleep(1)  # load after the takeover
    stop.set()
    await loader
    stack.start_member("member1")
    report = await audit_from_settings(stack.settings())
    return Round(
        gap,
        reclaim,
        counts["ok"] + counts["failed"],
        counts["failed"],
        len(report.lost) + len(report.miscounted),
        doubled_incidents(stack),
    )


async def _leader_is(redis: aioredis.Redis, stack: LocalStack, prefix: str) -> bool:
    raw: Any = await redis.hgetall(stack.keys().holder)
    return bool(raw) and raw[b"holder"].decode().startswith(prefix)


async def run(rounds: int, rate: float) -> list[Round]:
    with tempfile.TemporaryDirectory(prefix="trafficha-bench-failover-") as tmp:
        stack = LocalStack(Path(tmp) / "stack", ingress_port=free_ingress_port())
        try:
            stack.up(mode="sim")
            stack.wait_for_data()
            redis = redis_client(stack.settings())
            try:
                results = []
                for n in range(rounds):
                    results.append(await one_round(stack, redis, rate))
                    print(f"round {n + 1}: {results[-1]}")
                    gateway = f"http://127.0.0.1:{stack.layout.member_port('member1', 'gateway')}"
                    assert answers(gateway + "/healthz")
                return results
            finally:
                await redis.aclose()
        finally:
            stack.down()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rate", type=float, default=40.0, help="GETs per second under load")
    args = parser.parse_args()
    results = asyncio.run(run(args.rounds, args.rate))

    def line(name: str, values: list[float], unit: str, target: str) -> None:
        print(
            f"  {name:22} median {statistics.median(values):7.2f}{unit}  "
            f"max {max(values):7.2f}{unit}   target {target}"
        )

    print(f"member1-down x{len(results)}, load {args.rate:g} GET/s through the ingress:")
    line("collection gap", [r.gap_s for r in results], " s", "<= 5 s")
    line("reclaim time", [r.reclaim_s for r in results], " s", "(CLAIM_IDLE 5 s + a poll)")
    line("failed requests", [float(r.failed) for r in results], "  ", "0")
    line("lost batches", [float(r.lost) for r in results], "  ", "0")
    line("doubled incidents", [float(r.doubled) for r in results], "  ", "0")
    print(f"  requests per round: {statistics.median([r.requests for r in results]):.0f}")


if __name__ == "__main__":
    main()
