"""One odd row never empties a feed: the collector publishes the good rows, counts the bad ones
per dataset and reason in Redis, keeps a bounded sample, and ``trafficha dead quarantine``
shows it (issue 14, point 3)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

import pytest
import redis.asyncio as aioredis

from trafficha.datasets.registry import ROAD_STATUS
from trafficha.datasets.spec import Dataset
from trafficha.models.quarantine import Parsed
from trafficha.services.collector import Collector
from trafficha.services.freshness import last_collections
from trafficha.streams import StreamKeys
from trafficha.streams.codec import decode_entry
from trafficha.streams.quarantine import (
    SAMPLE_PER_COLLECTION,
    quarantine_counts,
    quarantined_rows,
)
from trafficha.topology.servers import RedisServer

pytestmark = pytest.mark.integration

# A well-formed road row, as the recorded answer in the fixtures has it.
FIXTURE = Path(__file__).parents[1] / "fixtures" / "kec" / "traffic_amount_by_realtime.json"
GOOD: dict[str, Any] = json.loads(FIXTURE.read_bytes())["list"][0]


def body(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps({"code": "SUCCESS", "count": len(rows), "list": rows}).encode()


class Recorded:
    """Answers every fetch with the dataset's parse of fixed KEC bytes, as a real adapter does."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    @property
    def source(self) -> Literal["real"]:
        return "real"

    async def fetch(self, dataset: Dataset[Any]) -> Parsed[Any]:
        return dataset.parse(self.payload)

    async def aclose(self) -> None:
        return None


async def leader(redis: aioredis.Redis, keys: StreamKeys, payload: bytes) -> Collector:
    collector = Collector(
        redis,
        keys,
        Recorded(payload),
        holder="member1/collector-q",
        intervals={"road": 60.0},
        lease_ttl_ms=5000,
    )
    await collector.producer.ensure_group()
    assert await collector.lease.try_acquire()
    return collector


async def test_bad_rows_are_quarantined_and_the_rest_published(
    redis_client: aioredis.Redis, redis_server: RedisServer, namespace: str
) -> None:
    keys = StreamKeys(stream=f"{namespace}:stream", group=f"{namespace}:group")
    rows = [
        GOOD,
        {**GOOD, "vdsId": "0010VDE00200", "grade": "4"},
        {**GOOD, "vdsId": "0010VDE00300", "updownTypeCode": "U"},
        {**GOOD, "vdsId": "0010VDE00400", "trafficAmout": "3000000000"},
        {**GOOD, "vdsId": "0010VDE00500", "speed": "33"},
    ]
    collector = await leader(redis_client, keys, body(rows))

    batch = await collector.collect(ROAD_STATUS.kind)
    assert batch is not None
    assert [r.vds_id for r in batch.records] == ["0010VDE00100", "0010VDE00500"]
    entries: Any = await redis_client.xrange(keys.stream)
    [(_, fields)] = entries
    assert len(decode_entry(fields).records) == 2
    assert (await last_collections(redis_client, keys))["road"].records == 2

    await collector.collect(ROAD_STATUS.kind)  # the same answer again: counts add up
    counts = {(c.dataset, c.reason): c.rows for c in await quarantine_counts(redis_client, keys)}
    assert counts == {
        ("road", "grade … is not 0..3"): 2,
        ("road", "updownTypeCode … is not S or E"): 2,
        ("road", "trafficAmout … is out of range 0..2147483647"): 2,
    }
    sample = await quarantined_rows(redis_client, keys)
    assert [(r.dataset, r.page, r.row) for r in sample] == [
        ("road", 1, 1),
        ("road", 1, 2),
        ("road", 1, 3),
    ] * 2
    assert sample[0].producer == "member1/collector-q"
    assert "0010VDE00200" in sample[0].excerpt
    assert await quarantined_rows(redis_client, keys, "accidents") == []

    # The operator's view of the same sample, through the CLI (settings from the environment).
    env = {
        **os.environ,
        "REDIS_ADDR": redis_server.addr,
        "REDIS_PASSWORD": redis_server.password or "",
        "STREAM_KEY": keys.stream,
        "STREAM_GROUP": keys.group,
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    command = [sys.executable, "-m", "trafficha.cli", "dead", "quarantine", "--dataset", "road"]
    state = ["--state-dir", "/nonexistent/no-stack"]
    done = await asyncio.to_thread(
        subprocess.run, [*command, *state], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.count("page 1 row 2  updownTypeCode … is not S or E") == 2
    assert done.stdout.endswith("6 quarantined rows kept (the latest; counts: status)\n")
    listed = await asyncio.to_thread(
        subprocess.run,
        [*command, "--json", *state],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert [r["reason"] for r in json.loads(listed.stdout)][:3] == [s.reason for s in sample[:3]]


async def test_a_feed_whose_every_row_is_quarantined_is_a_failed_collection(
    redis_client: aioredis.Redis, namespace: str
) -> None:
    keys = StreamKeys(stream=f"{namespace}:stream", group=f"{namespace}:group")
    rows = [{**GOOD, "vdsId": f"0010VDE{n:05d}", "grade": "9"} for n in range(50)]
    collector = await leader(redis_client, keys, body(rows))

    assert await collector.collect(ROAD_STATUS.kind) is None
    assert await redis_client.xlen(keys.stream) == 0
    failed = (await last_collections(redis_client, keys))["road"]
    assert not failed.ok
    assert failed.error == "all 50 rows quarantined (grade … is not 0..3)"
    [count] = await quarantine_counts(redis_client, keys)
    assert count.rows == 50
    # The sample stays bounded per collection: one broken format does not flush it.
    assert len(await quarantined_rows(redis_client, keys)) == SAMPLE_PER_COLLECTION
