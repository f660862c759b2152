"""Incidents as KEC sends them, against a real mariadbd and the data API as a real process.

KEC's recorded incident feed (``../shared/kec-real/realTimeSms.json``, read from there and
never copied in) is 19 type 15 이벤트/홍보 notices dated 2023–2026 and one 작업 with lane 3
blocked, all at progress ``"1"``/진행. Polls are fed as the processor applies them: batches of
those rows, parsed by the real parser, with ordinary incidents beside them. Checked: notices are
stored but neither listed nor counted as incidents; an incident the next poll leaves out is
cleared at that poll, a closing progress (처리완료) clears it too, and clearing only moves
forward; "today" is the KST day the incident started; lanes and queue length are served.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
import redis.asyncio as aioredis

from tests.conftest import Database
from tests.integration.test_data_api import (
    KST_TIME,
    create_database,
    drop_database,
    open_store,
    read_only_account,
    start_api,
    stop_api,
)
from tests.support.records import road_batch, road_row
from tests.support.shared import KEC_REAL
from trafficha.kst import KST, now_kst
from trafficha.models.domain import Accident, category_of, is_closing
from trafficha.models.stream import AccidentBatch
from trafficha.providers.kec import parse_accidents
from trafficha.store import (
    MIGRATIONS,
    AccidentStats,
    DedupStore,
    StoredAccident,
    accident_stats,
    latest_accidents,
    latest_notices,
    migrate,
)
from trafficha.store.db import connection, from_db_time, to_db_time
from trafficha.streams.keys import StreamKeys
from trafficha.topology.servers import MariaDBServer, RedisServer

pytestmark = pytest.mark.integration

RECORDING = KEC_REAL / "realTimeSms.json"
# The recording was captured on 2026-09-24; polls in these tests run that afternoon.
POLL = datetime(2026, 9, 24, 15, 0, tzinfo=KST)
INTERVAL = timedelta(seconds=10)


def recorded() -> list[Accident]:
    """The recording's rows as the real parser reads them (nothing quarantined)."""
    parsed = parse_accidents(RECORDING.read_bytes())
    assert parsed.rejected == []
    assert len(parsed) == 20
    return list(parsed)


def incident(name: str, occurred_at: datetime, **changes: Any) -> Accident:
    """An ordinary incident, keyed by ``name``."""
    base = Accident(
        incident_key=f"inc-{name}",
        occurred_at=occurred_at,
        route_no="0010",
        route_name="경부선",
        direction="부산방향",
        type_code="01",
        type_name="사고",
        sms_text=f"[사고] 경부선 부산방향 {name} 부근 2차로 사고",
        process_code="1",
        process_name="진행",
        point_name=f"{name} 부근",
        lat=36.8,
        lon=127.15,
        late_length_km=2.5,
        lanes_blocked="NYNNNN",
        shoulder_blocked=False,
    )
    return msgspec.structs.replace(base, **changes)


def poll(name: str, fetched_at: datetime, records: Sequence[Accident]) -> AccidentBatch:
    return AccidentBatch(
        producer="member1/collector-test",
        epoch=3,
        source="real",
        fetched_at=fetched_at,
        batch_id=f"accidents-3-{name}",
        records=tuple(records),
    )


def by_key(rows: Sequence[StoredAccident]) -> dict[str, StoredAccident]:
    return {r.incident_key: r for r in rows}


# --- the classification ---------------------------------------------------------------------


def test_the_recording_is_nineteen_notices_and_one_work() -> None:
    rows = recorded()
    notices = [r for r in rows if r.category == "notice"]
    assert len(notices) == 19
    assert {(r.type_code, r.type_name) for r in notices} == {("15", "이벤트/홍보")}
    (work,) = [r for r in rows if r.category == "incident"]
    assert (work.type_code, work.type_name, work.lanes_blocked) == ("03", "작업", "NNYNNN")
    assert (work.process_code, work.process_name, work.late_length_km) == ("1", "진행", 0.0)
    assert not any(r.closing for r in rows)  # 진행 is in progress


@pytest.mark.parametrize(
    ("type_code", "type_name", "text", "category"),
    [
        ("15", "이벤트/홍보", "** 졸음쉼터 화장실 폐쇄 **", "notice"),
        ("15", "", "no name", "notice"),
        ("99", "홍보", "type name says it", "notice"),
        ("07", "기타", "** 민자 구간 상황실 문의 **", "notice"),
        ("03", "작업", "K (2차로) 비탈면보수 작업중", "incident"),
        ("01", "사고", "[사고] 1차로 **주의**", "incident"),  # marked inside, not wrapped
        ("01", "사고", "**", "incident"),  # a mark alone wraps nothing
    ],
)
def test_notices_are_told_apart_in_one_place(
    type_code: str, type_name: str, text: str, category: str
) -> None:
    assert category_of(type_code, type_name, text) == category


@pytest.mark.parametrize(
    ("name", "closing"),
    [("진행", False), ("처리중", False), ("접수", False), (None, False)]
    + [(n, True) for n in ("처리완료", "완료", "통제해제", "해제", "상황종료", "종료")],
)
def test_a_closing_progress_is_one_with_completion_release_or_end(
    name: str | None, closing: bool
) -> None:
    assert is_closing(name) is closing


# --- the store ------------------------------------------------------------------------------


async def test_a_batch_counts_the_rows_whose_shown_content_it_changed(store: DedupStore) -> None:
    """What the commit event says as ``changed``: a poll that only sees the same incidents
    again changes nothing a view shows (0); a new incident, a new progress, a moved place, a
    clearing by the sweep or by a closing progress each count."""
    t = POLL
    a, b = incident("a", t - timedelta(hours=1)), incident("b", t - timedelta(hours=1))
    first = await store.apply(poll("c1", t, [a, b]))
    assert (first.inserted, first.changed) == (2, 2)

    again = await store.apply(poll("c2", t + INTERVAL, [a, b]))
    assert (again.inserted, again.duplicates, again.changed) == (0, 2, 0)

    progressed = msgspec.structs.replace(a, process_code="2", process_name="처리중")
    moved = msgspec.structs.replace(b, lat=36.9)
    third = await store.apply(poll("c3", t + 2 * INTERVAL, [progressed, moved]))
    assert (third.duplicates, third.changed) == (2, 2)

    # b left out: the sweep clears it; a seen again unchanged.
    fourth = await store.apply(poll("c4", t + 3 * INTERVAL, [progressed]))
    assert fourth.changed == 1
    closed = msgspec.structs.replace(progressed, process_code="9", process_name="처리완료")
    assert closed.closing
    fifth = await store.apply(poll("c5", t + 4 * INTERVAL, [closed]))
    assert fifth.changed == 1
    quiet = await store.apply(poll("c6", t + 5 * INTERVAL, [closed]))
    assert quiet.changed == 0
    # A late batch (older than what is stored) changes nothing.
    late = await store.apply(poll("c7", t + INTERVAL / 2, [a, b]))
    assert (late.duplicates, late.changed) == (2, 0)
    # Datasets that do not count say so.
    road = await store.apply(road_batch([road_row(1)]))
    assert road.changed is None

    # What a dashboard holding the list asks after a commit: the rows changed since.
    changed = await latest_accidents(store, now=t + 5 * INTERVAL, changed_since=t + 3 * INTERVAL)
    assert [(r.incident_key, r.active) for r in changed] == [("inc-a", False), ("inc-b", False)]
    since_third = await latest_accidents(
        store, now=t + 5 * INTERVAL, changed_since=t + 2 * INTERVAL
    )
    assert {r.incident_key for r in since_third} == {"inc-a", "inc-b"}
    assert await latest_accidents(store, now=t + 5 * INTERVAL, changed_since=t + 5 * INTERVAL) == []


async def test_notices_are_stored_but_not_counted_or_listed_as_incidents(
    store: DedupStore,
) -> None:
    rows = recorded()
    result = await store.apply(poll("p1", POLL, rows))
    assert (result.records, result.inserted) == (20, 20)  # nothing lost

    (work,) = await latest_accidents(store, now=POLL)
    assert (work.type_name, work.route_name, work.point_name) == (
        "작업",
        "화성광주선",
        "동탄방향 26.0",
    )
    assert (work.lanes_blocked, work.late_length_km, work.shoulder_blocked) == (
        "NNYNNN",
        0.0,
        False,
    )
    assert (work.process_code, work.process_name) == ("1", "진행")
    assert (work.active, work.cleared_at) == (True, None)
    assert await latest_accidents(store, type_name="이벤트/홍보", now=POLL) == []

    notices = await latest_notices(store)
    assert len(notices) == 19
    # Changed since the poll: all of them (first seen); since later: none.
    assert len(await latest_notices(store, changed_since=POLL)) == 19
    assert await latest_notices(store, changed_since=POLL + INTERVAL) == []
    assert {n.category for n in notices} == {"notice"}
    occurred = [n.occurred_at for n in notices]
    assert occurred == sorted(occurred, reverse=True)
    assert occurred[-1] == datetime(2023, 9, 27, 9, 11, 24, tzinfo=KST)
    assert await latest_accidents(store, category="notice", now=POLL) != []

    # One 작업 started months ago: nothing today, and no 이벤트/홍보 among the types.
    assert await accident_stats(store, POLL) == AccidentStats(
        total=1, today=0, active=1, cleared_today=0, notices=19, by_type={"작업": 1}
    )


async def test_an_incident_the_next_poll_leaves_out_is_cleared_at_that_poll(
    store: DedupStore,
) -> None:
    rows = recorded()
    stays = incident("천안IC", POLL - timedelta(minutes=20))
    leaves = incident("목천IC", POLL - timedelta(minutes=30), type_code="02", type_name="고장")
    first, second, third = POLL, POLL + INTERVAL, POLL + 2 * INTERVAL
    await store.apply(poll("p1", first, [*rows, stays, leaves]))
    await store.apply(poll("p2", second, [*rows, stays]))

    listed = by_key(await latest_accidents(store, now=second))
    assert set(listed) == {stays.incident_key, leaves.incident_key, rows[-1].incident_key}
    gone = listed[leaves.incident_key]
    assert (gone.active, gone.cleared_at, gone.last_seen_at) == (False, second, first)
    assert listed[stays.incident_key].active
    stats = await accident_stats(store, second)
    assert (stats.total, stats.today, stats.active, stats.cleared_today) == (3, 2, 2, 1)
    assert (stats.notices, stats.by_type) == (19, {"고장": 1, "사고": 1, "작업": 1})
    # The notices stayed listed, so they stayed active.
    assert len(await latest_notices(store)) == 19

    # A redelivery of the poll changes nothing: the ledger applies it once.
    before = by_key(await latest_accidents(store, now=second))
    again = await store.apply(poll("p2", second, [*rows, stays]))
    assert again.already_applied
    assert by_key(await latest_accidents(store, now=second)) == before

    # Only forward: a late batch fetched before the clearing does not bring it back, and what
    # only a late batch lists is cleared at once, at the newest poll.
    late_only = incident("옥산JC", POLL - timedelta(hours=1))
    await store.apply(poll("p1-late", first + INTERVAL / 2, [*rows, stays, leaves, late_only]))
    listed = by_key(await latest_accidents(store, now=second))
    assert listed[leaves.incident_key].cleared_at == second
    assert listed[late_only.incident_key].cleared_at == second
    assert listed[stays.incident_key].active

    # Listed again by a newer poll: active again.
    await store.apply(poll("p3", third, [*rows, stays, leaves]))
    listed = by_key(await latest_accidents(store, now=third))
    assert (listed[leaves.incident_key].active, listed[leaves.incident_key].cleared_at) == (
        True,
        None,
    )
    assert listed[late_only.incident_key].cleared_at == second


async def test_an_empty_poll_clears_everything_it_no_longer_lists(store: DedupStore) -> None:
    rows = [*recorded(), incident("천안IC", POLL - timedelta(minutes=20))]
    await store.apply(poll("p1", POLL, rows))
    await store.apply(poll("p2", POLL + INTERVAL, []))
    listed = await latest_accidents(store, now=POLL + INTERVAL)
    assert listed
    assert {(a.active, a.cleared_at) for a in listed} == {(False, POLL + INTERVAL)}
    assert await latest_notices(store) == []
    # A late empty batch fetched before a newer poll clears nothing that poll listed.
    await store.apply(poll("p3", POLL + 3 * INTERVAL, rows))
    await store.apply(poll("p2-late", POLL + 2 * INTERVAL, []))
    assert all(a.active for a in await latest_accidents(store, now=POLL + 3 * INTERVAL))


async def test_a_closing_progress_clears_an_incident_still_listed(store: DedupStore) -> None:
    rows = recorded()
    a = incident("청주IC", POLL - timedelta(minutes=15))
    first, second, third = POLL, POLL + INTERVAL, POLL + 2 * INTERVAL
    await store.apply(poll("p1", first, [*rows, a]))
    done = msgspec.structs.replace(
        a,
        process_code="2",
        process_name="처리완료",
        sms_text=a.sms_text + " 처리완료",
        lanes_blocked="NNNNNN",
        late_length_km=None,
    )
    await store.apply(poll("p2", second, [*rows, done]))
    await store.apply(poll("p3", third, [*rows, done]))  # still listed, still closed

    stored = by_key(await latest_accidents(store, now=third))[a.incident_key]
    assert (stored.active, stored.cleared_at, stored.last_seen_at) == (False, second, third)
    assert (stored.process_code, stored.process_name) == ("2", "처리완료")
    assert (stored.lanes_blocked, stored.late_length_km) == ("NNNNNN", None)
    stats = await accident_stats(store, third)
    assert (stats.active, stats.cleared_today) == (1, 1)  # the recording's 작업 is active


async def test_today_is_the_kst_day_the_incident_started(store: DedupStore) -> None:
    """At 09:10 KST the UTC day began ten minutes ago and the KST day nine hours ago."""
    now = datetime(2026, 9, 25, 9, 10, tzinfo=KST)
    started = {
        # 00:20 KST is 15:20 UTC of the day before: today in KST.
        "after-midnight": datetime(2026, 9, 25, 0, 20, tzinfo=KST),
        # Yesterday in KST, though first seen today.
        "before-midnight": datetime(2026, 9, 24, 23, 40, tzinfo=KST),
        # 08:59 KST is 23:59 UTC of the day before: today in KST.
        "before-utc-midnight": datetime(2026, 9, 25, 8, 59, tzinfo=KST),
        # 09:05 KST: today in both.
        "after-utc-midnight": datetime(2026, 9, 25, 9, 5, tzinfo=KST),
    }
    assert to_db_time(started["after-midnight"]).date() < now.date()  # stored as UTC
    records = [incident(name, at) for name, at in started.items()]
    notice_today = msgspec.structs.replace(
        recorded()[0], incident_key="notice-today", occurred_at=now - timedelta(minutes=30)
    )
    # Every incident is first seen today, after KST midnight.
    await store.apply(poll("p1", datetime(2026, 9, 25, 0, 30, tzinfo=KST), records[:2]))
    await store.apply(poll("p2", now - INTERVAL, [*records, notice_today]))

    stats = await accident_stats(store, now)
    assert stats.today == 3
    assert (stats.total, stats.active, stats.notices) == (4, 4, 1)
    # The UTC day (from 09:00 KST) would count one; first sightings would count four.
    utc_midnight = datetime(2026, 9, 25, tzinfo=UTC)
    assert sum(at >= utc_midnight for at in started.values()) == 1
    yesterday = await accident_stats(store, now - timedelta(days=1))
    assert yesterday.today == 1


# --- the migration --------------------------------------------------------------------------

_V5_COLUMNS = (
    "incident_key, occurred_at, route_no, route_name, direction, type_code, type_name, "
    "sms_text, process_code, process_name, point_name, lat, lon, late_length_km, lanes_blocked, "
    "shoulder_blocked, source, first_seen_at, last_seen_at"
)


async def test_migration_6_fills_category_and_clearing_of_the_rows_stored_before(
    database: Database,
) -> None:
    rows = recorded()
    old = incident("남이JC", POLL - timedelta(hours=2))
    closed = incident("회덕JC", POLL - timedelta(hours=1), process_name="처리완료")
    listed = incident("신탄진IC", POLL - timedelta(minutes=5))
    async with await DedupStore.open(
        database.host, database.port, database.user, database.password, database.name
    ) as store:
        assert await migrate(store, migrations=MIGRATIONS[:5]) == [1, 2, 3, 4, 5]
        values: list[tuple[object, ...]] = [
            (*_v5_row(a), to_db_time(POLL - timedelta(hours=1)), to_db_time(POLL))
            for a in [*rows, closed, listed]
        ]
        values.append((*_v5_row(old), to_db_time(old.occurred_at), to_db_time(old.occurred_at)))
        async with connection(store.pool, "seeding") as conn, conn.cursor() as cur:
            await cur.executemany(
                f"INSERT INTO traffic_accidents ({_V5_COLUMNS}) VALUES ({', '.join(['%s'] * 19)})",
                values,
            )
            await conn.commit()

        assert await migrate(store, migrations=MIGRATIONS[:6]) == [6]
        expected = {a.incident_key: a.category for a in [*rows, old, closed, listed]}
        stored = await _categories(store)
        assert stored == {k: (c, None) for k, c in expected.items()} | {
            old.incident_key: ("incident", old.occurred_at),
            closed.incident_key: ("incident", POLL),
        }
        assert sum(c == "notice" for c, _ in stored.values()) == 19

        # Applied again whole (as after an interruption), it changes nothing.
        async with connection(store.pool, "again") as conn, conn.cursor() as cur:
            for statement in MIGRATIONS[5].statements:
                await cur.execute(statement)
            await conn.commit()
        assert await _categories(store) == stored

        # The later migrations: every row stored before gets a changed_at (its clearing, else
        # its last sighting).
        assert await migrate(store) == list(range(7, len(MIGRATIONS) + 1))
        async with connection(store.pool, "reading") as conn, conn.cursor() as cur:
            await cur.execute(
                "SELECT COUNT(*) FROM traffic_accidents WHERE changed_at IS NULL"
                " OR changed_at <> COALESCE(cleared_at, last_seen_at)"
            )
            assert await cur.fetchone() == (0,)

        # And the next poll goes on from there.
        await store.apply(poll("p1", POLL + INTERVAL, [*rows, listed]))
        cleared = {k: at for k, (_, at) in (await _categories(store)).items() if at is not None}
        assert cleared == {
            old.incident_key: old.occurred_at,
            closed.incident_key: POLL,
        }


def _v5_row(a: Accident) -> tuple[object, ...]:
    return (
        a.incident_key,
        to_db_time(a.occurred_at),
        a.route_no,
        a.route_name,
        a.direction,
        a.type_code,
        a.type_name,
        a.sms_text,
        a.process_code,
        a.process_name,
        a.point_name,
        a.lat,
        a.lon,
        a.late_length_km,
        a.lanes_blocked,
        a.shoulder_blocked,
        "real",
    )


async def _categories(store: DedupStore) -> dict[str, tuple[str, datetime | None]]:
    async with connection(store.pool, "reading") as conn, conn.cursor() as cur:
        await cur.execute("SELECT incident_key, category, cleared_at FROM traffic_accidents")
        rows = await cur.fetchall()
    return {key: (category, None if at is None else from_db_time(at)) for key, category, at in rows}


# --- the data API ---------------------------------------------------------------------------


@pytest.fixture
async def polled(
    mariadb_server: MariaDBServer,
    db_account: tuple[str, str],
    redis_server: RedisServer,
) -> AsyncIterator[tuple[Database, StreamKeys, dict[str, Any]]]:
    """Two polls a few seconds ago: the recording and three incidents, then the recording and
    two of them, one closed. The read-only account's view, and what was fed."""
    name = create_database(mariadb_server)
    keys = StreamKeys(stream=f"t{name}:stream")
    redis = aioredis.Redis(host="127.0.0.1", port=redis_server.port)
    now = now_kst().replace(microsecond=0)
    first, second = now - 2 * INTERVAL, now - INTERVAL
    # Started a minute before the first poll, or at KST midnight if that is later: today.
    start = max(first - timedelta(minutes=1), now.replace(hour=0, minute=0, second=0))
    stays = incident("천안IC", start, lanes_blocked="YYNNNN", late_length_km=3.2)
    leaves = incident("목천IC", start, type_code="02", type_name="고장")
    closes = incident("남천안IC", start, type_code="04", type_name="정체")
    closed = msgspec.structs.replace(closes, process_code="2", process_name="처리완료")
    rows = recorded()
    try:
        async with await open_store(db_account, mariadb_server.port, name) as store:
            for batch in (
                poll("p1", first, [*rows, stays, leaves, closes]),
                poll("p2", second, [*rows, stays, closed]),
            ):
                await store.apply(batch)
                await redis.incr(keys.data_version)
        fed = {
            "rows": rows,
            "stays": stays,
            "leaves": leaves,
            "closes": closes,
            "second": second,
        }
        yield read_only_account(mariadb_server, name), keys, fed
    finally:
        await redis.aclose()
        drop_database(mariadb_server, name)


@pytest.fixture
def served(
    tmp_path: Path,
    polled: tuple[Database, StreamKeys, dict[str, Any]],
    redis_server: RedisServer,
) -> Iterator[tuple[str, dict[str, Any]]]:
    db, keys, fed = polled
    api = start_api(tmp_path / "data-api.log", db, redis_server.addr, keys)
    yield api.url, fed
    stop_api(api.proc)


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())


def test_the_data_api_serves_notices_apart_and_cleared_incidents_with_when(
    served: tuple[str, dict[str, Any]],
) -> None:
    url, fed = served
    rows, second = fed["rows"], fed["second"]

    items = get(f"{url}/api/accidents/latest")
    by_text = {i["smsText"]: i for i in items}
    assert set(by_text) == {
        fed["stays"].sms_text,
        fed["leaves"].sms_text,
        fed["closes"].sms_text,
        rows[-1].sms_text,
    }, "no notice among the incidents"
    assert "이벤트/홍보" not in {i["accType"] for i in items}

    stays = by_text[fed["stays"].sms_text]
    assert (stays["active"], stays["clearedAt"]) == (True, None)
    assert (stays["lanesBlocked"], stays["lateLengthKm"]) == ("YYNNNN", 3.2)
    for gone in (by_text[fed["leaves"].sms_text], by_text[fed["closes"].sms_text]):
        assert gone["active"] is False
        assert KST_TIME.match(gone["clearedAt"]), gone["clearedAt"]
        assert datetime.fromisoformat(gone["clearedAt"]) == second
    closed = by_text[fed["closes"].sms_text]
    assert (closed["processCode"], closed["processName"]) == ("2", "처리완료")
    work = by_text[rows[-1].sms_text]
    assert (work["accType"], work["lanesBlocked"], work["lateLengthKm"]) == ("작업", "NNYNNN", 0.0)
    assert (work["processCode"], work["processName"], work["active"]) == ("1", "진행", True)

    stats = get(f"{url}/api/accidents/stats")
    assert stats == {
        "totalAccidents": 4,
        "todayAccidents": 3,  # the recording's 작업 started in May
        "activeAccidents": 2,
        "clearedToday": 2,
        "activeNotices": 19,
        "byType": {"고장": 1, "사고": 1, "작업": 1, "정체": 1},
    }

    notices = get(f"{url}/api/notices")
    assert len(notices) == 19
    assert {n["smsText"] for n in notices} == {r.sms_text for r in rows[:-1]}
    first = notices[0]
    assert set(first) == {
        "id",
        "occurredAt",
        "routeNo",
        "routeName",
        "direction",
        "typeCode",
        "typeName",
        "smsText",
        "pointName",
        "processCode",
        "processName",
        "firstSeenAt",
        "lastSeenAt",
        "source",
        "active",
    }
    assert all(n["active"] for n in notices)
    assert (first["typeCode"], first["typeName"], first["pointName"]) == ("15", "이벤트/홍보", "")
    assert (first["processCode"], first["processName"]) == ("1", "진행")
    assert [n["occurredAt"] for n in notices] == sorted(
        (n["occurredAt"] for n in notices), reverse=True
    )
    assert all(KST_TIME.match(n[f]) for n in notices for f in ("occurredAt", "lastSeenAt"))

    # The rows changed since an instant (a dashboard's refetch after a commit), named as the
    # schema names it; a bad or null instant is a 400 problem naming it.
    future = get(f"{url}/api/accidents/latest?changedSince=2999-01-01T00:00:00%2B09:00")
    assert future == []
    assert len(get(f"{url}/api/notices?changedSince=2000-01-01T00:00:00%2B09:00")) == 19
    for bad in ("soon", "null"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(f"{url}/api/notices?changedSince={bad}")
        problem = json.loads(refused.value.read())
        assert (refused.value.code, problem["invalid-params"][0]["name"]) == (400, "changedSince")
