"""The whole local topology, real processes: kill member1 under load, nothing stops."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from tests.support.stack import running_stack, trafficha
from tests.support.wait import eventually
from trafficha.connections import redis_client
from trafficha.events import LeaderEvent, decode_event
from trafficha.topology.local import LocalStack
from trafficha.topology.processes import pid_alive

pytestmark = pytest.mark.integration

ENDPOINTS = (
    "/api/accidents/latest?limit=100",
    "/api/accidents/stats",
    "/api/tollgate/traffic",
    "/api/road/status",
    "/api/road/summary",
    "/api/tollgates",
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(tmp_path_factory.mktemp("failover") / "stack") as stack:
        yield stack


@pytest.fixture
async def redis(stack: LocalStack) -> AsyncIterator[aioredis.Redis]:
    client = redis_client(stack.settings())
    yield client
    await client.aclose()


def ingress(stack: LocalStack) -> str:
    return f"http://127.0.0.1:{stack.layout.ingress_port}"


class Load:
    """GETs through the ingress at a steady rate, every outcome counted."""

    def __init__(self, base: str, rate: float) -> None:
        self.base = base
        self.interval = 1 / rate
        self.outcomes: Counter[str] = Counter()
        self.served_by: Counter[str] = Counter()
        self.failures: list[str] = []
        self._stop = asyncio.Event()

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            tasks: set[asyncio.Task[None]] = set()
            n = 0
            while not self._stop.is_set():
                path = ENDPOINTS[n % len(ENDPOINTS)]
                task = asyncio.create_task(self._get(session, path))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1
                await asyncio.sleep(self.interval)  # pacing the load, not waiting for a state
            await asyncio.gather(*tasks)

    async def _get(self, session: aiohttp.ClientSession, path: str) -> None:
        try:
            async with session.get(self.base + path) as response:
                await response.read()
                self.outcomes[str(response.status)] += 1
                self.served_by[response.headers.get("X-Served-By", "?")] += 1
                if response.status != 200:
                    self.failures.append(f"{path}: HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.outcomes["error"] += 1
            self.failures.append(f"{path}: {exc!r}")

    def stop(self) -> None:
        self._stop.set()


async def next_leader(pubsub: Any, timeout: float) -> LeaderEvent:
    async with asyncio.timeout(timeout):
        async for message in pubsub.listen():
            if message["type"] == "message":
                event = decode_event(message["data"])
                if isinstance(event, LeaderEvent):
                    return event
    raise AssertionError("event channel closed")


async def test_data_of_every_kind_arrives_through_the_ingress(stack: LocalStack) -> None:
    async with aiohttp.ClientSession() as session:
        for path in ENDPOINTS:
            async with session.get(ingress(stack) + path) as response:
                assert response.status == 200, path
                body = await response.json()
                assert body, f"{path} is empty"
                assert "/gateway" in response.headers["X-Served-By"]
                assert "/data-api" in response.headers["X-Served-By"]


async def test_member1_dies_under_load_and_nothing_stops(
    stack: LocalStack, redis: aioredis.Redis
) -> None:
    keys = stack.keys()
    pubsub = redis.pubsub()
    await pubsub.subscribe(keys.events)
    try:
        holder: Any = await redis.hgetall(keys.holder)
        if not holder[b"holder"].startswith(b"member1/"):
            # Make member1 the leader, so its death costs the lease: restart member2.
            assert (
                trafficha(
                    "member", "kill", "member2", "--state-dir", str(stack.state_dir)
                ).returncode
                == 0
            )
            assert (await next_leader(pubsub, 10)).holder.startswith("member1/")
            assert (
                trafficha(
                    "member", "start", "member2", "--state-dir", str(stack.state_dir)
                ).returncode
                == 0
            )
        epoch = int((await redis.hgetall(keys.holder))[b"epoch"])

        load = Load(ingress(stack), rate=40)
        running = asyncio.create_task(load.run())
        await asyncio.sleep(2)  # load before the kill
        member1 = [s.process.pid() for s in stack.members["member1"]]
        killed = trafficha("member", "kill", "member1", "--state-dir", str(stack.state_dir))
        assert killed.returncode == 0
        killed_at = time.monotonic()
        assert not any(pid_alive(pid) for pid in member1 if pid is not None)

        leader = await next_leader(pubsub, 10)
        took = time.monotonic() - killed_at
        assert leader.holder.startswith("member2/")
        assert leader.epoch == epoch + 1
        assert took <= 5, f"collection resumed after {took:.1f} s"
        # Collection goes on: an entry from the new leader arrives.
        reply: Any = await redis.xread({keys.stream: "$"}, count=1, block=15_000)
        assert reply, "no collection after the takeover"
        assert int(reply[0][1][0][1][b"epoch"]) == leader.epoch

        # member1's pending entries are reclaimed by member2's processor.
        async def member1_pending() -> int:
            consumers: Any = await redis.xinfo_consumers(keys.stream, keys.group)
            return sum(
                int(c["pending"]) for c in consumers if c["name"].decode().startswith("member1")
            )

        async def reclaimed() -> bool:
            return await member1_pending() == 0

        # XAUTOCLAIM runs on the survivor's own clock (CLAIM_IDLE): poll for its effect.
        await eventually(reclaimed, timeout=20, interval=0.25)

        await asyncio.sleep(3)  # more load after the takeover
        load.stop()
        await running
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
    total = sum(load.outcomes.values())
    assert total >= 20 * (time.monotonic() - killed_at) / 2
    assert load.failures == [], load.failures[:5]
    # member2 served during the window (member1 served too, before the kill).
    assert any(k.startswith("member2/") for k in load.served_by)

    # member1 comes back and serves again.
    started = trafficha("member", "start", "member1", "--state-dir", str(stack.state_dir))
    assert started.returncode == 0, started.stderr
    seen: set[str] = set()
    async with aiohttp.ClientSession() as session:

        async def both_serve() -> bool:
            async with session.get(ingress(stack) + "/api/road/summary") as response:
                assert response.status == 200
                seen.add(response.headers["X-Served-By"].split("/", 1)[0])
            return seen == {"member1", "member2"}

        # HAProxy takes member1 back after two good health checks (about a second).
        await eventually(both_serve, timeout=15, interval=0.05)
    assert seen == {"member1", "member2"}
    status = json.loads(trafficha("status", "--json", "--state-dir", str(stack.state_dir)).stdout)
    assert all(p["pid"] for p in status["processes"]), status["processes"]


def test_down_leaves_nothing_running(tmp_path: Path) -> None:
    with running_stack(tmp_path / "stack") as stack:
        pids = [pid for _m, _p, proc in stack.processes() if (pid := proc.pid()) is not None]
        assert len(pids) == len(stack.processes())
        supervisor = stack.supervisor.pid()
        assert supervisor is not None
    assert not any(pid_alive(pid) for pid in [*pids, supervisor])
