"""The dedup store against a real mariadbd: schema, exactly-once batches, upsert counts, reads."""

from __future__ import annotations

import asyncio
import math
import os
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiomysql
import msgspec
import pytest

from tests.conftest import Database
from trafficha.config import Settings
from trafficha.kst import KST
from trafficha.models.domain import (
    Accident,
    RoadStatus,
    RouteSummary,
    Tollgate,
    TollgateTraffic,
)
from trafficha.models.stream import AccidentBatch, RoadBatch, TollgateBatch, TollgateListBatch
from trafficha.secrets import Secret
from trafficha.store import (
    MIGRATIONS,
    SESSION_OPTIONS,
    AccidentStats,
    DedupStore,
    StoredAccident,
    StoreDataError,
    StoreError,
    StoreUnavailableError,
    TollgateSlot,
    accident_stats,
    applied_versions,
    dedup,
    latest_accidents,
    migrate,
    road_status,
    road_summary,
    tollgate_traffic,
)
from trafficha.store.db import connection
from trafficha.store.reads import StoredConzone, road_conzones, tollgate_locations
from trafficha.topology.processes import free_port

pytestmark = pytest.mark.integration

T0 = datetime(2026, 9, 19, 18, 0, tzinfo=KST)
_M5 = timedelta(minutes=5)
DATA_TABLES = (
    "traffic_accidents",
    "tollgate_traffic_history",
    "road_traffic_status",
    "road_route_summary",
    "tollgates",
    "vds_locations",
    "routes",
    "travel_times",
)
ALL_TABLES = {
    "schema_migrations",
    *DATA_TABLES,
    "batch_ledger",
    "cache_accidents",
    "cache_tollgate",
    "cache_road_status",
    "cache_vds_list",
    "cache_route_list",
    "cache_travel_time",
}


# --- builders -------------------------------------------------------------------------------


def accident(i: int, **changes: Any) -> Accident:
    base = Accident(
        incident_key=f"inc-{i:04d}",
        occurred_at=T0 - timedelta(minutes=i),
        route_no="0010",
        route_name="경부선",
        direction="서울방향",
        type_code="01",
        type_name="사고",
        sms_text=f"남경주부근 사고 {i} 처리중",
        process_code="2",
        process_name="처리중",
        point_name=f"남경주부근({i}K)",
        lat=round(35.7 + i / 1000, 6),
        lon=129.296973,
        late_length_km=1.5,
        lanes_blocked="YNNNNN",
        shoulder_blocked=True,
    )
    return msgspec.structs.replace(base, **changes)


def accidents_batch(
    batch_id: str, records: Sequence[Accident], fetched_at: datetime = T0
) -> AccidentBatch:
    return AccidentBatch(
        producer="member1-collector",
        epoch=7,
        source="sim",
        fetched_at=fetched_at,
        batch_id=batch_id,
        records=tuple(records),
    )


def tollgate(unit: str, slot_at: datetime, amount: int | None, inout: str = "0") -> TollgateTraffic:
    return TollgateTraffic(
        unit_code=unit,
        unit_name={"101": "서울", "065": "판교"}.get(unit, unit),
        ex_div_code="00",
        ex_div_name="도공",
        inout_type=inout,
        inout_name="입구" if inout == "0" else "출구",
        tm_type="2",
        tm_name="15분",
        tcs_type="2",
        tcs_name="hi-pass",
        car_type="1",
        traffic_amount=amount,
        slot_at=slot_at,
    )


def tollgate_batch(batch_id: str, records: Sequence[TollgateTraffic]) -> TollgateBatch:
    return TollgateBatch(
        producer="member1-collector",
        epoch=7,
        source="real",
        fetched_at=T0,
        batch_id=batch_id,
        records=tuple(records),
    )


def reading(vds: str, std_at: datetime, **changes: Any) -> RoadStatus:
    base = RoadStatus(
        vds_id=vds,
        conzone_id="0010CZE010",
        conzone_name="구서IC-영락IC",
        route_no="0010",
        route_name="경부선",
        direction="E",
        speed=90,
        traffic_amount=13,
        share_ratio=2,
        time_avg=72,
        grade=1,
        std_at=std_at,
    )
    return msgspec.structs.replace(base, **changes)


def summary(route: str, collected_at: datetime, **changes: Any) -> RouteSummary:
    base = RouteSummary(
        route_no=route,
        route_name={"0010": "경부선", "0500": "영동선", "0100": "남해선"}.get(route, route),
        collected_at=collected_at,
        total_sections=10,
        smooth_sections=7,
        slow_sections=2,
        congested_sections=1,
        avg_speed=81.5,
        avg_traffic_amount=23.4,
    )
    return msgspec.structs.replace(base, **changes)


def road_batch(
    batch_id: str, records: Sequence[RoadStatus], summaries: Sequence[RouteSummary] = ()
) -> RoadBatch:
    return RoadBatch(
        producer="member2-collector",
        epoch=8,
        source="sim",
        fetched_at=T0,
        batch_id=batch_id,
        records=tuple(records),
        summaries=tuple(summaries),
    )


# --- fixtures and helpers -------------------------------------------------------------------


async def open_store(database: Database, **kwargs: Any) -> DedupStore:
    return await DedupStore.open(
        database.host, database.port, database.user, database.password, database.name, **kwargs
    )


@pytest.fixture
async def store(database: Database) -> AsyncIterator[DedupStore]:
    async with await open_store(database, maxsize=8) as opened:
        await opened.migrate()
        yield opened


@pytest.fixture
async def bare_store(database: Database) -> AsyncIterator[DedupStore]:
    """A store on the empty database, not migrated."""
    async with await open_store(database) as opened:
        yield opened


def keys(rows: Sequence[StoredAccident]) -> list[str]:
    return [r.incident_key for r in rows]


async def query(store: DedupStore, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
    async with connection(store.pool, "test query") as conn, conn.cursor() as cur:
        await cur.execute(sql, args)
        return list(await cur.fetchall())


async def count(store: DedupStore, table: str) -> int:
    ((n,),) = await query(store, f"SELECT COUNT(*) FROM {table}")
    return int(n)


async def seen_counts(store: DedupStore, table: str, key: str) -> dict[str, int]:
    rows = await query(store, f"SELECT {key}, seen_count FROM {table}")
    return {str(k): int(n) for k, n in rows}


# --- schema ---------------------------------------------------------------------------------


async def test_two_processes_migrate_at_once_and_each_version_is_applied_once(
    database: Database,
) -> None:
    conns = [
        await aiomysql.connect(
            host=database.host,
            port=database.port,
            user=database.user,
            password=database.password,
            db=database.name,
            **SESSION_OPTIONS,
        )
        for _ in range(2)
    ]
    try:
        first, second = await asyncio.gather(*(migrate(c) for c in conns))
        versions = [m.version for m in MIGRATIONS]
        assert sorted(first + second) == versions  # each version applied by exactly one
        async with conns[0].cursor() as cur:
            await cur.execute("SELECT version, COUNT(*) FROM schema_migrations GROUP BY version")
            assert dict(await cur.fetchall()) == dict.fromkeys(versions, 1)
            await cur.execute("SHOW TABLES")
            assert {row[0] for row in await cur.fetchall()} == ALL_TABLES
        await conns[0].rollback()
        # A second run, from either connection, applies nothing.
        assert await migrate(conns[0]) == []
        assert await migrate(conns[1]) == []
        assert await applied_versions(conns[1]) == versions
    finally:
        for conn in conns:
            await conn.ensure_closed()


async def test_schema_keeps_one_unique_key_per_data_table(store: DedupStore) -> None:
    rows = await query(
        store,
        "SELECT table_name, index_name, GROUP_CONCAT(column_name ORDER BY seq_in_index) "
        "FROM information_schema.statistics WHERE table_schema = DATABASE() "
        "AND non_unique = 0 AND index_name <> 'PRIMARY' GROUP BY table_name, index_name",
    )
    unique = {table: columns for table, _, columns in rows}
    assert len(rows) == len(unique)  # never two unique keys on one table
    assert unique["traffic_accidents"] == "incident_key"
    assert unique["tollgate_traffic_history"] == (
        "unit_code,slot_at,inout_type,tcs_type,car_type,ex_div_code,tm_type"
    )
    assert unique["road_traffic_status"] == "vds_id,std_at"
    assert unique["road_route_summary"] == "route_no,collected_at"
    assert unique["tollgates"] == "unit_code"
    assert unique["vds_locations"] == "vds_id"
    assert unique["routes"] == "route_no"
    assert unique["travel_times"] == (
        "start_unit_code,end_unit_code,car_type,basis,slot_minutes,slot_at"
    )
    tables = await query(
        store,
        "SELECT table_name, engine, table_collation FROM information_schema.tables "
        "WHERE table_schema = DATABASE()",
    )
    assert {(engine, collation) for _, engine, collation in tables} == {
        ("InnoDB", "utf8mb4_unicode_ci")
    }
    for table in DATA_TABLES:
        ((default,),) = await query(
            store,
            "SELECT column_default FROM information_schema.columns WHERE table_schema = "
            "DATABASE() AND table_name = %s AND column_name = 'seen_count' AND is_nullable='NO'",
            (table,),
        )
        assert str(default) == "1"


async def test_sessions_are_utc_strict_and_transactional(store: DedupStore) -> None:
    ((time_zone, sql_mode, autocommit),) = await query(
        store, "SELECT @@session.time_zone, @@session.sql_mode, @@session.autocommit"
    )
    assert time_zone == "+00:00"
    assert "STRICT_ALL_TABLES" in sql_mode
    assert autocommit == 0
    assert await store.migrate() == []  # the fixture migrated already


# --- exactly once and dedup -----------------------------------------------------------------


async def test_same_content_under_a_new_batch_id_is_all_duplicates(store: DedupStore) -> None:
    records = [accident(i) for i in range(3)]
    first = await store.apply(accidents_batch("b-1", records))
    assert (first.records, first.inserted, first.duplicates) == (3, 3, 0)
    assert (first.kind, first.already_applied) == ("accidents", False)
    second = await store.apply(accidents_batch("b-2", records, T0 + timedelta(seconds=10)))
    assert (second.records, second.inserted, second.duplicates) == (3, 0, 3)
    assert await count(store, "traffic_accidents") == 3
    assert set((await seen_counts(store, "traffic_accidents", "incident_key")).values()) == {2}
    ledger = await store.ledger()
    assert {k: (e.inserted, e.duplicates) for k, e in ledger.items()} == {
        "b-1": (3, 0),
        "b-2": (0, 3),
    }


async def test_a_redelivered_batch_is_applied_exactly_once(store: DedupStore) -> None:
    batch = accidents_batch("redelivered", [accident(i) for i in range(4)])
    first = await store.apply(batch)
    before = await query(store, "SELECT * FROM traffic_accidents ORDER BY id")
    again = await store.apply(batch)
    # (What it changed is not stored: a redelivery says None.)
    assert again == msgspec.structs.replace(first, already_applied=True, changed=None)
    assert await query(store, "SELECT * FROM traffic_accidents ORDER BY id") == before
    assert set((await seen_counts(store, "traffic_accidents", "incident_key")).values()) == {1}
    assert list(await store.ledger()) == ["redelivered"]


async def test_the_same_batch_delivered_twice_at_once_is_applied_once(store: DedupStore) -> None:
    batch = accidents_batch("twice", [accident(i) for i in range(20)])
    results = await asyncio.gather(store.apply(batch), store.apply(batch))
    assert sorted(r.already_applied for r in results) == [False, True]
    assert {(r.inserted, r.duplicates) for r in results} == {(20, 0)}
    assert set((await seen_counts(store, "traffic_accidents", "incident_key")).values()) == {1}


async def test_a_reseen_incident_moves_last_seen_and_takes_the_new_text(
    store: DedupStore,
) -> None:
    original = accident(1, sms_text="사고 처리중", process_name="처리중")
    await store.apply(accidents_batch("seen-1", [original], T0))
    later = msgspec.structs.replace(
        original,
        sms_text="사고 처리완료",
        process_code="3",
        process_name="완료",
        lanes_blocked="NNNNNN",
        shoulder_blocked=False,
        late_length_km=None,
        lat=None,  # a sighting without coordinates keeps the known ones
        lon=None,
    )
    result = await store.apply(accidents_batch("seen-2", [later], T0 + timedelta(minutes=10)))
    assert (result.inserted, result.duplicates) == (0, 1)
    # A stale redelivery of an older sighting changes nothing but the sighting count.
    stale = msgspec.structs.replace(original, sms_text="오래된 문자")
    await store.apply(accidents_batch("seen-0", [stale], T0 + timedelta(minutes=5)))

    (row,) = await latest_accidents(store, now=T0 + timedelta(hours=1))
    assert row.first_seen_at == T0
    assert row.last_seen_at == T0 + timedelta(minutes=10)
    assert row.seen_count == 3
    assert (row.sms_text, row.process_code, row.process_name) == ("사고 처리완료", "3", "완료")
    assert (row.lanes_blocked, row.shoulder_blocked, row.late_length_km) == ("NNNNNN", False, None)
    assert (row.lat, row.lon) == (original.lat, original.lon)
    assert row.occurred_at == original.occurred_at


async def test_repeats_within_one_batch_count_as_duplicates(store: DedupStore) -> None:
    a, b = accident(1), accident(2)
    records = [
        a,
        b,
        msgspec.structs.replace(a, sms_text="둘째"),
        msgspec.structs.replace(a, sms_text="셋째"),
    ]
    result = await store.apply(accidents_batch("repeats", records))
    assert (result.records, result.inserted, result.duplicates) == (4, 2, 2)
    assert await seen_counts(store, "traffic_accidents", "incident_key") == {
        a.incident_key: 3,
        b.incident_key: 1,
    }
    rows = await query(
        store, "SELECT sms_text FROM traffic_accidents WHERE incident_key = %s", (a.incident_key,)
    )
    assert rows == [("셋째",)]  # the batch's last word wins


async def test_tollgate_upserts_count_and_keep_known_amounts(store: DedupStore) -> None:
    slots = [T0 + timedelta(minutes=15 * i) for i in range(3)]
    first = await store.apply(
        tollgate_batch(
            "tg-1",
            [
                tollgate("101", slots[0], 412),
                tollgate("101", slots[0], 300, inout="1"),
                tollgate("101", slots[1], None),
                tollgate("065", slots[0], 1203),
            ],
        )
    )
    assert (first.kind, first.records, first.inserted, first.duplicates) == ("tollgate", 4, 4, 0)
    second = await store.apply(
        tollgate_batch(
            "tg-2",
            [
                tollgate("101", slots[0], None),  # a later blank does not erase 412
                tollgate("101", slots[1], 77),  # a later count fills the blank
                tollgate("101", slots[2], 80),
                tollgate("101", slots[2], 81),  # repeat within the batch
            ],
        )
    )
    assert (second.records, second.inserted, second.duplicates) == (4, 1, 3)
    rows = await query(
        store,
        "SELECT unit_code, inout_type, slot_at, traffic_amount, seen_count "
        "FROM tollgate_traffic_history ORDER BY unit_code DESC, slot_at, inout_type",
    )
    naive = [s.astimezone(UTC).replace(tzinfo=None) for s in slots]
    assert rows == [
        ("101", "0", naive[0], 412, 2),
        ("101", "1", naive[0], 300, 1),
        ("101", "0", naive[1], 77, 2),
        ("101", "0", naive[2], 81, 2),
        ("065", "0", naive[0], 1203, 1),
    ]


async def test_road_batches_write_readings_and_summaries(store: DedupStore) -> None:
    first = await store.apply(
        road_batch(
            "road-1",
            [reading("V1", T0), reading("V2", T0), reading("V3", T0)],
            [summary("0010", T0)],
        )
    )
    assert (first.kind, first.records, first.inserted, first.duplicates) == ("road", 4, 4, 0)
    second = await store.apply(
        road_batch(
            "road-2",
            [reading("V1", T0, speed=55, grade=2), reading("V2", T0), reading("V1", T0 + _M5)],
            [summary("0010", T0, avg_speed=70.0), summary("0500", T0)],
        )
    )
    assert (second.records, second.inserted, second.duplicates) == (5, 2, 3)
    assert await count(store, "road_traffic_status") == 4
    assert await count(store, "road_route_summary") == 2
    rows = await query(
        store,
        "SELECT speed, grade, seen_count FROM road_traffic_status WHERE vds_id = 'V1' "
        "ORDER BY std_at",
    )
    assert rows == [(55, 2, 2), (90, 1, 1)]
    (summaries,) = await query(
        store, "SELECT avg_speed, seen_count FROM road_route_summary WHERE route_no = '0010'"
    )
    assert (float(summaries[0]), summaries[1]) == (70.0, 2)


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        # A summary too long for its column, after readings that went in fine.
        (
            road_batch("bad", [reading("V1", T0)], [summary("0010", T0, route_name="가" * 300)]),
            1406,
        ),
        (accidents_batch("bad", [accident(1), accident(2, lanes_blocked="NNNNNNN")]), 1406),
        (tollgate_batch("bad", [tollgate("101", T0, 1), tollgate("101", T0 + _M5, 2**40)]), 1264),
        (road_batch("bad", [reading("V1", T0), reading("V2", T0, grade=200)]), 1264),
        (accidents_batch("bad", [accident(1, late_length_km=math.nan)]), None),
        (accidents_batch("b" * 65, [accident(1)]), 1406),
    ],
    ids=["summary-too-long", "lanes-too-long", "amount-out-of-range", "grade", "nan", "batch-id"],
)
async def test_a_rejected_value_writes_nothing(
    store: DedupStore, bad: AccidentBatch | TollgateBatch | RoadBatch, code: int | None
) -> None:
    with pytest.raises(StoreDataError) as caught:
        await store.apply(bad)
    assert caught.value.code == code
    assert not caught.value.retryable
    for table in (*DATA_TABLES, "batch_ledger"):
        assert await count(store, table) == 0, table
    # The batch was not recorded as applied: a corrected one under the same id goes in.
    fixed = accidents_batch(bad.batch_id[:64], [accident(1)])
    assert not (await store.apply(fixed)).already_applied


async def test_concurrent_overlapping_batches_lose_nothing(store: DedupStore) -> None:
    ranges = [range(0, 200), range(100, 300), range(150, 350), range(0, 350, 7)]
    batches = [
        # Opposite orders within batches: the store sorts rows by key before writing.
        accidents_batch(f"c-{n}", [accident(i) for i in (reversed(r) if n % 2 else r)], T0)
        for n, r in enumerate(ranges)
    ]
    tolls = [
        tollgate_batch(f"t-{n}", [tollgate("101", T0 + timedelta(minutes=15 * i), i) for i in r])
        for n, r in enumerate(ranges)
    ]
    every: list[AccidentBatch | TollgateBatch] = [*batches, *tolls]
    results = await asyncio.gather(*(store.apply(b) for b in every))
    total = sum(len(r) for r in ranges)
    union = len(set().union(*ranges))
    for kind, table in (
        ("accidents", "traffic_accidents"),
        ("tollgate", "tollgate_traffic_history"),
    ):
        mine = [r for r in results if r.kind == kind]
        assert sum(r.inserted for r in mine) == union
        assert sum(r.duplicates for r in mine) == total - union
        assert await count(store, table) == union
        ((seen,),) = await query(store, f"SELECT SUM(seen_count) FROM {table}")
        assert int(seen) == total
    assert len(await store.ledger(r.batch_id for r in results)) == len(results)


async def test_large_batches_split_into_statements_and_still_count(
    store: DedupStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dedup, "MAX_STATEMENT_BYTES", 4_000)
    records = [accident(i) for i in range(60)]
    ((table, rows),) = dedup.table_rows(accidents_batch("x", records))
    statements = list(dedup.upsert_statements(table, rows))
    assert len(statements) > 5
    assert sum(n for _, n in statements) == 60
    assert all(len(sql) <= 4_000 for sql, _ in statements)
    first = await store.apply(accidents_batch("big-1", records))
    second = await store.apply(accidents_batch("big-2", [*records[30:], accident(99)]))
    assert (first.inserted, first.duplicates) == (60, 0)
    assert (second.inserted, second.duplicates) == (1, 30)


async def test_a_deadlock_victim_is_retried_and_other_outages_are_not(
    store: DedupStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = DedupStore._apply_once
    failures = [
        StoreUnavailableError("Deadlock found", code=1213),
        StoreUnavailableError("Deadlock found", code=1213),
        StoreUnavailableError("Lost connection", code=2013),
    ]
    calls = 0

    async def flaky(self: DedupStore, *args: Any) -> Any:
        nonlocal calls
        calls += 1
        if failures:
            raise failures.pop(0)
        return await real(self, *args)

    monkeypatch.setattr(DedupStore, "_apply_once", flaky)
    with pytest.raises(StoreUnavailableError) as caught:
        await store.apply(accidents_batch("flaky", [accident(1)]))
    assert (caught.value.code, calls) == (2013, 3)  # two deadlocks retried, the outage raised
    result = await store.apply(accidents_batch("flaky", [accident(1)]))
    assert (result.inserted, result.already_applied, calls) == (1, False, 4)


# --- times ----------------------------------------------------------------------------------


async def test_times_are_stored_in_utc_and_read_back_as_the_same_kst_instant(
    store: DedupStore,
) -> None:
    fetched = datetime(2026, 9, 19, 0, 30, 15, 123456, tzinfo=KST)  # 15:30 UTC the day before
    record = accident(1, occurred_at=datetime(2026, 9, 19, 0, 12, 40, tzinfo=KST))
    # The same instant given in UTC is the same instant.
    await store.apply(accidents_batch("times", [record], fetched.astimezone(UTC)))

    ((occurred, first_seen),) = await query(
        store, "SELECT occurred_at, first_seen_at FROM traffic_accidents"
    )
    assert occurred == datetime(2026, 9, 18, 15, 12, 40)
    assert first_seen == datetime(2026, 9, 18, 15, 30, 15, 123000)  # milliseconds kept

    (row,) = await latest_accidents(store, now=fetched)
    ms = fetched.replace(microsecond=123000)
    assert row.occurred_at == record.occurred_at
    assert row.first_seen_at == row.last_seen_at == ms
    for value in (row.occurred_at, row.first_seen_at, row.last_seen_at):
        assert value.utcoffset() == timedelta(hours=9)
        assert value.tzinfo == KST
    entry = (await store.ledger(["times"]))["times"]
    assert entry.fetched_at == ms
    assert entry.fetched_at.tzinfo == KST
    assert entry.applied_at.tzinfo == KST
    assert abs(entry.applied_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert (entry.kind, entry.source, entry.producer, entry.epoch) == (
        "accidents",
        "sim",
        "member1-collector",
        7,
    )


# --- reads ----------------------------------------------------------------------------------


async def test_reads_on_an_empty_database_are_empty(store: DedupStore) -> None:
    assert await latest_accidents(store) == []
    assert await accident_stats(store) == AccidentStats(
        total=0, today=0, active=0, cleared_today=0, notices=0, by_type={}
    )
    assert await tollgate_traffic(store) == []
    assert await road_status(store) == []
    assert await road_summary(store) == []
    assert await store.ledger() == {}
    assert await store.ledger([]) == {}


async def test_latest_accidents_window_filters_and_order(store: DedupStore) -> None:
    now = T0 + timedelta(hours=1)
    await store.apply(
        accidents_batch(
            "old",
            [accident(50, occurred_at=T0 - timedelta(days=2))],
            now - timedelta(hours=30),
        )
    )
    await store.apply(
        accidents_batch(
            "recent",
            [
                accident(1, occurred_at=T0 - timedelta(hours=3)),
                accident(2, occurred_at=T0 - timedelta(hours=1), type_name="작업"),
                accident(
                    3, occurred_at=T0 - timedelta(hours=2), route_no="0500", direction="강릉방향"
                ),
                accident(4, occurred_at=T0, route_no=None),
            ],
            now - timedelta(minutes=10),
        )
    )
    assert keys(await latest_accidents(store, now=now)) == [
        "inc-0004",
        "inc-0002",
        "inc-0003",
        "inc-0001",
    ]
    assert keys(await latest_accidents(store, 2, now=now)) == ["inc-0004", "inc-0002"]
    assert keys(await latest_accidents(store, route_no="0500", now=now)) == ["inc-0003"]
    assert keys(await latest_accidents(store, type_name="작업", now=now)) == ["inc-0002"]
    assert keys(await latest_accidents(store, direction="강릉방향", now=now)) == ["inc-0003"]
    since = now - timedelta(days=3)
    assert keys(await latest_accidents(store, since=since, now=now))[-1] == "inc-0050"
    assert keys(await latest_accidents(store, since=since, until=now - timedelta(hours=2))) == [
        "inc-0050"
    ]
    (stored,) = await latest_accidents(store, route_no="0500", now=now)
    assert stored.source == "sim"
    assert stored.id > 0
    expected = accident(
        3, occurred_at=T0 - timedelta(hours=2), route_no="0500", direction="강릉방향"
    )
    assert Accident(**{f: getattr(stored, f) for f in Accident.__struct_fields__}) == expected
    with pytest.raises(ValueError, match="limit"):
        await latest_accidents(store, 0)
    with pytest.raises(ValueError, match="limit"):
        await latest_accidents(store, 1001)


async def test_accident_stats_count_the_kst_day_and_the_last_three_hours(
    store: DedupStore,
) -> None:
    now = datetime(2026, 9, 19, 12, 0, tzinfo=KST)
    # Started yesterday, first seen today: not today's ("today" is the day it started).
    await store.apply(
        accidents_batch(
            "yesterday",
            [accident(1, occurred_at=datetime(2026, 9, 18, 23, 50, tzinfo=KST))],
            datetime(2026, 9, 19, 0, 10, tzinfo=KST),
        )
    )
    # 00:30 KST is still the previous day in UTC: "today" is the KST day. This poll no longer
    # lists the first, which cleared then.
    await store.apply(
        accidents_batch(
            "after-midnight",
            [accident(2, type_name="고장", occurred_at=datetime(2026, 9, 19, 0, 30, tzinfo=KST))],
            datetime(2026, 9, 19, 0, 31, tzinfo=KST),
        )
    )
    recent = now - timedelta(minutes=40)
    await store.apply(
        accidents_batch(
            "recent",
            [
                accident(3, occurred_at=recent),
                accident(4, occurred_at=recent),
                accident(5, type_name="작업", occurred_at=recent),
            ],
            now - timedelta(minutes=30),
        )
    )
    stats = await accident_stats(store, now)
    assert stats == AccidentStats(
        total=5, today=4, active=3, cleared_today=2, notices=0, by_type={"사고": 2, "작업": 1}
    )
    assert list(stats.by_type) == ["사고", "작업"]
    next_day = await accident_stats(store, now + timedelta(days=1))
    assert next_day == AccidentStats(
        total=5, today=0, active=3, cleared_today=0, notices=0, by_type={}
    )


async def test_tollgate_traffic_sums_each_slot_over_the_last_three_hours(
    store: DedupStore,
) -> None:
    newest = T0
    slots = [newest - timedelta(minutes=15 * i) for i in range(17)]  # 4 hours back
    records = [tollgate("101", s, 100 + i) for i, s in enumerate(slots)]
    records += [tollgate("101", s, 10, inout="1") for s in slots]
    records += [tollgate("065", newest - timedelta(hours=1), None)]
    await store.apply(tollgate_batch("tg", records))

    pangyo, seoul = await tollgate_traffic(store)
    assert (pangyo.unit_code, pangyo.unit_name, pangyo.ex_div_name) == ("065", "판교", "도공")
    assert pangyo.traffic_data == [
        TollgateSlot(slot_at=newest - timedelta(hours=1), traffic_amount=None)
    ]
    assert pangyo.last_updated == newest - timedelta(hours=1)
    assert seoul.unit_code == "101"
    assert seoul.last_updated == newest
    assert [p.slot_at for p in seoul.traffic_data] == slots[:13]  # 3 h back, both ends in
    assert [p.traffic_amount for p in seoul.traffic_data] == [110 + i for i in range(13)]
    assert all(p.slot_at.tzinfo == KST for p in seoul.traffic_data)
    (short,) = await tollgate_traffic(store, timedelta(minutes=30))
    assert [p.traffic_amount for p in short.traffic_data] == [110, 111, 112]


async def test_road_status_per_section_at_the_latest_readings(store: DedupStore) -> None:
    t = datetime(2026, 9, 19, 18, 29, tzinfo=KST)
    e10 = {"conzone_id": "0010CZE010", "direction": "E"}
    s10 = {"conzone_id": "0010CZS010", "conzone_name": "영락IC-구서IC", "direction": "S"}
    records = [
        # Section E010: two detectors, one a minute behind (KEC's jitter within a poll).
        reading("0010VDE00110", t - timedelta(minutes=1), speed=40, traffic_amount=21,
                share_ratio=12, time_avg=160, grade=2, **e10),
        reading("0010VDE00100", t, speed=90, traffic_amount=13, share_ratio=0, time_avg=72,
                grade=1, **e10),
        # An older reading of the same detector is superseded.
        reading("0010VDE00100", t - timedelta(minutes=5), speed=10, grade=3, **e10),
        # Section S010: one valid detector, one without data (speed -1), one grade 0.
        reading("0010VDS00100", t, speed=84, traffic_amount=33, share_ratio=3, time_avg=77,
                **s10),
        reading("0010VDS00300", t, speed=-1, grade=0, **s10),
        reading("0010VDS00400", t, speed=100, grade=0, **s10),
        # A detector that stopped reporting an hour ago.
        reading("0010VDS00900", t - timedelta(hours=1), conzone_id="0010CZS090", direction="S"),
        # Another route with its own latest time.
        reading("0500VDE00100", t - timedelta(minutes=20), route_no="0500", route_name="영동선",
                conzone_id="0500CZE010", conzone_name="신갈JC-마성IC", speed=70, grade=1),
    ]  # fmt: skip
    await store.apply(road_batch("road", records))

    sections = await road_status(store)
    assert [(s.route_no, s.conzone_id, s.direction) for s in sections] == [
        ("0010", "0010CZE010", "E"),
        ("0010", "0010CZS010", "S"),
        ("0500", "0500CZE010", "E"),
    ]
    east, south, yeongdong = sections
    assert (east.vds_id, east.speed, east.traffic_amount, east.share_ratio, east.time_avg) == (
        "0010VDE00100",
        65.0,
        17.0,
        6.0,
        116.0,
    )
    assert (east.grade, east.std_at, east.route_name) == (2, t, "경부선")
    assert (south.vds_id, south.speed, south.grade, south.conzone_name) == (
        "0010VDS00100",
        84.0,
        1,
        "영락IC-구서IC",
    )
    assert (yeongdong.route_name, yeongdong.speed, yeongdong.std_at) == (
        "영동선",
        70.0,
        t - timedelta(minutes=20),
    )
    # Tolerance zero is the original's view: only readings at each route's latest time.
    strict = await road_status(store, tolerance=timedelta(0))
    assert [(s.conzone_id, s.speed) for s in strict] == [
        ("0010CZE010", 90.0),
        ("0010CZS010", 84.0),
        ("0500CZE010", 70.0),
    ]
    # Stale detectors come back into view with a wide enough tolerance.
    wide = await road_status(store, tolerance=timedelta(hours=2))
    assert "0010CZS090" in {s.conzone_id for s in wide}


async def test_road_summary_takes_each_fresh_routes_latest(store: DedupStore) -> None:
    t = datetime(2026, 9, 19, 18, 29, tzinfo=KST)
    await store.apply(
        road_batch(
            "sum",
            [],
            [
                summary("0500", t - timedelta(minutes=4), avg_traffic_amount=None),
                summary("0010", t - timedelta(minutes=30), avg_speed=50.0),
                summary("0010", t),
                summary("0100", t - timedelta(hours=2)),  # stopped reporting
            ],
        )
    )
    rows = await road_summary(store)
    assert rows == [
        summary("0010", t),
        summary("0500", t - timedelta(minutes=4), avg_traffic_amount=None),
    ]
    assert all(r.collected_at.tzinfo == KST for r in rows)
    assert await road_summary(store, tolerance=timedelta(0)) == [summary("0010", t)]


# --- lifecycle and errors -------------------------------------------------------------------


async def test_store_from_settings_pings_and_closes(database: Database) -> None:
    settings = Settings(
        db_host=database.addr,
        db_user=database.user,
        db_password=Secret(database.password),
        db_name=database.name,
    )
    store = await DedupStore.from_settings(settings)
    async with store:
        assert await store.ping()
        assert await store.migrate() == [m.version for m in MIGRATIONS]
        assert await applied_versions(store) == [m.version for m in MIGRATIONS]
    assert not await store.ping()
    await store.close()  # idempotent


async def test_an_unreachable_server_is_unavailable(database: Database) -> None:
    with pytest.raises(StoreUnavailableError) as caught:
        await DedupStore.open("127.0.0.1", free_port(), database.user, "x", database.name)
    assert caught.value.retryable
    assert caught.value.code == 2003


async def test_applying_before_migrating_is_a_plain_store_error(bare_store: DedupStore) -> None:
    assert await applied_versions(bare_store) == []
    with pytest.raises(StoreError) as caught:
        await bare_store.apply(accidents_batch("early", [accident(1)]))
    assert type(caught.value) is StoreError
    assert caught.value.code == 1146  # no such table: a deployment error, neither kind


@pytest.mark.parametrize(
    "text",
    [
        "'); DROP TABLE traffic_accidents; --",
        'back\\slash \\\' "double" \\" end\\',
        "nul\x00 ctrl-z\x1a cr\r lf\n tab\t",
        "<script>alert(1)</script> <img src=x onerror=alert(1)>",
        "경부선 🚗💥 (2차로) 작업중 … ㈜",
    ],
)
async def test_any_text_round_trips_exactly_through_the_rendered_literals(
    store: DedupStore, text: str
) -> None:
    record = accident(1, sms_text=text, point_name=text[:50], direction=text[:40])
    await store.apply(accidents_batch("text-1", [record]))
    (row,) = await latest_accidents(store, now=T0 + timedelta(hours=1))
    assert (row.sms_text, row.point_name, row.direction) == (text, text[:50], text[:40])
    assert await count(store, "traffic_accidents") == 1


async def test_tollgate_list_upserts_and_keeps_a_known_location(store: DedupStore) -> None:
    seoul = Tollgate(
        unit_code="101",
        unit_name="서울",
        route_no="0010",
        route_name="경부선",
        lat=37.365046,
        lon=127.102077,
    )
    first = await store.apply(
        TollgateListBatch(
            producer="p",
            epoch=1,
            source="real",
            fetched_at=T0,
            batch_id="tg-1",
            records=(seoul, msgspec.structs.replace(seoul, unit_code="065", unit_name="판교")),
        )
    )
    assert (first.inserted, first.duplicates) == (2, 0)
    # A later list without coordinates (a third of KEC's have none) keeps the known location.
    later = await store.apply(
        TollgateListBatch(
            producer="p",
            epoch=1,
            source="real",
            fetched_at=T0,
            batch_id="tg-2",
            records=(msgspec.structs.replace(seoul, lat=None, lon=None, unit_name="서울영업소"),),
        )
    )
    assert (later.inserted, later.duplicates) == (0, 1)
    rows = await query(store, "SELECT unit_name, lat, lon FROM tollgates WHERE unit_code = '101'")
    assert [(name, float(lat), float(lon)) for name, lat, lon in rows] == [
        ("서울영업소", 37.365046, 127.102077)
    ]


async def test_conzones_are_read_as_the_newest_readings_name_them(store: DedupStore) -> None:
    assert await road_conzones(store) == []
    t = T0
    await store.apply(
        road_batch(
            "cz-1",
            [
                # A simulator's name for KEC's id, read earlier: KEC's newer name wins.
                reading("0010VDE00100", t - timedelta(hours=2), conzone_name="구서IC-부산TG"),
                reading("0010VDE00100", t),
                reading("0010VDE00110", t - timedelta(minutes=1)),
                reading(
                    "0010VDS00100",
                    t,
                    conzone_id="0010CZS010",
                    conzone_name="영락IC-구서IC",
                    direction="S",
                ),
                # Two days old: out of the default window of a day before the newest reading.
                reading(
                    "0500VDE00100",
                    t - timedelta(days=2),
                    conzone_id="0500CZE010",
                    conzone_name="서창JC-월곶JC",
                    route_no="0500",
                    route_name="영동선",
                ),
            ],
        )
    )
    conzones = await road_conzones(store)
    assert conzones == [
        StoredConzone(
            conzone_id="0010CZE010",
            conzone_name="구서IC-영락IC",
            route_no="0010",
            route_name="경부선",
            direction="E",
            last_seen_at=t,
        ),
        StoredConzone(
            conzone_id="0010CZS010",
            conzone_name="영락IC-구서IC",
            route_no="0010",
            route_name="경부선",
            direction="S",
            last_seen_at=t,
        ),
    ]
    assert [c.conzone_id for c in await road_conzones(store, window=timedelta(days=3))] == [
        "0010CZE010",
        "0010CZS010",
        "0500CZE010",
    ]
    # Since a time: only what was read from then on (what the data API reads after a build).
    assert await road_conzones(store, since=t + timedelta(minutes=1)) == []
    since = await road_conzones(store, since=t - timedelta(hours=3))
    assert [(c.conzone_id, c.conzone_name) for c in since] == [
        ("0010CZE010", "구서IC-영락IC"),
        ("0010CZS010", "영락IC-구서IC"),
    ]


async def test_tollgate_locations_list_every_tollgate(store: DedupStore) -> None:
    seoul = Tollgate(
        unit_code="101",
        unit_name="서울",
        route_no="0010",
        route_name="경부선",
        lat=37.365046,
        lon=127.102077,
    )
    nowhere = msgspec.structs.replace(seoul, unit_code="065", unit_name="판교", lat=None, lon=None)
    await store.apply(
        TollgateListBatch(
            producer="p",
            epoch=1,
            source="real",
            fetched_at=T0,
            batch_id="tg-locations",
            records=(seoul, nowhere),
        )
    )
    assert await tollgate_locations(store) == [nowhere, seoul]


async def test_the_network_check_reads_the_store(
    store: DedupStore, database: Database, tmp_path: Path
) -> None:
    await store.apply(
        road_batch(
            "cz-check",
            [
                reading("0010VDE00100", T0),
                reading("0010VDE00110", T0, conzone_id="0010CZE011", conzone_name="영락IC-부산TG"),
                reading(
                    "0010VDS00100",
                    T0,
                    conzone_id="0010CZS010",
                    conzone_name="영락IC-구서IC",
                    direction="S",
                ),
            ],
        )
    )
    # No local stack in the state directory: the settings of the environment.
    env = {**os.environ, **database.env(), "TRAFFICHA_STATE_DIR": str(tmp_path)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "trafficha.cli",
        "network",
        "check",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0] == "3 conzones, 0 located tollgates, 0 VDS chainages"
    assert lines[2].split()[:4] == ["0010", "2", "3", "66.7"]
    # Southbound, nothing follows 영락IC: it stays unplaced, with the reason.
    assert lines[-2:] == [
        "unplaced: 1",
        "  0010CZS010  영락IC-구서IC  "
        "영락IC is not in the gazetteer, with no placed point on its end side",
    ]
