"""Pipeline benchmark: records through the stream, one processor, into MariaDB.

Prints, from one run on this machine:
- throughput of trafficha's processor (multi-row upserts, one transaction per batch, ack after
  commit) and of a baseline written the way the original Go processor worked (XREADGROUP COUNT 1,
  one INSERT per row, autocommit), with their ratio;
- latency from XADD to committed, p50 and p99, at a paced load.

It starts its own redis-server and mariadbd on free loopback ports and stops them afterwards.

    .venv/bin/python bench/pipeline.py                     # 200,000 records, 30 % duplicates
    .venv/bin/python bench/pipeline.py --records 50000 --baseline-records 20000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiomysql
import redis.asyncio as aioredis

from trafficha.events import CommitEvent, decode_event
from trafficha.kst import now_kst
from trafficha.models import (
    Accident,
    AccidentBatch,
    RoadBatch,
    RoadStatus,
    StreamEntry,
    TollgateBatch,
    TollgateTraffic,
)
from trafficha.models.domain import Grade, summarize_routes
from trafficha.models.stream import Kind
from trafficha.services.processor import Processor
from trafficha.store import DedupStore
from trafficha.store.db import SESSION_OPTIONS
from trafficha.store.dedup import table_rows, upsert_statements
from trafficha.streams import StreamKeys, StreamProducer, decode_entry
from trafficha.streams.codec import record_count
from trafficha.topology.processes import free_port
from trafficha.topology.servers import MariaDBServer, RedisServer, new_password

T0 = now_kst().replace(microsecond=0)
GRADES: tuple[Grade, ...] = (1, 2, 3)


def make_accident(n: int) -> Accident:
    """A realistic incident row (sizes as KEC sends them)."""
    return Accident(
        incident_key=f"bench-{n:010d}",
        occurred_at=T0 - timedelta(seconds=n % 86_400),
        route_no="0010",
        route_name="경부선",
        direction="서울방향",
        type_code="01",
        type_name="사고",
        sms_text=f"[사고] 경부선 서울방향 신갈JC-수원IC {n % 4 + 1}차로 사고 처리중",
        process_code="1",
        process_name="처리중",
        point_name=f"신갈JC 부근({n % 400}.{n % 10}K)",
        lat=37.28 + (n % 100) / 10_000,
        lon=127.11 + (n % 100) / 10_000,
        late_length_km=(n % 30) / 10,
        lanes_blocked="NYNNNN",
        shoulder_blocked=False,
    )


def make_reading(n: int) -> RoadStatus:
    """A VDS reading: 8,000 detectors, one snapshot a minute."""
    return RoadStatus(
        vds_id=f"0010VDE{n % 8000:05d}",
        conzone_id=f"0010CZE{n % 8000 // 4:04d}",
        conzone_name="서울TG-신갈JC",
        route_no=f"{n % 40 * 10:04d}",
        route_name="경부선",
        direction="E",
        speed=40 + n % 70,
        traffic_amount=n % 90,
        share_ratio=n % 30,
        time_avg=30 + n % 200,
        grade=GRADES[n % 3],
        std_at=T0 - timedelta(minutes=n // 8000),
    )


def make_volume(n: int) -> TollgateTraffic:
    """A tollgate slot row: 400 tollgates x 24 combinations per 15-minute slot."""
    return TollgateTraffic(
        unit_code=f"{n % 400:03d}",
        unit_name="서울",
        ex_div_code="00",
        ex_div_name="도공",
        inout_type=str(n // 400 % 2),
        inout_name="입구",
        tm_type="2",
        tm_name="15분",
        tcs_type=str(1 + n // 800 % 2),
        tcs_name="hi-pass",
        car_type=str(1 + n // 1600 % 6),
        traffic_amount=n % 1500,
        slot_at=T0 - timedelta(minutes=15 * (n // 9600)),
    )


# Share of each kind in an hour of real collection: incidents every 10 s (~100 rows, mostly
# seen before), the VDS snapshot every 5 min (~8,000 rows), tollgates every 15 min (~5,000).
MIX: dict[Kind, float] = {"accidents": 0.24, "road": 0.63, "tollgate": 0.13}


def make_batches(
    records: int, batch_size: int, duplicates: float, mix: dict[Kind, float] = MIX
) -> list[StreamEntry]:
    """``records`` records in batches of one kind each, ``duplicates`` of them repeats."""
    rng = random.Random(7)
    batches: list[StreamEntry] = []
    for kind, share in mix.items():
        count = round(records * share)
        unique = max(1, round(count * (1 - duplicates)))
        keys = list(range(unique)) + [rng.randrange(unique) for _ in range(count - unique)]
        rng.shuffle(keys)
        for i in range(0, count, batch_size):
            chunk = keys[i : i + batch_size]
            envelope: dict[str, Any] = {
                "producer": "bench",
                "epoch": 1,
                "source": "sim",
                "fetched_at": now_kst(),
                "batch_id": uuid.uuid4().hex,
            }
            if kind == "accidents":
                batches.append(AccidentBatch(**envelope, records=tuple(map(make_accident, chunk))))
            elif kind == "tollgate":
                batches.append(TollgateBatch(**envelope, records=tuple(map(make_volume, chunk))))
            else:
                readings = tuple(map(make_reading, chunk))
                batches.append(
                    RoadBatch(
                        **envelope, records=readings, summaries=tuple(summarize_routes(readings))
                    )
                )
    rng.shuffle(batches)
    return batches


class Stack:
    """A redis-server and a mariadbd of the benchmark's own."""

    def __init__(self, base: Path) -> None:
        self.redis = RedisServer(base, free_port())
        self.mariadb = MariaDBServer(base, free_port())
        self.password = new_password()

    def __enter__(self) -> Stack:
        self.redis.start()
        self.mariadb.start()
        self.mariadb.ensure_user("bench", self.password)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.redis.stop()
        self.mariadb.stop()

    def create_database(self, name: str) -> None:
        with self.mariadb.admin() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")

    async def store(self, name: str) -> DedupStore:
        store = await DedupStore.open("127.0.0.1", self.mariadb.port, "bench", self.password, name)
        await store.migrate()
        return store


async def publish_all(redis: aioredis.Redis, keys: StreamKeys, batches: list[StreamEntry]) -> None:
    producer = StreamProducer(redis, keys, maxlen=1_000_000)
    await producer.ensure_group()
    for batch in batches:
        await producer.publish(batch)


async def run_ours(stack: Stack, batches: list[StreamEntry]) -> float:
    """Records per second of trafficha's processor draining the whole stream."""
    stack.create_database("ours")
    store = await stack.store("ours")
    redis = aioredis.Redis(port=stack.redis.port)
    keys = StreamKeys(stream="bench-ours", group="g")
    await publish_all(redis, keys, batches)
    processor = Processor(redis, keys, store, name="p1", batch_size=16)
    started = time.perf_counter()
    while processor.consumer.stats.handled < len(batches):
        await processor.consumer.read_new()
    elapsed = time.perf_counter() - started
    assert processor.consumer.stats.handled == len(batches)
    await store.close()
    await redis.aclose()
    return sum(record_count(b) for b in batches) / elapsed


async def run_baseline(stack: Stack, batches: list[StreamEntry]) -> float:
    """The original's way: one entry per read, one autocommitted INSERT per record, then XACK.

    The statements are the store's own upserts, one row each, so the difference measured is
    batching and transactions, not SQL.
    """
    stack.create_database("baseline")
    await (await stack.store("baseline")).close()  # the schema only
    redis = aioredis.Redis(port=stack.redis.port)
    keys = StreamKeys(stream="bench-baseline", group="g")
    await publish_all(redis, keys, batches)
    conn = await aiomysql.connect(
        host="127.0.0.1",
        port=stack.mariadb.port,
        user="bench",
        password=stack.password,
        db="baseline",
        **{**SESSION_OPTIONS, "autocommit": True},
    )
    started = time.perf_counter()
    records = 0
    async with conn.cursor() as cur:
        while True:
            reply: Any = await redis.xreadgroup("g", "c1", {keys.stream: ">"}, count=1)
            if not reply:
                break
            entry_id, fields = reply[0][1][0]
            for table, rows in table_rows(decode_entry(fields)):
                for row in rows:
                    ((sql, _n),) = upsert_statements(table, [row])
                    await cur.execute(sql)
                    records += 1
            await redis.xack(keys.stream, "g", entry_id)
    elapsed = time.perf_counter() - started
    conn.close()
    await redis.aclose()
    return records / elapsed


async def run_latency(stack: Stack, rate: int, seconds: float, batch_size: int) -> list[float]:
    """Milliseconds from XADD to commit per batch, publishing ``rate`` records/s."""
    stack.create_database("latency")
    store = await stack.store("latency")
    redis = aioredis.Redis(port=stack.redis.port)
    keys = StreamKeys(stream="bench-latency", group="g")
    producer = StreamProducer(redis, keys)
    await producer.ensure_group()
    processor = Processor(redis, keys, store, name="p1", batch_size=16)
    processor.consumer.block_ms = 100
    pubsub = redis.pubsub()
    await pubsub.subscribe(keys.events)
    sent: dict[str, float] = {}
    latencies: list[float] = []
    interval = batch_size / rate
    count = round(seconds / interval)
    batches = make_batches(count * batch_size, batch_size, 0.3)

    async def publish() -> None:
        start = time.perf_counter()
        for i, batch in enumerate(batches):
            await asyncio.sleep(max(0.0, start + i * interval - time.perf_counter()))
            sent[batch.batch_id] = time.perf_counter()
            await producer.publish(batch)

    async def collect() -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                event = decode_event(message["data"])
                if isinstance(event, CommitEvent):
                    latencies.append((time.perf_counter() - sent[event.batch_id]) * 1000)
                    if len(latencies) == len(batches):
                        return

    consumer = asyncio.create_task(processor.run())
    await asyncio.gather(publish(), asyncio.wait_for(collect(), timeout=seconds + 30))
    processor.stop()
    await consumer
    await pubsub.aclose()  # type: ignore[no-untyped-call]
    await store.close()
    await redis.aclose()
    return latencies


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(p) - 1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument(
        "--baseline-records",
        type=int,
        default=None,
        help="records for the baseline (default: --records)",
    )
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--duplicates", type=float, default=0.3)
    parser.add_argument("--rate", type=int, default=2000, help="paced records/s for latency")
    parser.add_argument("--seconds", type=float, default=10.0, help="paced run length")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="trafficha-bench-") as tmp, Stack(Path(tmp)) as stack:
        ours = await run_ours(stack, make_batches(args.records, args.batch_size, args.duplicates))
        base_n = args.baseline_records or args.records
        base = await run_baseline(stack, make_batches(base_n, args.batch_size, args.duplicates))
        latencies = await run_latency(stack, args.rate, args.seconds, 100)
    print(
        f"records: {args.records:,} ({args.duplicates:.0%} duplicates), "
        f"batches of {args.batch_size}"
    )
    print(f"trafficha processor : {ours:>10,.0f} records/s")
    print(f"baseline (original) : {base:>10,.0f} records/s  ({base_n:,} records)")
    print(f"ratio               : {ours / base:>10.1f}x")
    print(
        f"latency XADD->commit at {args.rate:,} records/s (batches of 100, "
        f"{len(latencies)} batches): p50 {percentile(latencies, 50):.1f} ms, "
        f"p99 {percentile(latencies, 99):.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
