"""The simulated traffic world: determinism, realism of each dataset, and the sim provider.

"Realism" is measured against the recorded KEC answers (``../shared/kec-real``, see its
SOURCES.md): the tests below name the recorded figure each calibrated property comes from.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trafficha.datasets.registry import ACCIDENTS, ROAD_STATUS, TOLLGATE_LIST, TOLLGATE_TRAFFIC
from trafficha.kst import KST
from trafficha.models import Accident, RoadStatus, Tollgate, TollgateTraffic
from trafficha.models.domain import incident_key, summarize_routes
from trafficha.providers.base import Provider
from trafficha.providers.kec import KOREA_BOUNDS
from trafficha.providers.sim import SimProvider
from trafficha.reference import load_network
from trafficha.sim import (
    INCIDENT_SLOT,
    INCIDENT_TYPES,
    PROCESS,
    TOLLGATE_SLOTS_PER_ANSWER,
    TrafficWorld,
)
from trafficha.sim.layout import UNIT_COUNT, UNLOCATED_UNITS
from trafficha.sim.notices import PRIVATE_ROADS

SEED = 7
DAY = datetime(2026, 9, 24, tzinfo=KST)  # a Thursday
SATURDAY = datetime(2026, 9, 26, tzinfo=KST)
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
SLOTS_PER_DAY = 288
TOLLGATE_SLOT_TIME = timedelta(minutes=15)
IDENTITY = ("occurred_at", "route_no", "route_name", "direction", "type_code", "type_name")
PLACE = ("point_name", "lat", "lon")


@pytest.fixture(scope="module")
def world() -> TrafficWorld:
    return TrafficWorld(SEED)


def at(hour: int, minute: int = 0, day: datetime = DAY) -> datetime:
    return day.replace(hour=hour, minute=minute)


def in_korea(lat: float | None, lon: float | None) -> bool:
    (lat_min, lat_max), (lon_min, lon_max) = KOREA_BOUNDS
    return (
        lat is not None
        and lon is not None
        and lat_min <= lat <= lat_max
        and lon_min <= lon <= lon_max
    )


def snapshot(world: TrafficWorld, t: datetime) -> bytes:
    return msgspec.msgpack.encode(
        (
            world.incidents_at(t),
            world.tollgate_traffic_at(t),
            world.tollgate_hour_at(t),
            world.road_status_at(t),
            world.tollgates(),
        )
    )


def starts_in_slot(world: TrafficWorld, slot_start: datetime) -> list[Accident]:
    """The day's incidents (not notices or long works) that started in one 5-minute slot (none
    ends within 5 minutes of its start)."""
    last_second = slot_start + INCIDENT_SLOT - SECOND
    daily = world.incident_sections_at(last_second)
    return [
        a
        for a in world.incidents_at(last_second)
        if a.occurred_at >= slot_start and a.incident_key in daily
    ]


def daily(world: TrafficWorld, t: datetime) -> list[Accident]:
    """The day's incidents at ``t``: the feed without its notices and long works."""
    where = world.incident_sections_at(t)
    return [a for a in world.incidents_at(t) if a.incident_key in where]


def standing(world: TrafficWorld, t: datetime) -> list[Accident]:
    """The feed's notices and long works at ``t``."""
    where = world.incident_sections_at(t)
    return [a for a in world.incidents_at(t) if a.incident_key not in where]


FEED_TIMES = [DAY + timedelta(days=11 * k, hours=(5 * k) % 24) for k in range(24)]


@pytest.fixture(scope="module")
def day_starts(world: TrafficWorld) -> list[list[Accident]]:
    return [starts_in_slot(world, DAY + k * INCIDENT_SLOT) for k in range(SLOTS_PER_DAY)]


# --- determinism ----------------------------------------------------------------------------


@pytest.mark.parametrize("t", [at(3), at(8, 17), at(18, 42), at(12, 5, SATURDAY)])
def test_same_seed_same_time_is_bit_identical(t: datetime) -> None:
    # Fresh worlds: nothing cached is shared between them.
    assert snapshot(TrafficWorld(SEED), t) == snapshot(TrafficWorld(SEED), t)


def test_same_instant_in_another_zone_is_the_same(world: TrafficWorld) -> None:
    t = at(8, 17)
    assert snapshot(world, t) == snapshot(world, t.astimezone(UTC))


def test_other_seed_differs(world: TrafficWorld) -> None:
    other = TrafficWorld(SEED + 1)
    t = at(8, 17)
    assert world.incidents_at(t) != other.incidents_at(t)
    assert world.tollgate_traffic_at(t) != other.tollgate_traffic_at(t)
    assert world.road_status_at(t) != other.road_status_at(t)


# --- incidents ------------------------------------------------------------------------------


def test_incidents_exist_all_day(world: TrafficWorld) -> None:
    active = [len(world.incidents_at(DAY + k * INCIDENT_SLOT)) for k in range(SLOTS_PER_DAY)]
    for hour in range(24):
        assert sum(active[hour * 12 : hour * 12 + 12]) > 0, f"no incident at {hour}h"


def test_starts_follow_the_time_of_day(day_starts: list[list[Accident]]) -> None:
    per_slot = [len(s) for s in day_starts]
    assert max(per_slot) <= 4
    assert 1.0 <= sum(per_slot) / len(per_slot) <= 4.0

    def hour(h: int) -> int:
        return sum(per_slot[h * 12 : h * 12 + 12])

    assert hour(8) > hour(3)
    assert hour(18) > hour(3)


def test_all_types_appear_over_a_day(day_starts: list[list[Accident]]) -> None:
    seen = {(a.type_code, a.type_name) for slot in day_starts for a in slot}
    assert seen == {(t.code, t.name) for t in INCIDENT_TYPES}
    assert {"03", "작업"} <= {c for pair in seen for c in pair}  # the code KEC confirms


def test_incident_records_look_parsed(day_starts: list[list[Accident]]) -> None:
    network = load_network()
    routes = {r.route_no: r.route_name for r in network.routes}
    accidents = [a for slot in day_starts for a in slot]
    assert len({a.incident_key for a in accidents}) == len(accidents)
    for a in accidents:
        assert (a.lat is None) == (a.lon is None), a
        assert a.lat is None or in_korea(a.lat, a.lon), a
        assert a.route_no is not None
        assert re.fullmatch(r"\d{4}", a.route_no)
        assert routes[a.route_no] == a.route_name
        assert a.occurred_at.utcoffset() == timedelta(hours=9)
        assert a.occurred_at.microsecond == 0
        assert a.direction.endswith("방향")
        assert re.fullmatch(r"[YN]{6}", a.lanes_blocked)
        assert a.sms_text.startswith(f"[{a.type_name}] {a.route_name} {a.direction} ")
        assert (a.process_code, a.process_name) == PROCESS
        for text in (a.sms_text, a.point_name, a.direction, a.type_name, a.route_name):
            assert text is None or text == text.strip()
            assert text != ""
        assert a.incident_key == incident_key(
            a.occurred_at, a.route_no, a.direction, a.type_code, a.point_name
        )
        if a.type_name in ("정체", "사고"):
            assert a.late_length_km is not None
            assert a.late_length_km >= 0


def test_incidents_are_oldest_first_and_already_started(world: TrafficWorld) -> None:
    t = at(17, 33)
    incidents = world.incidents_at(t)
    assert incidents
    times = [a.occurred_at for a in incidents]
    assert times == sorted(times)
    assert all(a.occurred_at <= t for a in incidents)
    # The day's incidents last at most 8 hours; notices and works are listed far longer.
    assert all(t - timedelta(hours=8) <= a.occurred_at for a in daily(world, t))
    assert min(times) < t - timedelta(days=30)


def test_incident_keeps_its_key_while_progress_changes(world: TrafficWorld) -> None:
    start, end = at(6), at(16)
    polls = int((end - start) / MINUTE)
    seen: dict[str, list[tuple[int, Accident]]] = defaultdict(list)
    for n in range(polls):
        for a in world.incidents_at(start + n * MINUTE):
            seen[a.incident_key].append((n, a))

    whole_lives = 0
    for key, sightings in seen.items():
        indexes = [n for n, _ in sightings]
        # Seen at every poll from its first to its last: once gone, it stays gone.
        assert indexes == list(range(indexes[0], indexes[-1] + 1)), key
        first = sightings[0][1]
        for _, a in sightings:
            assert a.incident_key == key
            assert all(getattr(a, f) == getattr(first, f) for f in IDENTITY + PLACE)
        if indexes[0] == 0 or indexes[-1] == polls - 1:
            continue  # started before or outlives the window
        whole_lives += 1
        # KEC's progress as recorded ("1" 진행) the whole time: it leaves the feed when it
        # clears, never with a closing progress. Its text moves from the report to handling.
        assert {(a.process_code, a.process_name) for _, a in sightings} == {PROCESS}
        assert len({a.sms_text for _, a in sightings}) >= 2
        assert first.occurred_at > start + (indexes[0] - 1) * MINUTE
        assert first.occurred_at <= start + indexes[0] * MINUTE
    assert whole_lives >= 50


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=400 * 24 * 3600))
def test_incidents_at_any_instant(offset: int) -> None:
    world = TrafficWorld(SEED)
    t = datetime(2026, 1, 1, tzinfo=KST) + timedelta(seconds=offset)
    incidents = world.incidents_at(t)
    assert len({a.incident_key for a in incidents}) == len(incidents)
    assert all(a.occurred_at <= t for a in incidents)
    assert all(a.lat is None or in_korea(a.lat, a.lon) for a in incidents)
    assert 10 <= len(incidents) <= 250


# --- the incident feed as KEC serves it (calibrated on realTimeSms.json) ---------------------

NOTICE_TEXT = re.compile(r"\*\* .+ \*\*")
PHONE = re.compile(r"(?:0\d{1,2}-\d{3,4}|1\d{3})-\d{4}")


@pytest.fixture(scope="module")
def feeds(world: TrafficWorld) -> list[tuple[datetime, list[Accident]]]:
    """The feed at two dozen instants over a year and a half."""
    return [(t, world.incidents_at(t)) for t in FEED_TIMES]


def test_feed_size_is_tens_to_a_couple_of_hundred(
    feeds: list[tuple[datetime, list[Accident]]],
) -> None:
    # Recorded counts: 60 (2026-09), 190 (2026-06), 99 (capped).
    sizes = [len(rows) for _, rows in feeds]
    assert all(20 <= n <= 200 for n in sizes), sizes
    assert 40 <= sum(sizes) / len(sizes) <= 150


def test_notices_are_mixed_in_as_recorded(feeds: list[tuple[datetime, list[Accident]]]) -> None:
    # Recorded: 19 of 20 rows are type 15 이벤트/홍보 notices dated 2023-2026, all "1"/진행,
    # none with coordinates, with a blank place, their text wrapped in "** … **".
    rows = [a for _, feed in feeds for a in feed]
    notices = [a for a in rows if a.type_code == "15"]
    assert 0.2 <= len(notices) / len(rows) <= 0.7
    for t, feed in feeds:
        assert any(a.type_code == "15" for a in feed), t
    for a in notices:
        assert a.type_name == "이벤트/홍보"
        assert (a.process_code, a.process_name) == PROCESS
        assert (a.lat, a.lon, a.point_name, a.late_length_km) == (None, None, None, None)
        assert a.lanes_blocked == "NNNNNN"
        assert not a.shoulder_blocked
        assert NOTICE_TEXT.fullmatch(a.sms_text), a.sms_text
        assert a.category == "notice"
    ages = [(t - a.occurred_at).days for t, feed in feeds for a in feed if a.type_code == "15"]
    assert min(ages) >= 0
    assert sum(age >= 30 for age in ages) / len(ages) > 0.6  # months back
    assert max(ages) > 365  # and years
    texts = [a.sms_text for a in notices]
    assert any("(민자 고속도로구간)" in x and PHONE.search(x) for x in texts)  # phone numbers
    assert any("폐쇄" in x for x in texts)  # rest-area closures
    private = {r.route_no: r.route_name for r in PRIVATE_ROADS}
    assert any(private.get(a.route_no or "") == a.route_name for a in notices)


def test_most_rows_have_no_coordinates_and_many_no_place(
    feeds: list[tuple[datetime, list[Accident]]],
) -> None:
    # krex: 36 of 99 rows had coordinates; the recording: 0 of 20, 19 blank places.
    rows = [a for _, feed in feeds for a in feed]
    located = sum(a.lat is not None for a in rows) / len(rows)
    assert 0.15 <= located <= 0.5
    assert 0.3 <= sum(a.point_name is None for a in rows) / len(rows) <= 0.8
    incidents = [a for a in rows if a.type_code != "15"]
    assert 0.1 <= sum(a.point_name is None for a in incidents) / len(incidents) <= 0.5


def test_every_row_is_in_progress_as_recorded(
    feeds: list[tuple[datetime, list[Accident]]],
) -> None:
    # Only "1"/진행 was ever recorded; an incident leaves the feed when it clears.
    rows = [a for _, feed in feeds for a in feed]
    assert {(a.process_code, a.process_name) for a in rows} == {PROCESS}
    assert not any(a.closing for a in rows)


def test_long_works_stay_for_days_without_congesting(world: TrafficWorld) -> None:
    # The recording's 작업 row had been listed for months ("동탄방향 26.0", no coordinates).
    works = [(t, a) for t in FEED_TIMES for a in standing(world, t) if a.type_code == "03"]
    assert works
    assert all(a.category == "incident" for _, a in works)
    assert any((t - a.occurred_at).days >= 3 for t, a in works)
    assert sum(a.lat is None for _, a in works) / len(works) > 0.5
    for t, a in works:
        assert a.lanes_blocked != "NNNNNN" or a.shoulder_blocked
        assert a.point_name is None or re.fullmatch(r"\S+방향 \d+\.\d", a.point_name)
        assert a.incident_key not in world.incident_sections_at(t)


def test_standing_rows_come_and_go_with_their_time(world: TrafficWorld) -> None:
    t = DAY
    now = {a.incident_key: a for a in standing(world, t)}
    later = {a.incident_key: a for a in standing(world, t + timedelta(days=60))}
    assert now.keys() & later.keys()  # some stay for months
    assert now.keys() - later.keys()  # some have gone
    assert later.keys() - now.keys()  # new ones came
    for key in now.keys() & later.keys():
        assert now[key] == later[key]  # unchanged while listed
    assert standing(TrafficWorld(SEED), t) == standing(world, t)


def test_the_feed_is_cheap(world: TrafficWorld) -> None:
    world.incidents_at(at(10))  # warm the caches of the day
    best = min(_seconds(lambda k=k: world.incidents_at(at(10, k))) for k in range(1, 8))
    assert best < 0.02
    assert _seconds(lambda: TrafficWorld(SEED).incidents_at(at(10))) < 1.0  # a cold world


def _seconds(call: object) -> float:
    assert callable(call)
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


# --- tollgate volume ------------------------------------------------------------------------


def totals(rows: list[TollgateTraffic]) -> Counter[str]:
    """Volume per unit, over the units whose counts are in (a blank count is KEC's too)."""
    out: Counter[str] = Counter()
    blank = {r.unit_code for r in rows if r.traffic_amount is None}
    for r in rows:
        if r.unit_code not in blank:
            assert r.traffic_amount is not None
            out[r.unit_code] += r.traffic_amount
    return out


def test_tollgate_slot_is_published_with_delay(world: TrafficWorld) -> None:
    assert {r.slot_at for r in world.tollgate_traffic_at(at(8, 30))} == {at(8)}
    assert {r.slot_at for r in world.tollgate_traffic_at(at(8, 30) - SECOND)} == {at(7, 45)}
    yesterday = DAY - timedelta(days=1)
    assert {r.slot_at for r in world.tollgate_traffic_at(at(0, 15))} == {at(23, 45, yesterday)}
    # The 23:45 slot ended only 10 minutes before 00:10: KEC has not published it yet.
    assert {r.slot_at for r in world.tollgate_traffic_at(at(0, 10))} == {at(23, 30, yesterday)}


def test_a_tollgate_answer_holds_the_last_hour(world: TrafficWorld) -> None:
    # trafficAll (trafficIc's sibling) answers the last hour as four 15-minute slots.
    assert TOLLGATE_SLOTS_PER_ANSWER == 4
    rows = world.tollgate_hour_at(at(8, 30))
    slots = [r.slot_at for r in rows]
    assert sorted(set(slots)) == [at(7, 15), at(7, 30), at(7, 45), at(8)]
    assert slots == sorted(slots)  # oldest slot first
    latest = world.tollgate_traffic_at(at(8, 30))
    assert rows[-len(latest) :] == latest
    for k in range(1, 4):
        previous = world.tollgate_traffic_at(at(8, 30) - k * TOLLGATE_SLOT_TIME)
        assert [r for r in rows if r.slot_at == previous[0].slot_at] == previous


def test_tollgate_rows_per_unit(world: TrafficWorld) -> None:
    rows = world.tollgate_traffic_at(at(8, 30))
    units = {t.unit_code: t for t in world.tollgates()}
    by_unit: dict[str, list[TollgateTraffic]] = defaultdict(list)
    for r in rows:
        by_unit[r.unit_code].append(r)
    assert set(by_unit) <= set(units)
    assert len(by_unit) > 150
    every = {(i, c, str(k)) for i in "01" for c in "12" for k in range(1, 7)}
    for code, unit_rows in by_unit.items():
        combos = [(r.inout_type, r.tcs_type, r.car_type) for r in unit_rows]
        assert len(set(combos)) == len(combos)
        assert set(combos) <= every
        assert {r.unit_name for r in unit_rows} == {units[code].unit_name}
        assert len({(r.ex_div_code, r.ex_div_name) for r in unit_rows}) == 1
        assert units[code].lat is not None  # a unit with traffic is on the map
    for r in rows:
        assert (r.tm_type, r.tm_name) == ("2", "15분")
        assert r.ex_div_name == ("도공" if r.ex_div_code == "00" else "민자")
        assert re.fullmatch(r"\d{2}", r.ex_div_code)
        assert {"0": "입구", "1": "출구"}[r.inout_type] == r.inout_name
        assert {"1": "TCS", "2": "hi-pass"}[r.tcs_type] == r.tcs_name
        # No row for a combination nobody drove; a blank count is KEC's "not in yet".
        assert r.traffic_amount is None or r.traffic_amount >= 1
    counted = [r for r in rows if r.traffic_amount is not None]
    # Recorded: hi-pass carries ~96 % of 1종 (46,753 of 48,378).
    hipass = sum(r.traffic_amount or 0 for r in counted if r.tcs_type == "2")
    assert 0.9 <= hipass / sum(r.traffic_amount or 0 for r in counted) <= 0.98
    by_car = Counter[str]()
    for r in counted:
        by_car[r.car_type] += r.traffic_amount or 0
    assert by_car.most_common(1)[0][0] == "1"
    assert by_car["1"] > 0.75 * sum(by_car.values())
    assert by_car.most_common(2)[1][0] == "6"  # 경차 next, as recorded


def test_private_operators_and_blank_volumes(world: TrafficWorld) -> None:
    # trafficAll carries operators 00 도공 and 01, 02, 08, 10 민자; KEC's trafficAmout may be "".
    rows = [r for h in range(0, 24, 3) for r in world.tollgate_hour_at(at(h, 20))]
    divisions = Counter(r.ex_div_code for r in rows)
    assert divisions["00"] > 0.8 * len(rows)
    assert len(divisions) >= 3
    assert all(r.ex_div_name == "민자" for r in rows if r.ex_div_code != "00")
    blank = sum(r.traffic_amount is None for r in rows) / len(rows)
    assert 0.002 < blank < 0.06
    # Filters a client sends (carType=1, inoutType=0, tcsType=2): one row per unit and slot.
    one = [r for r in rows if (r.car_type, r.inout_type, r.tcs_type) == ("1", "0", "2")]
    assert len({(r.unit_code, r.slot_at) for r in one}) == len(one)


@pytest.mark.parametrize("day", [DAY, SATURDAY])
def test_tollgate_volume_peaks(world: TrafficWorld, day: datetime) -> None:
    def slot(hour: int) -> Counter[str]:
        rows = world.tollgate_traffic_at(at(hour, 30, day))
        assert {r.slot_at for r in rows} == {at(hour, 0, day)}
        return totals(rows)

    night, morning, evening = slot(3), slot(8), slot(18)
    for code in night.keys() & morning.keys() & evening.keys():
        assert morning[code] > night[code], code
        assert evening[code] > night[code], code


def test_tollgate_volume_is_bigger_near_seoul(world: TrafficWorld) -> None:
    units = {t.unit_name: t.unit_code for t in world.tollgates()}
    volume = totals(world.tollgate_hour_at(at(8, 30)))
    assert volume[units["서울"]] > volume[units["부산"]]
    assert volume[units["서울"]] > 3 * sorted(volume.values())[len(volume) // 2]


def test_tollgates(world: TrafficWorld) -> None:
    # locationinfoUnit: 590 units, 194 of them with null coordinates (recorded 2026).
    gates = world.tollgates()
    assert (len(gates), UNIT_COUNT) == (590, 590)
    unlocated = [g for g in gates if g.lat is None]
    assert len(unlocated) == UNLOCATED_UNITS == 194
    assert all(g.lon is None for g in unlocated)
    codes = [g.unit_code for g in gates]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert len({g.unit_name for g in gates}) == len(gates)
    assert all(re.fullmatch(r"\d{3}", c) for c in codes)
    by_name = {g.unit_name: g for g in gates}
    assert by_name["서울"].unit_code == "101"
    for w in load_network().tollgates():
        assert w.name.removesuffix("TG") in by_name
    with_traffic = {r.unit_code for r in world.tollgate_traffic_at(at(8, 30))}
    assert with_traffic <= set(codes)
    for g in gates:
        assert not g.unit_name.endswith(("TG", "IC"))
        assert g.route_no is not None
        assert re.fullmatch(r"\d{4}", g.route_no)
        assert g.route_name
        assert g.lat is None or in_korea(g.lat, g.lon)
    names = [g.unit_name for g in unlocated]
    assert any(n.endswith("JC") for n in names)
    assert any(n.endswith("휴게소") for n in names)
    assert TrafficWorld(SEED + 1).tollgates() == gates  # geography does not depend on the seed


# --- road status ----------------------------------------------------------------------------


ROAD_TIMES = [at(3), at(8), at(8, 7).replace(second=30), at(13, 7), at(18, 20), at(15, 0, SATURDAY)]


@pytest.mark.parametrize("t", ROAD_TIMES)
def test_road_rows_cover_every_section(world: TrafficWorld, t: datetime) -> None:
    rows = world.road_status_at(t)
    sections = {s.conzone_id: s for s in load_network().sections}
    assert {r.conzone_id for r in rows} == set(sections)
    assert len({r.vds_id for r in rows}) == len(rows)
    std_at = t.replace(second=0, microsecond=0)
    for r in rows:
        section = sections[r.conzone_id]
        assert (r.conzone_name, r.route_no, r.route_name, r.direction) == (
            section.conzone_name,
            section.route_no,
            section.route_name,
            section.direction,
        )
        assert r.vds_id[:-2] == section.vds_id[:-2]
        assert r.std_at == std_at
        assert r.std_at.utcoffset() == timedelta(hours=9)
        assert r.grade in (0, 1, 2, 3)
        assert r.speed is not None
        if r.grade == 0:
            assert r.speed == -1
            continue
        assert r.grade == (1 if r.speed >= 80 else 2 if r.speed >= 40 else 3)
        assert r.time_avg is not None
        assert abs(r.time_avg - section.length_km * 3600 / r.speed) <= 1
        assert r.traffic_amount is not None
        assert r.traffic_amount >= 0
        assert r.share_ratio is not None
        assert 0 <= r.share_ratio <= 100


# Incidents that hold a queue behind them (KEC's lateLength): the rest take lanes.
QUEUEING = {"사고", "정체"}


@pytest.mark.parametrize("t", ROAD_TIMES)
def test_sections_with_incidents_are_slow_or_congested(world: TrafficWorld, t: datetime) -> None:
    incidents = daily(world, t)
    assert incidents
    where = world.incident_sections_at(t)
    assert set(where) == {a.incident_key for a in incidents}
    grades: dict[str, set[int]] = defaultdict(set)
    for r in world.road_status_at(t):
        grades[r.conzone_id].add(r.grade)
    queueing = {where[a.incident_key] for a in incidents if a.type_name in QUEUEING}
    for a in incidents:
        section = world.section_of(where[a.incident_key])
        if section.conzone_id in queueing:
            assert grades[section.conzone_id] == {3}, a
        else:  # a closed lane or a stopped car: never full speed, jammed only when busy
            assert grades[section.conzone_id] <= {2, 3}, a
        # The incident's record names that section, when it names a place.
        assert a.route_no == section.route_no
        assert a.point_name is None or (
            a.point_name == section.conzone_name
            or a.point_name.startswith(
                (f"{section.start.name} 부근(", f"{section.end.name} 부근(", f"{a.direction} ")
            )
        ), a.point_name
        if a.lat is None:
            assert a.lon is None
            continue
        assert a.lon is not None
        lats = sorted((section.start.lat, section.end.lat))
        lons = sorted((section.start.lon, section.end.lon))
        assert lats[0] <= a.lat <= lats[1]
        assert lons[0] <= a.lon <= lons[1]


@pytest.mark.parametrize("t", ROAD_TIMES)
def test_the_queue_behind_an_accident_or_a_jam_is_slow(world: TrafficWorld, t: datetime) -> None:
    where = world.incident_sections_at(t)
    busy = set(where.values())
    grades: dict[str, set[int]] = defaultdict(set)
    for r in world.road_status_at(t):
        grades[r.conzone_id].add(r.grade)
    behind = (
        {
            world.upstream_of(where[a.incident_key])
            for a in daily(world, t)
            if a.type_name in QUEUEING
        }
        - {None}
        - busy
    )
    assert behind
    for zone in behind:
        assert zone is not None
        assert grades[zone] == {2}, zone
        ahead = world.section_of(zone)
        assert any(world.section_of(z).start == ahead.end for z in busy)


def test_every_grade_shows_at_every_hour(world: TrafficWorld) -> None:
    # 서행 must not be a commute-peak rarity: the dashboard's 원활/서행/정체 all carry data.
    for hour in range(24):
        readings = world.road_status_at(at(hour, 10))
        grades = Counter(r.grade for r in readings)
        assert {1, 2, 3} <= set(grades), (hour, grades)
        assert any(s.slow_sections for s in summarize_routes(readings)), hour
    peak, night = (Counter(r.grade for r in world.road_status_at(at(h))) for h in (8, 3))
    assert peak[2] + peak[3] > 2 * (night[2] + night[3])  # the peak is slower than the night


def test_direction_text_follows_the_section(world: TrafficWorld) -> None:
    texts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for k in range(0, SLOTS_PER_DAY, 3):
        t = DAY + k * INCIDENT_SLOT
        where = world.incident_sections_at(t)
        for a in daily(world, t):
            section = world.section_of(where[a.incident_key])
            texts[(section.route_no, section.direction)].add(a.direction)
    assert all(len(v) == 1 for v in texts.values()), texts
    assert texts[("0010", "E")] == {"서울방향"}
    assert texts[("0010", "S")] == {"부산방향"}


def test_rush_hour_is_slower_than_night(world: TrafficWorld) -> None:
    def mean_speed(t: datetime) -> float:
        speeds = [r.speed for r in world.road_status_at(t) if r.grade != 0 and r.speed]
        return sum(speeds) / len(speeds)

    assert mean_speed(at(8)) < mean_speed(at(3)) - 5
    assert mean_speed(at(18, 30)) < mean_speed(at(3)) - 5


def test_no_data_rows_are_rare_but_always_there(world: TrafficWorld) -> None:
    # KEC's grade 0 (판정불가) comes with speed -1; the route summaries skip such rows.
    snapshots = [world.road_status_at(DAY + k * MINUTE) for k in range(0, 24 * 60, 37)]
    rows = [r for snapshot in snapshots for r in snapshot]
    share = sum(r.grade == 0 for r in rows) / len(rows)
    assert 0.002 < share < 0.03
    assert sum(any(r.grade == 0 for r in s) for s in snapshots) > 0.9 * len(snapshots)
    for r in rows:
        assert (r.grade == 0) == (r.speed == -1)
        if r.grade == 0:
            assert (r.traffic_amount, r.share_ratio, r.time_avg) == (None, None, None)


def test_road_status_is_fast(world: TrafficWorld) -> None:
    world.road_status_at(at(9))  # warm the incident cache of the hour
    best = min(_timed(world, at(9, k)) for k in range(1, 8))
    assert best < 0.05


def _timed(world: TrafficWorld, t: datetime) -> float:
    began = time.perf_counter()
    world.road_status_at(t)
    return time.perf_counter() - began


# --- encoding and the provider --------------------------------------------------------------


def test_records_round_trip_through_msgpack(world: TrafficWorld) -> None:
    t = at(8, 17)
    accidents = world.incidents_at(t)
    volumes = world.tollgate_hour_at(t)
    readings = world.road_status_at(t)
    gates = world.tollgates()
    assert accidents
    assert volumes
    assert readings
    assert gates
    mp, js = msgspec.msgpack, msgspec.json
    assert mp.decode(mp.encode(accidents), type=list[Accident]) == accidents
    assert mp.decode(mp.encode(volumes), type=list[TollgateTraffic]) == volumes
    assert mp.decode(mp.encode(readings), type=list[RoadStatus]) == readings
    assert mp.decode(mp.encode(gates), type=list[Tollgate]) == gates
    assert js.decode(js.encode(accidents), type=list[Accident]) == accidents
    assert js.decode(js.encode(readings), type=list[RoadStatus]) == readings
    # Through JSON the datetimes come back in KST, exactly as generated.
    assert js.decode(js.encode(accidents[:1]), type=list[Accident])[0].occurred_at.utcoffset() == (
        timedelta(hours=9)
    )


async def test_sim_provider_reads_the_world_at_its_clock() -> None:
    t = at(18, 20)
    provider = SimProvider(seed=SEED, clock=lambda: t)
    assert isinstance(provider, Provider)
    assert provider.source == "sim"
    world = TrafficWorld(SEED)
    assert await provider.fetch(ACCIDENTS) == world.incidents_at(t)
    assert await provider.fetch(TOLLGATE_TRAFFIC) == world.tollgate_hour_at(t)
    assert await provider.fetch(ROAD_STATUS) == world.road_status_at(t)
    assert await provider.fetch(TOLLGATE_LIST) == world.tollgates()
    await provider.aclose()


async def test_sim_provider_follows_the_clock() -> None:
    now = [at(7)]
    provider = SimProvider(seed=SEED, clock=lambda: now[0])
    first = await provider.fetch(ROAD_STATUS)
    now[0] += timedelta(minutes=5)
    second = await provider.fetch(ROAD_STATUS)
    assert {r.std_at for r in first} == {at(7)}
    assert {r.std_at for r in second} == {at(7, 5)}
    assert SimProvider(seed=SEED + 1, clock=lambda: now[0]).world.seed == SEED + 1


def test_default_provider_uses_seed_7() -> None:
    assert SimProvider().world.seed == 7
