"""The backup and restore procedures of docs/operations.md, and the dead-letter replay of
docs/stream.md, run as documented against real servers.

The shell blocks marked ``<!-- test: NAME -->`` are run by bash as they are written, except for
the lines that control a whole local stack (``.venv/bin/trafficha …``, ``eval …``) and the
assignments of ``STATE`` and ``BACKUP``: the test starts and stops its own servers, under state
directories laid out as a stack's (``$STATE/central/redis`` for Redis, the MariaDB socket in
``$STATE/central/run``), and passes the variables ``trafficha env`` would export.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pymysql
import pytest
import redis.asyncio as aioredis

from tests.conftest import Database, scratch_database
from tests.support.records import (
    accident,
    accident_batch,
    road_batch,
    road_row,
    tollgate_batch,
    tollgate_row,
)
from trafficha.models.stream import SCHEMA_VERSION, StreamEntry
from trafficha.services.audit import audit
from trafficha.services.processor import Processor
from trafficha.store import DedupStore
from trafficha.streams.codec import encode_entry
from trafficha.streams.consumer import StreamConsumer
from trafficha.streams.keys import StreamKeys
from trafficha.streams.producer import StreamProducer
from trafficha.topology.processes import free_port
from trafficha.topology.servers import MariaDBServer, RedisServer, new_password

pytestmark = pytest.mark.integration

DOCS = Path(__file__).resolve().parents[2] / "docs"
# Lines a test cannot run: they start or stop a whole local stack, or set what the test sets.
STACK_LINE = re.compile(r"(\.venv/bin/trafficha |eval |STATE=|BACKUP=)")
KEYS = StreamKeys()  # the stack's names: each test has Redis servers of its own
DATA_TABLES = {
    "traffic_accidents": "incident_key",
    "tollgate_traffic_history": "unit_code, slot_at, inout_type, tcs_type, car_type",
    "road_traffic_status": "vds_id, std_at",
    "road_route_summary": "route_no, collected_at",
    "tollgates": "unit_code",
    "batch_ledger": "batch_id",
    "schema_migrations": "version",
}


def documented(page: str, name: str) -> str:
    """A marked code block of a docs page."""
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks: dict[str, str] = dict(
        re.findall(r"<!-- test: ([\w-]+) -->\n```\w+\n(.*?)```", text, re.S)
    )
    return blocks[name]


def run(argv: list[str], env: dict[str, str]) -> str:
    """Run a command to its end (called in a thread: the event loop stays free); its stdout."""
    result = subprocess.run(
        argv,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{argv[:2]}: {result.stderr}"
    return result.stdout


async def run_blocks(names: Sequence[str], env: dict[str, str]) -> str:
    """Run operations.md's setup block, then ``names``, in one bash, as a reader would."""
    lines = [
        line
        for name in ("setup", *names)
        for line in documented("operations.md", name).splitlines()
        if not STACK_LINE.match(line)
    ]
    return await asyncio.to_thread(run, ["bash", "-e", "-u", "-c", "\n".join(lines)], env)


def shell_env(
    state: Path, backup: Path, redis: RedisServer | None = None, db: Database | None = None
) -> dict[str, str]:
    """What ``trafficha env`` exports for a stack, for these servers (empty for the others)."""
    env = {"STATE": str(state), "BACKUP": str(backup)}
    env |= dict.fromkeys(
        ("REDIS_ADDR", "REDIS_PASSWORD", "DB_HOST", "DB_USER", "DB_PASSWORD", "DB_NAME"), ""
    )
    if redis is not None:
        env |= {"REDIS_ADDR": redis.addr, "REDIS_PASSWORD": redis.password or ""}
    if db is not None:
        env |= db.env()
    return env


@asynccontextmanager
async def redis_at(state: Path) -> AsyncIterator[tuple[RedisServer, aioredis.Redis]]:
    """A redis-server as a stack runs it (AOF, a password), under ``state/central``."""
    server = RedisServer(state / "central", free_port(), password=new_password())
    server.start()
    client = aioredis.Redis(host="127.0.0.1", port=server.port, password=server.password)
    try:
        yield server, client
    finally:
        await client.aclose()
        server.stop()


async def publish(redis: aioredis.Redis, *batches: StreamEntry) -> None:
    producer = StreamProducer(redis, KEYS)
    await producer.ensure_group()
    for batch in batches:
        await producer.publish(batch)


async def redis_state(redis: aioredis.Redis) -> dict[str, Any]:
    """What a restore must bring back: entries, the group and its pending entries, ledgers."""
    groups: Any = await redis.xinfo_groups(KEYS.stream)
    pending: Any = await redis.xpending_range(KEYS.stream, KEYS.group, min="-", max="+", count=100)
    return {
        "entries": await redis.xrange(KEYS.stream),
        "groups": [
            {k: g[k] for k in ("name", "consumers", "pending", "last-delivered-id")} for g in groups
        ],
        "pending": [(p["message_id"], p["consumer"], p["times_delivered"]) for p in pending],
        "produced": await redis.hgetall(KEYS.produced),
        "epoch": await redis.get(KEYS.epoch),
        "dead": await redis.xrange(KEYS.dead),
    }


@pytest.mark.parametrize(
    ("backup", "restore"),
    [("backup-redis-aof", "restore-redis-aof"), ("backup-redis-rdb", "restore-redis-rdb")],
)
async def test_a_redis_backup_restores_the_stream_group_and_ledgers(
    tmp_path: Path, backup: str, restore: str
) -> None:
    backups = tmp_path / "backup"
    async with redis_at(tmp_path / "live") as (server, redis):
        await publish(
            redis,
            accident_batch([accident(i) for i in range(20)]),
            tollgate_batch([tollgate_row(i) for i in range(50)]),
            road_batch([road_row(i) for i in range(30)]),
        )
        await redis.incr(KEYS.epoch)
        # One entry delivered and acknowledged, one delivered and left pending.
        delivered: Any = await redis.xreadgroup(
            KEYS.group, "member1-test", {KEYS.stream: ">"}, count=2
        )
        await redis.xack(KEYS.stream, KEYS.group, delivered[0][1][0][0])
        await redis.xadd(KEYS.dead, {"origin_id": "0-1", "reason": "test", "v": "1"})
        before = await redis_state(redis)

        await run_blocks([backup], shell_env(tmp_path / "live", backups, redis=server))

        # Written after the backup: not in the restore.
        await publish(redis, accident_batch([accident(99)]))
        if backup == "backup-redis-aof":
            config: Any = await redis.config_get("auto-aof-rewrite-percentage")
            assert config["auto-aof-rewrite-percentage"] == "100"  # set back by the block

    restored_state = tmp_path / "restored"
    await run_blocks([restore], shell_env(restored_state, backups))
    async with redis_at(restored_state) as (_, restored):
        after = await redis_state(restored)
        assert after == before
        assert len(after["entries"]) == 3
        assert after["pending"][0][2] == 1  # delivery counts survive too
        # The restored server keeps its AOF going: a write survives its own restart.
        assert await restored.config_get("appendonly") == {"appendonly": "yes"}


def table_rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the data tables, the ledger and the migrations, in key order, without the
    surrogate ids and the times the database set on its own."""
    rows = {}
    with (
        pymysql.connect(
            host=db.host, port=db.port, user=db.user, password=db.password, database=db.name
        ) as conn,
        conn.cursor() as cur,
    ):
        for table, order in DATA_TABLES.items():
            cur.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                (db.name, table),
            )
            skip = {"id", "applied_at"}
            columns = [c for (c,) in cur.fetchall() if c not in skip]
            cur.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
            rows[table] = list(cur.fetchall())
    return rows


async def open_store(db: Database) -> DedupStore:
    return await DedupStore.open(db.host, db.port, db.user, db.password, db.name)


async def drain(processor: Processor) -> None:
    """Apply everything the group has not delivered yet."""
    processor.consumer.block_ms = 10
    while await processor.consumer.read_new():
        pass


@pytest.fixture
def restore_target(
    mariadb_server: MariaDBServer, db_account: tuple[str, str], namespace: str
) -> Iterator[Database]:
    """A second, empty database: where the dump is restored."""
    with scratch_database(mariadb_server, db_account, f"{namespace}_restored") as db:
        yield db


async def test_a_mariadb_dump_restores_and_the_rewind_fills_the_gap(
    tmp_path: Path,
    mariadb_server: MariaDBServer,
    database: Database,
    restore_target: Database,
) -> None:
    state, backups = tmp_path / "stack", tmp_path / "backup"
    # The stack's MariaDB socket, where the documented restore looks for it.
    (state / "central" / "run").mkdir(parents=True)
    (state / "central" / "run" / "mariadb.sock").symlink_to(mariadb_server.socket)
    first = accident_batch([accident(i) for i in range(40)])
    second = tollgate_batch([tollgate_row(i) for i in range(60)])
    third = road_batch([road_row(i, grade=1 + i % 3) for i in range(25)])

    async with redis_at(state) as (server, redis):
        source = await open_store(database)
        try:
            await source.migrate()
            processor = Processor(redis, KEYS, source, name="member1-test")
            await publish(redis, first, second)
            await drain(processor)

            await run_blocks(["backup-mariadb"], shell_env(state, backups, db=database))
            at_dump = table_rows(database)
            assert len(at_dump["batch_ledger"]) == 2

            # Applied after the dump: in Redis, acknowledged, missing from the dump.
            await publish(redis, third)
            await drain(processor)
        finally:
            await source.close()
        final = table_rows(database)
        assert len(final["batch_ledger"]) == 3

        await run_blocks(
            ["restore-mariadb"], shell_env(state, backups, redis=server, db=restore_target)
        )
        restored = table_rows(restore_target)
        assert restored == at_dump

        target = await open_store(restore_target)
        try:
            # Before the processors run again the third batch is missing; the audit calls it
            # in flight (its entry is still in the stream), not lost.
            report = await audit(redis, KEYS, target)
            assert report.in_flight == (third.batch_id,)
            assert not report.lost
            # The documented rewind re-delivered the whole stream: the first two batches are
            # ledger hits, the third is applied.
            await drain(Processor(redis, KEYS, target, name="member1-test"))
            report = await audit(redis, KEYS, target)
            assert report.ok
            assert report.applied_batches == 3
            assert not report.in_flight
        finally:
            await target.close()
        assert table_rows(restore_target) == final


async def test_dead_letters_are_listed_and_replayed_by_trafficha_dead(tmp_path: Path) -> None:
    good = accident_batch([accident(i) for i in range(5)])
    newer = tollgate_batch([tollgate_row(1)])
    handled: list[StreamEntry] = []
    broken = True

    async def handler(batch: StreamEntry) -> None:
        if broken:
            raise RuntimeError("a bug, fixed in the next release")
        handled.append(batch)

    async with redis_at(tmp_path / "stack") as (server, redis):
        await publish(redis, good)
        # An entry of a schema version this consumer does not read, as a newer producer writes.
        newer_entry: dict[Any, Any] = {**encode_entry(newer), "v": SCHEMA_VERSION + 1}
        await redis.xadd(KEYS.stream, newer_entry)
        consumer = StreamConsumer(redis, KEYS, "member1-test", handler, max_deliveries=1)
        consumer.block_ms = 10
        await consumer.read_new()
        dead: Any = await redis.xrange(KEYS.dead)
        reasons = {f[b"batch"]: f[b"reason"].decode() for _, f in dead}
        assert reasons == {
            good.batch_id.encode(): (
                "delivered 1 times; last error: RuntimeError: a bug, fixed in the next release"
            ),
            newer.batch_id.encode(): (
                f"unknown schema version '{SCHEMA_VERSION + 1}' "
                f"(this consumer reads {SCHEMA_VERSION})"
            ),
        }
        assert await redis.xpending(KEYS.stream, KEYS.group) == {
            "pending": 0,
            "min": None,
            "max": None,
            "consumers": [],
        }

        broken = False  # the fix is deployed
        env = {
            "REDIS_ADDR": server.addr,
            "REDIS_PASSWORD": server.password or "",
            "PYTHONPATH": os.pathsep.join(sys.path),
        }
        trafficha = [sys.executable, "-m", "trafficha.cli", "dead"]
        state = ["--state-dir", str(tmp_path / "no-stack")]  # settings from the environment
        listed = json.loads(await asyncio.to_thread(run, [*trafficha, "--json", *state], env))
        assert {(d["batch_id"], d["reason"]) for d in listed} == {
            (k.decode(), v) for k, v in reasons.items()
        }
        # Naming one that is not a dead letter replays nothing.
        refused = await asyncio.to_thread(
            subprocess.run,
            [*trafficha, "replay", "0-1", *state],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        assert refused.returncode == 1
        assert refused.stderr == "trafficha: not dead letters: 0-1\n"
        assert await redis.xlen(KEYS.dead) == 2
        output = await asyncio.to_thread(run, [*trafficha, "replay", "--all", *state], env)
        assert output.endswith("2 replayed\n")
        assert await redis.xlen(KEYS.dead) == 0

        await consumer.read_new()
        assert handled == [good]
        # The entry of the unknown version is dead-lettered again: its cause is not fixed here.
        dead = await redis.xrange(KEYS.dead)
        assert [f[b"batch"] for _, f in dead] == [newer.batch_id.encode()]
