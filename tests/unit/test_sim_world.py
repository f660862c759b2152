"""The simulated traffic world: determinism, realism of each dataset, and the sim provider."""

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
from trafficha.models.domain import incident_key
from trafficha.providers.base import Provider
from trafficha.providers.kec import KOREA_BOUNDS
from trafficha.providers.sim import SimProvider
from trafficha.reference import load_network
from trafficha.sim import INCIDENT_SLOT, INCIDENT_TYPES, TrafficWorld

SEED = 7
DAY = datetime(2026, 9, 24, tzinfo=KST)  # a Thursday
SATURDAY = datetime(2026, 9, 26, tzinfo=KST)
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
SLOTS_PER_DAY = 288
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
            world.road_status_at(t),
            world.tollgates(),
        )
    )


def starts_in_slot(world: TrafficWorld, slot_start: datetime) -> list[Accident]:
    """Incidents that started in one 5-minute slot (none ends within 5 minutes of its start)."""
    last_second = slot_start + INCIDENT_SLOT - SECOND
    return [a for a in world.incidents_at(last_second) if a.occurred_at >= slot_start]


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
        assert in_korea(a.lat, a.lon), a
        assert a.route_no is not None
        assert re.fullmatch(r"\d{4}", a.route_no)
        assert routes[a.route_no] == a.route_name
        assert a.occurred_at.utcoffset() == timedelta(hours=9)
        assert a.occurred_at.microsecond == 0
        assert a.direction.endswith("방향")
        assert re.fullmatch(r"[YN]{6}", a.lanes_blocked)
        assert a.sms_text.startswith(f"[{a.type_name}] {a.route_name} {a.direction} ")
        for text in (a.sms_text, a.point_name, a.direction, a.type_name, a.route_name):
            assert text is not None
            assert text == text.strip()
            assert text
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
    assert all(t - timedelta(hours=8) <= a.occurred_at <= t for a in incidents)


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
        codes = [a.process_code for _, a in sightings]
        assert codes[0] == "0"
        assert codes == sorted(codes, key=lambda c: c or "")
        assert len(set(codes)) >= 2
        assert len({a.process_name for _, a in sightings}) >= 2
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
    assert all(in_korea(a.lat, a.lon) for a in incidents)


# --- tollgate volume ------------------------------------------------------------------------


def totals(rows: list[TollgateTraffic]) -> Counter[str]:
    out: Counter[str] = Counter()
    for r in rows:
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


def test_tollgate_rows_per_unit(world: TrafficWorld) -> None:
    rows = world.tollgate_traffic_at(at(8, 30))
    units = {t.unit_code: t for t in world.tollgates()}
    by_unit: dict[str, list[TollgateTraffic]] = defaultdict(list)
    for r in rows:
        by_unit[r.unit_code].append(r)
    assert set(by_unit) == set(units)
    for code, unit_rows in by_unit.items():
        combos = {(r.inout_type, r.tcs_type, r.car_type) for r in unit_rows}
        assert combos == {(i, c, str(k)) for i in "01" for c in "12" for k in range(1, 7)}
        assert len(unit_rows) == 24
        assert {r.unit_name for r in unit_rows} == {units[code].unit_name}
    for r in rows:
        assert (r.ex_div_code, r.ex_div_name, r.tm_type, r.tm_name) == ("00", "도공", "2", "15분")
        assert {"0": "입구", "1": "출구"}[r.inout_type] == r.inout_name
        assert {"1": "TCS", "2": "hi-pass"}[r.tcs_type] == r.tcs_name
        assert r.traffic_amount is not None
        assert r.traffic_amount >= 0
    hipass = sum(r.traffic_amount or 0 for r in rows if r.tcs_type == "2")
    assert 0.78 <= hipass / sum(totals(rows).values()) <= 0.92
    by_car = Counter[str]()
    for r in rows:
        by_car[r.car_type] += r.traffic_amount or 0
    assert by_car.most_common(1)[0][0] == "1"
    assert by_car["1"] > 0.6 * sum(by_car.values())


@pytest.mark.parametrize("day", [DAY, SATURDAY])
def test_tollgate_volume_peaks(world: TrafficWorld, day: datetime) -> None:
    def slot(hour: int) -> Counter[str]:
        rows = world.tollgate_traffic_at(at(hour, 30, day))
        assert {r.slot_at for r in rows} == {at(hour, 0, day)}
        return totals(rows)

    night, morning, evening = slot(3), slot(8), slot(18)
    for code in night:
        assert morning[code] > night[code], code
        assert evening[code] > night[code], code


def test_tollgate_volume_is_bigger_near_seoul(world: TrafficWorld) -> None:
    units = {t.unit_name: t.unit_code for t in world.tollgates()}
    volume = totals(world.tollgate_traffic_at(at(8, 30)))
    assert volume[units["서울"]] > volume[units["부산"]]
    assert volume[units["서울"]] > 3 * sorted(volume.values())[len(volume) // 2]


def test_tollgates(world: TrafficWorld) -> None:
    gates = world.tollgates()
    codes = [g.unit_code for g in gates]
    assert len(set(codes)) == len(codes)
    assert len({g.unit_name for g in gates}) == len(gates)
    assert all(re.fullmatch(r"\d{3}", c) for c in codes)
    by_name = {g.unit_name: g for g in gates}
    assert by_name["서울"].unit_code == "101"
    for w in load_network().tollgates():
        assert w.name.removesuffix("TG") in by_name
    for g in gates:
        assert not g.unit_name.endswith(("TG", "IC", "JC"))
        assert g.route_no is not None
        assert re.fullmatch(r"\d{4}", g.route_no)
        assert g.route_name
        assert in_korea(g.lat, g.lon)
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


@pytest.mark.parametrize("t", ROAD_TIMES)
def test_sections_with_incidents_are_congested(world: TrafficWorld, t: datetime) -> None:
    incidents = world.incidents_at(t)
    assert incidents
    where = world.incident_sections_at(t)
    assert set(where) == {a.incident_key for a in incidents}
    grades: dict[str, set[int]] = defaultdict(set)
    for r in world.road_status_at(t):
        grades[r.conzone_id].add(r.grade)
    for a in incidents:
        section = world.section_of(where[a.incident_key])
        assert grades[section.conzone_id] == {3}, a
        # The incident's record names that section.
        assert a.route_no == section.route_no
        assert a.point_name is not None
        assert a.point_name == section.conzone_name or a.point_name.startswith(
            (f"{section.start.name} 부근(", f"{section.end.name} 부근(")
        )
        assert a.lat is not None
        assert a.lon is not None
        lats = sorted((section.start.lat, section.end.lat))
        lons = sorted((section.start.lon, section.end.lon))
        assert lats[0] <= a.lat <= lats[1]
        assert lons[0] <= a.lon <= lons[1]


def test_direction_text_follows_the_section(world: TrafficWorld) -> None:
    texts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for k in range(0, SLOTS_PER_DAY, 3):
        t = DAY + k * INCIDENT_SLOT
        where = world.incident_sections_at(t)
        for a in world.incidents_at(t):
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


def test_no_data_rows_are_rare(world: TrafficWorld) -> None:
    rows = [r for k in range(0, 24 * 60, 37) for r in world.road_status_at(DAY + k * MINUTE)]
    share = sum(r.grade == 0 for r in rows) / len(rows)
    assert 0.002 < share < 0.03


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
    volumes = world.tollgate_traffic_at(t)
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
    assert await provider.fetch(TOLLGATE_TRAFFIC) == world.tollgate_traffic_at(t)
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
