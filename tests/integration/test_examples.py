"""The examples in examples/, run as real processes against real Redis and MariaDB: a webhook
forwarder (an aiohttp server of the test is the webhook), a CSV replay provider feeding a real
processor, a minimal Litestar app; and all three against a stack started by `trafficha up`,
configured by `trafficha env` as a user would."""

from __future__ import annotations

import asyncio
import csv
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest
import redis.asyncio as aioredis
from aiohttp import web

from tests.conftest import Database
from tests.support.records import (
    accident,
    accident_batch,
    road_batch,
    road_row,
    tollgate_batch,
    tollgate_row,
)
from tests.support.stack import running_stack, trafficha
from tests.support.wait import eventually
from trafficha import (
    Accident,
    AccidentBatch,
    DedupStore,
    Processor,
    StreamKeys,
    StreamProducer,
    audit,
    latest_accidents,
    load_settings,
    redis_client,
    road_summary,
    stream_keys,
)
from trafficha.kst import KST, now_kst
from trafficha.topology.processes import free_port
from trafficha.topology.servers import RedisServer

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).parents[2] / "examples"
DATA = EXAMPLES / "data"
GROUP = "incident-webhook"  # the webhook example's default group


# --- example processes ----------------------------------------------------------------------


class Example:
    """One example script as a real process; its output goes to a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(EXAMPLES / f"{name}.py"), *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def wait(self, timeout: float = 15) -> int:
        # In a thread: the test's own servers (the webhook) keep answering meanwhile.
        return await asyncio.to_thread(self.proc.wait, timeout)

    async def stop(self) -> int:
        """SIGTERM, as a supervisor stops it; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return await self.wait()

    async def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        await self.wait()


class Examples:
    """Starts examples for one test and kills, by pid, any still running at its end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[Example] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> Example:
        log = self.log_dir / f"{name}-{len(self.started)}.log"
        example = Example(name, args, env, log)
        self.started.append(example)
        return example

    def kill_all(self) -> None:
        for example in self.started:
            if example.alive():
                example.proc.kill()
                example.proc.wait(timeout=10)


@pytest.fixture
def examples(tmp_path: Path) -> Iterator[Examples]:
    group = Examples(tmp_path)
    yield group
    group.kill_all()


async def until(
    condition: Callable[[], Awaitable[bool]], *watch: Example, timeout: float = 20
) -> None:
    """``eventually``, failing at once with the output of any watched example that died."""

    async def check() -> bool:
        for example in watch:
            if not example.alive():
                raise AssertionError(f"{example.name} exited:\n{example.output()}")
        return await condition()

    await eventually(check, timeout=timeout)


def clean_exit(example: Example, code: int) -> None:
    assert code == 0, example.output()
    assert "Traceback" not in example.output(), example.output()


# --- the webhook stand-in -------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    key: str
    content_type: str
    body: dict[str, Any]


@dataclass
class Webhook:
    """An aiohttp server of the test, answering ``status``; only 2xx answers count as
    deliveries. A request for ``hang_key`` is taken as delivered but its answer is held until
    ``release`` is set: the receiver has it, the sender does not know yet."""

    port: int = field(default_factory=free_port)
    status: int = 200
    attempts: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    hang_key: str | None = None
    hung: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def keys(self) -> set[str]:
        return {d.key for d in self.deliveries}

    async def _handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        body = await request.json()
        key = request.headers.get("Idempotency-Key", "")
        if self.status >= 300:
            return web.Response(status=self.status)
        self.deliveries.append(Delivery(key, request.content_type, body))
        if key == self.hang_key:
            self.hung.set()
            await self.release.wait()
        return web.Response(status=204)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@pytest.fixture
async def webhook() -> AsyncIterator[Webhook]:
    hook = Webhook()
    await hook.start()
    yield hook
    await hook.stop()


def notice(batch: AccidentBatch, incident: Accident) -> dict[str, Any]:
    """The body the webhook example promises for one incident."""
    body: dict[str, Any] = msgspec.to_builtins(
        {
            "event": "incident.new",
            "idempotency_key": incident.incident_key,
            "route_no": incident.route_no,
            "batch_id": batch.batch_id,
            "source": batch.source,
            "fetched_at": batch.fetched_at,
            "incident": incident,
        }
    )
    return body


# --- settings, stream and store -------------------------------------------------------------


@pytest.fixture
def keys(namespace: str) -> StreamKeys:
    return StreamKeys(stream=f"{namespace}:stream", group=f"{namespace}:processors")


@pytest.fixture
def env(database: Database, redis_server: RedisServer, keys: StreamKeys) -> dict[str, str]:
    """What `eval "$(trafficha env)"` gives a shell, for the session's servers."""
    return {
        **os.environ,
        "REDIS_ADDR": redis_server.addr,
        "REDIS_PASSWORD": "",
        **database.env(),
        "STREAM_KEY": keys.stream,
        "STREAM_GROUP": keys.group,
        "CLAIM_IDLE": "300ms",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture
async def processor(
    redis_client: aioredis.Redis, keys: StreamKeys, store: DedupStore
) -> AsyncIterator[Processor]:
    """The processors' group, consumed in-process by a real Processor."""
    proc = Processor(redis_client, keys, store, name="processor-1", claim_idle_ms=300)
    task = asyncio.create_task(proc.run())
    yield proc
    proc.stop()
    await task


def on_route(n: int, route_no: str, *, at: datetime | None = None) -> Accident:
    names = {"0010": "경부선", "0500": "영동선"}
    base = accident(n) if at is None else accident(n, at=at)
    return msgspec.structs.replace(base, route_no=route_no, route_name=names[route_no])


async def group_info(redis: aioredis.Redis, stream: str, group: str) -> dict[str, Any] | None:
    groups: list[dict[str, Any]] = await redis.xinfo_groups(stream)
    for info in groups:
        name = info["name"]
        if (name.decode() if isinstance(name, bytes) else name) == group:
            return info
    return None


async def caught_up(redis: aioredis.Redis, stream: str, group: str) -> bool:
    """Every entry of the stream delivered to ``group`` and acknowledged."""
    info = await group_info(redis, stream, group)
    newest: Any = await redis.xrevrange(stream, count=1)
    return bool(
        info is not None
        and newest
        and info["pending"] == 0
        and _text(info["last-delivered-id"]) == _text(newest[0][0])
    )


async def deliveries_of(redis: aioredis.Redis, stream: str, group: str) -> int:
    """The highest delivery count among the group's pending entries."""
    rows = await redis.xpending_range(stream, group, min="-", max="+", count=100)
    return max((int(r["times_delivered"]) for r in rows), default=0)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# --- incident_webhook.py --------------------------------------------------------------------


async def test_webhook_forwards_new_incidents_on_the_watched_route_only(
    redis_client: aioredis.Redis,
    keys: StreamKeys,
    env: dict[str, str],
    webhook: Webhook,
    examples: Examples,
) -> None:
    producer = StreamProducer(redis_client, keys)
    await producer.ensure_group()
    # Published before the example's group exists: not new to it, never forwarded.
    await producer.publish(accident_batch([on_route(900, "0010")]))

    hook = examples.start(
        "incident_webhook", ["--route", "0010", "--webhook", webhook.url, "--consumer", "w1"], env
    )
    await until(lambda: _has_group(redis_client, keys.stream, GROUP), hook)

    a, b, e = on_route(1, "0010"), on_route(2, "0010"), on_route(5, "0010")
    c = on_route(3, "0500")
    no_route = msgspec.structs.replace(accident(4), route_no=None, route_name="기타")
    first = accident_batch([a, c, b, no_route], fetched_at=now_kst())
    await producer.publish(first)
    # Other kinds are acknowledged and skipped.
    await producer.publish(road_batch([road_row(i) for i in range(4)]))
    await producer.publish(tollgate_batch([tollgate_row(1)]))
    # The next poll shows incident a again, updated, and a new one: only e is news.
    a_again = msgspec.structs.replace(a, sms_text="사고 처리완료", process_name="처리완료")
    second = accident_batch([a_again, e, c], fetched_at=now_kst())
    await producer.publish(second)
    await until(lambda: caught_up(redis_client, keys.stream, GROUP), hook)

    assert [d.key for d in webhook.deliveries] == [a.incident_key, b.incident_key, e.incident_key]
    expected = [notice(first, a), notice(first, b), notice(second, e)]
    assert [d.body for d in webhook.deliveries] == expected
    assert all(d.content_type == "application/json" for d in webhook.deliveries)
    body = webhook.deliveries[0].body
    assert body["fetched_at"].endswith("+09:00")
    assert body["incident"]["occurred_at"].endswith("+09:00")
    # Nothing dead-lettered, in the group's own dead-letter stream or the pipeline's.
    assert await redis_client.xlen(f"{keys.stream}:{GROUP}:dead") == 0
    assert await redis_client.xlen(keys.dead) == 0
    # The processors' group was not touched: everything still waits for the processors.
    processors = await group_info(redis_client, keys.stream, keys.group)
    assert processors is not None
    assert (processors["pending"], _text(processors["last-delivered-id"])) == (0, "0-0")

    clean_exit(hook, await hook.stop())


async def _has_group(redis: aioredis.Redis, stream: str, group: str) -> bool:
    return await redis.exists(stream) == 1 and await group_info(redis, stream, group) is not None


async def test_webhook_outage_loses_nothing_and_dead_letters_nothing(
    redis_client: aioredis.Redis,
    keys: StreamKeys,
    env: dict[str, str],
    webhook: Webhook,
    examples: Examples,
) -> None:
    # Two deliveries would dead-letter an entry whose handler fails for its own sake.
    env = {**env, "MAX_DELIVERIES": "2"}
    producer = StreamProducer(redis_client, keys)
    await producer.ensure_group()
    webhook.status = 500
    hook = examples.start("incident_webhook", ["--route", "0010", "--webhook", webhook.url], env)
    await until(lambda: _has_group(redis_client, keys.stream, GROUP), hook)
    batch = accident_batch(
        [on_route(1, "0010"), on_route(2, "0500"), on_route(3, "0010")], fetched_at=now_kst()
    )
    await producer.publish(batch)

    async def delivered(times: int) -> bool:
        return await deliveries_of(redis_client, keys.stream, GROUP) >= times

    # 5xx: retried past MAX_DELIVERIES, still pending.
    await until(lambda: delivered(3), hook)
    assert webhook.attempts >= 3
    assert webhook.deliveries == []
    # Connection refused: retried as well.
    await webhook.stop()
    before = await deliveries_of(redis_client, keys.stream, GROUP)
    await until(lambda: delivered(before + 1), hook)
    # The webhook recovers: everything arrives, once, and the entry is acknowledged.
    webhook.status = 200
    await webhook.start()
    expected = {batch.records[0].incident_key, batch.records[2].incident_key}
    await until(lambda: _is(webhook.keys(), expected), hook)
    await until(lambda: caught_up(redis_client, keys.stream, GROUP), hook)
    assert [d.body for d in webhook.deliveries] == [
        notice(batch, batch.records[0]),
        notice(batch, batch.records[2]),
    ]
    assert await redis_client.xlen(f"{keys.stream}:{GROUP}:dead") == 0
    assert await redis_client.xlen(keys.dead) == 0
    clean_exit(hook, await hook.stop())


async def _is(actual: set[str], expected: set[str]) -> bool:
    return actual == expected


async def test_webhook_killed_mid_stream_resumes_and_every_incident_arrives(
    redis_client: aioredis.Redis,
    keys: StreamKeys,
    env: dict[str, str],
    webhook: Webhook,
    examples: Examples,
    store: DedupStore,
    processor: Processor,
) -> None:
    # No reclaiming by idle time within the test: only the restarted consumer's drain of its
    # own pending entries can deliver what the killed one held.
    env = {**env, "CLAIM_IDLE": "60s"}
    producer = StreamProducer(redis_client, keys)
    await producer.ensure_group()
    batches = [
        accident_batch(
            [on_route(b * 10 + i, "0010") for i in range(3)] + [on_route(b * 10 + 9, "0500")],
            fetched_at=now_kst(),
        )
        for b in range(20)
    ]
    for batch in batches:
        await producer.publish(batch)
    watched = [a for batch in batches for a in batch.records if a.route_no == "0010"]
    expected = {a.incident_key for a in watched}
    # The webhook takes the second incident of batch 8 but holds its answer: the example is
    # stuck mid-stream, with a notice delivered that it does not know about.
    held = batches[8].records[1].incident_key
    webhook.hang_key = held
    args = ["--route", "0010", "--webhook", webhook.url, "--consumer", "w-stable"]
    args += ["--from-start", "--timeout", "30"]
    hook = examples.start("incident_webhook", args, env)
    await until(_set(webhook.hung), hook)
    assert 0 < len(webhook.deliveries) < len(expected)
    pending = await redis_client.xpending(keys.stream, GROUP)
    assert pending["pending"] >= 1
    assert {_text(c["name"]) for c in pending["consumers"]} == {"w-stable"}

    await hook.kill()  # SIGKILL: no cleanup at all
    webhook.hang_key = None
    webhook.release.set()
    again = examples.start("incident_webhook", args, env)
    await until(lambda: _is(webhook.keys(), expected), again)
    await until(lambda: caught_up(redis_client, keys.stream, GROUP), again)

    # At least once: the held notice came again after the restart, with the same idempotency
    # key and body, so the receiver can drop the repeat; deduplicated by that key, every
    # incident is there exactly once.
    by_key: dict[str, list[dict[str, Any]]] = {}
    for delivery in webhook.deliveries:
        by_key.setdefault(delivery.key, []).append(delivery.body)
    assert set(by_key) == expected  # nothing missing, nothing off-route
    assert len(by_key[held]) == 2
    assert all(all(b == bodies[0] for b in bodies) for bodies in by_key.values())
    assert all(bodies[0]["incident"]["route_no"] == "0010" for bodies in by_key.values())
    assert await redis_client.xlen(f"{keys.stream}:{GROUP}:dead") == 0
    assert await redis_client.xlen(keys.dead) == 0
    # The processors' group got every batch as well: the webhook's group took nothing from it.
    await until(lambda: caught_up(redis_client, keys.stream, keys.group))
    report = await audit(redis_client, keys, store)
    assert report.ok, report
    assert report.applied_batches == len(batches)
    clean_exit(again, await again.stop())


def _set(event: asyncio.Event) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return event.is_set()

    return check


# --- csv_provider.py ------------------------------------------------------------------------


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def incident_identity(row: dict[str, str] | Accident) -> tuple[str, ...]:
    if isinstance(row, dict):
        return (row["occurred_at"], row["route_no"], row["direction"], row["type_code"])
    return (row.occurred_at.isoformat(), str(row.route_no), row.direction, row.type_code)


async def _count(store: DedupStore, table: str) -> int:
    async with store.pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT COUNT(*) FROM {table}")
        (count,) = await cur.fetchone()
        await conn.rollback()
        return int(count)


async def test_csv_replay_is_collected_and_applied_by_a_real_processor(
    redis_client: aioredis.Redis,
    keys: StreamKeys,
    env: dict[str, str],
    examples: Examples,
    store: DedupStore,
    processor: Processor,
) -> None:
    args = ["--data-dir", str(DATA), "--interval", "0.2", "--keep-times", "--source", "real"]
    replay = examples.start("csv_provider", args, env)
    # It stops by itself once every file is played out.
    clean_exit(replay, await replay.wait(timeout=30))
    assert "replay complete: published 7 batches" in replay.output()

    async def applied() -> bool:
        report = await audit(redis_client, keys, store)
        return report.ok and report.applied_batches == report.produced_batches == 7

    await until(applied)

    # Incidents: one row each, in the state of its last frame, seen once per frame.
    rows = read_csv("accidents.csv")
    last: dict[tuple[str, ...], dict[str, str]] = {}
    frames: dict[tuple[str, ...], int] = {}
    for row in sorted(rows, key=lambda r: r["recorded_at"]):
        last[incident_identity(row)] = row
        frames[incident_identity(row)] = frames.get(incident_identity(row), 0) + 1
    stored = {incident_identity(a): a for a in await latest_accidents(store, 1000)}
    assert set(stored) == set(last)
    for identity, row in last.items():
        incident = stored[identity]
        assert incident.sms_text == row["sms_text"]
        assert incident.process_name == row["process_name"]
        assert incident.lanes_blocked == row["lanes_blocked"]
        assert incident.seen_count == frames[identity]
        assert incident.source == "real"
        assert incident.occurred_at == datetime.fromisoformat(row["occurred_at"])

    # Tollgate volumes: every row, per slot.
    volumes = read_csv("tollgate_traffic.csv")
    assert await _count(store, "tollgate_traffic_history") == len(volumes)
    # Road readings: every row, and per route the summary of its newest frame.
    readings = read_csv("road_status.csv")
    assert await _count(store, "road_traffic_status") == len(readings)
    assert await _count(store, "road_route_summary") == 4  # 2 frames x 2 routes
    newest = datetime.fromisoformat("2025-11-14T07:55:00+09:00")
    summaries = {s.route_no: s for s in await road_summary(store)}
    assert set(summaries) == {"0010", "0500"}
    gyeongbu, yeongdong = summaries["0010"], summaries["0500"]
    assert gyeongbu.collected_at == yeongdong.collected_at == newest
    assert (gyeongbu.total_sections, gyeongbu.smooth_sections) == (5, 2)
    assert (gyeongbu.slow_sections, gyeongbu.congested_sections) == (1, 2)
    assert gyeongbu.avg_speed == round((38 + 27 + 61 + 84 + 91) / 5, 1)
    assert (yeongdong.total_sections, yeongdong.avg_speed) == (3, round((93 + 58 + 72) / 3, 1))
    # No tollgates.csv: that dataset stayed empty.
    assert await _count(store, "tollgates") == 0

    # It ran beside the pipeline's collectors: its election has keys of its own, and it
    # released its lease on the way out.
    assert await redis_client.get(f"{keys.stream}:replay:leader:epoch") == b"1"
    assert await redis_client.exists(f"{keys.stream}:replay:leader") == 0
    assert await redis_client.exists(keys.lease, keys.epoch, keys.holder) == 0


async def test_csv_replay_refuses_a_bad_file_before_publishing(
    redis_client: aioredis.Redis,
    keys: StreamKeys,
    env: dict[str, str],
    examples: Examples,
    tmp_path: Path,
) -> None:
    rows = (DATA / "road_status.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "road_status.csv").write_text(
        "\n".join([*rows[:3], rows[3].replace(",E,", ",N,")]) + "\n", encoding="utf-8"
    )
    replay = examples.start("csv_provider", ["--data-dir", str(tmp_path)], env)
    assert await replay.wait() == 2
    assert "road_status.csv:4: direction must be E or S, got 'N'" in replay.output()
    assert await redis_client.exists(keys.stream) == 0


# --- minimal_app.py -------------------------------------------------------------------------


async def get_json(http: aiohttp.ClientSession, url: str) -> tuple[int, str, Any]:
    async with http.get(url) as response:
        return response.status, response.content_type, await response.json(content_type=None)


async def answers(http: aiohttp.ClientSession, url: str) -> bool:
    try:
        status, _, _ = await get_json(http, url)
    except aiohttp.ClientError:
        return False
    return status == 200


def kst(text: str) -> datetime:
    assert text.endswith("+09:00"), text
    return datetime.fromisoformat(text)


async def test_minimal_app_serves_the_read_queries_under_its_own_routes(
    env: dict[str, str], examples: Examples, store: DedupStore
) -> None:
    now = now_kst()
    hour = now.replace(microsecond=0) - timedelta(hours=1)
    incidents = [
        on_route(1, "0010", at=hour - timedelta(hours=1)),
        on_route(2, "0010", at=hour),
        on_route(3, "0500", at=hour),
    ]
    await store.apply(accident_batch(incidents, fetched_at=now))
    await store.apply(road_batch([road_row(i, at=hour) for i in range(6)]))

    port = free_port()
    app = examples.start("minimal_app", ["--port", str(port)], env)
    base = f"http://127.0.0.1:{port}/my"
    async with aiohttp.ClientSession() as http:
        await until(lambda: answers(http, f"{base}/roads"), app)

        status, media, body = await get_json(http, f"{base}/incidents?route=0010&limit=20")
        assert (status, media) == (200, "application/json")
        assert [i["key"] for i in body] == [incidents[1].incident_key, incidents[0].incident_key]
        first = body[0]
        assert kst(first["occurred_at"]) == incidents[1].occurred_at
        assert abs(kst(first["last_seen_at"]) - now) < timedelta(seconds=1)
        assert first["route_no"] == "0010"
        assert (first["type"], first["text"], first["status"]) == ("사고", "사고 처리중", "처리중")
        assert (first["place"], first["lat"], first["lon"]) == (
            incidents[1].point_name,
            incidents[1].lat,
            incidents[1].lon,
        )
        _, _, one = await get_json(http, f"{base}/incidents?limit=1")
        assert [i["key"] for i in one] == [incidents[2].incident_key]
        _, _, filtered = await get_json(http, f"{base}/incidents?type=사고&direction=서울방향")
        assert len(filtered) == 3
        _, _, none = await get_json(http, f"{base}/incidents?type=작업")
        assert none == []

        status, _, stats = await get_json(http, f"{base}/incidents/stats")
        # "Today" is the KST day an incident started: just after midnight, not all three.
        today = sum(i.occurred_at.astimezone(KST).date() == now.date() for i in incidents)
        assert (status, stats) == (
            200,
            {"total": 3, "today": today, "last_3h_by_type": {"사고": 3}},
        )

        status, _, roads = await get_json(http, f"{base}/roads")
        assert status == 200
        assert [(r["route_no"], r["total_sections"]) for r in roads] == [("0010", 3)]
        assert kst(roads[0]["collected_at"]) == hour
        _, _, other = await get_json(http, f"{base}/roads?route=0500")
        assert other == []

        for path, name in (
            ("incidents?route=10", "route"),
            ("incidents?limit=0", "limit"),
            ("incidents?limit=lots", "limit"),
            ("incidents?limit=1001", "limit"),
            ("roads?route=0010x", "route"),
        ):
            status, media, problem = await get_json(http, f"{base}/{path}")
            assert (status, media) == (400, "application/problem+json"), path
            assert problem["status"] == 400
            assert [p["name"] for p in problem["invalid-params"]] == [name], problem

    clean_exit(app, await app.stop())


# --- all three against `trafficha up` ---------------------------------------------------------


def stack_env(state: Path, *extra: str) -> dict[str, str]:
    """The environment after `eval "$(trafficha env ...)"`."""
    out = trafficha("env", "--state-dir", str(state), *extra)
    assert out.returncode == 0, out.stderr
    env = dict(os.environ)
    for line in out.stdout.splitlines():
        export, assignment = shlex.split(line)
        assert export == "export"
        name, _, value = assignment.partition("=")
        env[name] = value
    return env


async def test_the_examples_run_against_trafficha_up(
    tmp_path: Path, examples: Examples, webhook: Webhook
) -> None:
    # The replayed incidents on 경부선: as first seen (what the webhook gets) and as last seen
    # (what is stored).
    first: dict[tuple[str, ...], dict[str, str]] = {}
    last: dict[tuple[str, ...], dict[str, str]] = {}
    for row in sorted(read_csv("accidents.csv"), key=lambda r: r["recorded_at"]):
        if row["route_no"] == "0010":
            first.setdefault(incident_identity(row), row)
            last[incident_identity(row)] = row
    first_texts = {row["sms_text"] for row in first.values()}
    state = tmp_path / "stack"
    with running_stack(state):
        env = stack_env(state)
        reader_env = stack_env(state, "--service", "data-api")
        assert reader_env["DB_USER"] != env["DB_USER"]  # the read-only account
        settings = load_settings(env)
        keys = stream_keys(settings)
        redis = redis_client(settings)
        try:
            leader = await redis.hgetall(keys.holder)
            assert leader, "the stack has a leading collector"

            hook = examples.start(
                "incident_webhook", ["--route", "0010", "--webhook", webhook.url], env
            )
            await until(lambda: _has_group(redis, keys.stream, GROUP), hook)
            replay = examples.start("csv_provider", ["--interval", "0.5"], env)
            clean_exit(replay, await replay.wait(timeout=30))

            # The replayed incidents on 경부선 reached the webhook, at their first sighting;
            # the stack's own (simulated) incidents on 경부선 may come too, nothing else does.
            async def forwarded() -> bool:
                texts = {d.body["incident"]["sms_text"] for d in webhook.deliveries}
                return first_texts <= texts

            await until(forwarded, hook)
            assert all(d.body["incident"]["route_no"] == "0010" for d in webhook.deliveries)
            # The replay ran beside the stack's collectors and left their lease alone.
            assert await redis.hget(keys.holder, "epoch") == leader[b"epoch"]

            port = free_port()
            app = examples.start("minimal_app", ["--port", str(port)], reader_env)
            base = f"http://127.0.0.1:{port}/my"
            async with aiohttp.ClientSession() as http:
                url = f"{base}/incidents?route=0010&limit=1000"
                await until(lambda: answers(http, url), app)

                # The stack's processors stored the replay, each incident in its last state.
                async def stored() -> dict[str, Any]:
                    _, _, body = await get_json(http, url)
                    return {i["text"]: i for i in body}

                async def replayed() -> bool:
                    texts = await stored()
                    return all(r["sms_text"] in texts for r in last.values())

                await until(replayed, app)
                by_text = await stored()
                # Moved in time by whole quarter hours, into the last 15 minutes or so.
                offsets = {
                    kst(by_text[r["sms_text"]]["occurred_at"])
                    - datetime.fromisoformat(r["occurred_at"])
                    for r in last.values()
                }
                assert len(offsets) == 1
                offset = offsets.pop()
                assert offset % timedelta(minutes=15) == timedelta(0)
                newest = datetime.fromisoformat("2025-11-14T08:00:00+09:00") + offset
                assert timedelta(0) <= datetime.now(KST) - newest < timedelta(minutes=16)

                status, _, roads = await get_json(http, f"{base}/roads")
                assert status == 200
                assert roads, "the stack's road summaries"
                assert all(kst(r["collected_at"]) for r in roads)
                status, media, _ = await get_json(http, f"{base}/incidents?route=abc")
                assert (status, media) == (400, "application/problem+json")
            clean_exit(app, await app.stop())
            clean_exit(hook, await hook.stop())
        finally:
            await redis.aclose()
        report = await asyncio.to_thread(trafficha, "audit", "--json", "--state-dir", str(state))
        assert report.returncode == 0, report.stdout
        assert msgspec.json.decode(report.stdout)["lost"] == []
