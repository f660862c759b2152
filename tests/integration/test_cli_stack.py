"""`trafficha up --detach`, `status --json`, `member kill/start`, `audit` and `down` on a real
stack in a temporary state directory."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pymysql
import pytest
import redis.asyncio as aioredis

from trafficha.events import CommitEvent, decode_event
from trafficha.topology.local import DB_NAME, DB_USER, MEMBERS, LocalStack
from trafficha.topology.processes import free_port, pid_alive

pytestmark = pytest.mark.integration


def trafficha(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trafficha.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )


def status(state: Path) -> dict[str, dict[str, Any]]:
    out = json.loads(trafficha("status", "--json", "--state-dir", str(state)).stdout)
    return {f"{p['member']}/{p['name']}": p for p in out["processes"]}


async def next_commit(pubsub: aioredis.client.PubSub) -> CommitEvent:
    async with asyncio.timeout(30):
        async for message in pubsub.listen():
            if message["type"] == "message":
                event = decode_event(message["data"])
                if isinstance(event, CommitEvent):
                    return event
    raise AssertionError("the event channel closed")


async def test_up_status_kill_a_member_audit_down(tmp_path: Path) -> None:
    state = tmp_path / "stack"
    up = trafficha("up", "--detach", "--port", str(free_port()), "--state-dir", str(state))
    assert up.returncode == 0, up.stderr
    layout = LocalStack(state).layout
    redis = aioredis.Redis(port=layout.redis_port)
    pubsub = redis.pubsub()
    await pubsub.subscribe("traffic-stream:events")
    try:
        processes = status(state)
        assert set(processes) == {
            "central/redis-server",
            "central/mariadbd",
            "central/simulator",
            *(f"{m}/{m}-{s}" for m in MEMBERS for s in ("proxy", "processor", "collector")),
        }
        assert all(p["pid"] and pid_alive(p["pid"]) for p in processes.values())
        assert (state / "stack.json").stat().st_mode & 0o077 == 0  # holds the DB password
        # The service account works over TCP with the password from the layout.
        pymysql.connect(
            host="127.0.0.1",
            port=layout.mariadb_port,
            user=DB_USER,
            password=layout.db_password,
            database=DB_NAME,
        ).close()
        # Data flows from the simulator (playing KEC) through the proxies, the stream and the
        # processors into MariaDB: in auto mode the source is the real adapter.
        await next_commit(pubsub)
        source = json.loads(trafficha("mode", "--state-dir", str(state)).stdout)
        assert (source["mode"], source["active"]) == ("auto", "real")
        # A second `up` is idempotent: same pids.
        assert trafficha("up", "--detach", "--state-dir", str(state)).returncode == 0
        assert status(state) == processes

        # Kill member1 abruptly: its processes die, and data keeps being committed.
        assert trafficha("member", "kill", "member1", "--state-dir", str(state)).returncode == 0
        after_kill = status(state)
        assert after_kill["member1/member1-collector"]["pid"] is None
        assert after_kill["member1/member1-processor"]["pid"] is None
        assert not pid_alive(processes["member1/member1-collector"]["pid"])
        await next_commit(pubsub)
        assert trafficha("member", "start", "member1", "--state-dir", str(state)).returncode == 0
        assert status(state)["member1/member1-processor"]["pid"] is not None

        report = json.loads(trafficha("audit", "--json", "--state-dir", str(state)).stdout)
        assert report["ok"], report
        assert report["applied_batches"] >= 2
        assert report["lost"] == []
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await redis.aclose()
        down = trafficha("down", "--state-dir", str(state))
    assert down.returncode == 0, down.stderr
    assert all(p["pid"] is None for p in status(state).values())
