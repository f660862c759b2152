"""The travel time dataset (``trtm/realUnitTrtm``): the real recording parses row for row with
KEC's quirks, odd rows are quarantined, and the simulator answers in the recorded wire format
with times that follow its road speeds.

The recording (``../shared/kec-real/realUnitTrtm.json``) is read in place; the expectations are
derived from its rows, not copied from it.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec
import pytest

from tests.support.shared import KEC_REAL
from trafficha.datasets.registry import TRAVEL_TIME, by_endpoint, by_kind
from trafficha.datasets.spec import SimRequest
from trafficha.datasets.travel_time import TABLE, TravelTime, parse_travel_times
from trafficha.errors import ProviderAuthError, ProviderPayloadError
from trafficha.kst import KST
from trafficha.sim import wire
from trafficha.sim.travel import (
    CAR_CLASSES,
    HOPS,
    TRAVEL_DELAY,
    TRAVEL_SLOT,
    TRAVEL_SLOTS_PER_ANSWER,
    TravelTimes,
    pairs_of,
    slot_of,
)
from trafficha.sim.world import TrafficWorld

RECORDING = KEC_REAL / "realUnitTrtm.json"
WORLD = TrafficWorld(7)
MORNING = datetime(2026, 9, 24, 8, 3, tzinfo=KST)  # a Thursday, the morning peak


def recorded() -> tuple[bytes, list[dict[str, Any]]]:
    body = RECORDING.read_bytes()
    return body, json.loads(body)["realUnitTrtmVO"]


def body(*rows: dict[str, Any]) -> bytes:
    doc = {"count": len(rows), "realUnitTrtmVO": list(rows), "code": "SUCCESS"}
    return msgspec.json.encode(doc)


def request(now: datetime = MORNING, **params: str) -> SimRequest:
    return SimRequest(WORLD, params, now, {})


def served(records: Sequence[TravelTime], page_no: int = 1) -> dict[str, Any]:
    """One page of records as the simulator sends it, decoded."""
    page = wire.page_spec(TRAVEL_TIME.feed, len(records), page_no=page_no, num_of_rows=None)
    doc = wire.document(TRAVEL_TIME.feed, TRAVEL_TIME.wire_rows(records[page.rows], page), page)
    decoded: dict[str, Any] = json.loads(wire.encode_json(doc))
    return decoded


# --- the real recording ---------------------------------------------------------------------


def test_every_recorded_row_parses_with_kecs_quirks() -> None:
    raw, rows = recorded()
    parsed = parse_travel_times(raw)
    assert parsed.rejected == []
    assert len(parsed) == len(rows)
    for row, t in zip(rows, parsed, strict=True):
        # Codes lose their padding; names and the basis come as sent.
        assert t.start_unit_code == row["startUnitCode"].strip() != row["startUnitCode"]
        assert t.end_unit_code == row["endUnitCode"].strip()
        assert (t.start_unit_name, t.end_unit_name) == (row["startUnitNm"], row["endUnitNm"])
        assert (t.basis, t.basis_name) == (row["startEndStdTypeCode"], row["startEndStdTypeNm"])
        assert (t.car_type, t.car_type_name) == (row["tcsCarTypeCode"], row["tcsCarTypeName"])
        assert (t.car_div_code, t.car_div_name) == (
            row["tcsCarTypeDivCode"],
            row["tcsCarTypeDivName"],
        )
        # Minutes and counts come as strings.
        assert isinstance(row["timeAvg"], str)
        assert t.time_avg == float(row["timeAvg"])
        assert (t.time_min, t.time_max) == (float(row["timeMin"]), float(row["timeMax"]))
        assert t.vehicles == int(row["efcvTrfl"])
        # "HH  " is the hour's own row, "HH:MM" a 5-minute slot; both KST.
        time = row["stdTime"]
        assert t.slot_at.utcoffset() == timedelta(hours=9)
        assert t.slot_at.strftime("%Y%m%d") == row["stdDate"]
        if ":" in time:
            assert (t.slot_minutes, t.slot_at.strftime("%H:%M")) == (5, time)
        else:
            assert time.endswith("  ")
            assert (t.slot_minutes, t.slot_at.strftime("%H%M")) == (60, time.strip() + "00")


def test_the_hours_row_and_its_first_slot_have_distinct_natural_keys() -> None:
    raw, rows = recorded()
    parsed = parse_travel_times(raw)
    # The table's natural key, read off the records (its columns are the records' fields).
    natural = [tuple(getattr(t, column) for column in TABLE.key) for t in parsed]
    assert len(set(natural)) == len(natural)
    hours = [t for t in parsed if t.slot_minutes == 60]
    assert len(hours) == sum(":" not in r["stdTime"] for r in rows) > 0
    # Each hour's row comes before that hour's first slot, which starts at the same instant.
    for hour in hours:
        index = parsed.index(hour)
        assert parsed[index + 1].slot_at == hour.slot_at
        assert parsed[index + 1].slot_minutes == 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"startUnitCode": " "}, "startUnitCode is missing"),
        ({"endUnitCode": None}, "endUnitCode is missing"),
        ({"stdTime": "7:5"}, "stdTime … is neither HH:MM nor HH"),
        ({"stdTime": "25:00"}, "hour must be in"),
        ({"stdDate": "2026-9"}, "not a KEC date/time"),
        ({"timeAvg": ""}, "timeAvg is missing"),
        ({"timeAvg": "fast"}, "timeAvg: not a number"),
        ({"timeMax": "-3"}, "timeMax -3.0 is out of range"),
        ({"timeMin": "99999"}, "timeMin 99999.0 is out of range"),
        ({"efcvTrfl": "-1"}, "efcvTrfl -1 is out of range"),
        ({"efcvTrfl": "many"}, "efcvTrfl: not a number"),
        ({"tcsCarTypeCode": ""}, "tcsCarTypeCode is missing"),
        ({"startUnitCode": "1" * 17}, "startUnitCode is longer than 16 characters"),
        ({"startUnitNm": ["서울"]}, "got `array` - at `$.startUnitNm`"),
    ],
)
def test_an_unusable_row_is_quarantined_and_the_rest_flow(
    change: dict[str, Any], message: str
) -> None:
    _, rows = recorded()
    good = rows[1]
    parsed = parse_travel_times(body(good, {**good, **change}, good))
    assert len(parsed) == 2
    [rejected] = parsed.rejected
    assert rejected.row == 1
    assert message.replace("…", repr(change.get("stdTime"))) in rejected.detail


def test_kecs_odd_orderings_and_blanks_are_not_rejections() -> None:
    _, rows = recorded()
    row = {**rows[1], "timeMin": "12.5", "timeMax": "3.0", "efcvTrfl": ""}
    (t,) = parse_travel_times(body(row))
    assert (t.time_min, t.time_max, t.vehicles) == (12.5, 3.0, None)
    numbers = {**rows[1], "timeAvg": 9.5, "tcsCarTypeCode": 1, "efcvTrfl": 7}
    (n,) = parse_travel_times(body(numbers))
    assert (n.time_avg, n.car_type, n.vehicles) == (9.5, "1", 7)


def test_a_rejected_key_an_empty_answer_and_a_waf_page_are_told_apart() -> None:
    with pytest.raises(ProviderAuthError):
        parse_travel_times(b'{"code":"ERROR","message":"\\uc778\\uc99d"}')
    assert parse_travel_times(b'{"code":"SUCCESS","count":0}') == []
    with pytest.raises(ProviderPayloadError, match="HTML"):
        parse_travel_times(b"<!DOCTYPE html><html>Request Blocked</html>")


def test_the_dataset_is_registered_with_kecs_feed() -> None:
    assert by_kind("travel_time") is TRAVEL_TIME is by_endpoint("travel_time")
    feed = TRAVEL_TIME.feed
    assert (feed.path, feed.list_key, feed.max_rows) == (
        "/openapi/trtm/realUnitTrtm",
        "realUnitTrtmVO",
        99,
    )
    keys = [k if k != "realUnitTrtmVO" else "<list>" for k in json.loads(recorded()[0])]
    assert list(feed.keys) == keys  # the envelope in the recorded order


# --- the simulator ------------------------------------------------------------------------------


def test_the_simulators_rows_are_the_recorded_wire_format_and_parse_back() -> None:
    _, rows = recorded()
    records = TRAVEL_TIME.sim_records(request())
    doc = served(records)
    assert (doc["count"], doc["numOfRows"], doc["pageNo"]) == (len(records), 99, 1)
    assert doc["pageSize"] == math.ceil(len(records) / 99) > 1
    page = doc["realUnitTrtmVO"]
    assert len(page) == 99
    recorded_keys = list(rows[0])
    echoes = {k for k, v in rows[0].items() if v is None}
    for row in page:
        assert list(row) == recorded_keys
        assert {k for k, v in row.items() if v is None} == echoes
        assert all(isinstance(row[k], str) for k in row if k not in echoes)
        assert len(row["startUnitCode"]) == len(row["endUnitCode"]) == 4  # "101 "
        assert re.fullmatch(r"\d+\.\d{6}", row["timeMin"])
        assert re.fullmatch(r"\d{2}:\d{2}|\d{2}  ", row["stdTime"])
    assert parse_travel_times(wire.encode_json(doc_of(records))) == records


def doc_of(records: Sequence[TravelTime]) -> dict[str, Any]:
    page = wire.page_spec(TRAVEL_TIME.feed, len(records), page_no=1, num_of_rows=len(records))
    return wire.document(TRAVEL_TIME.feed, TRAVEL_TIME.wire_rows(records, page), page)


def test_an_unfiltered_answer_holds_the_latest_published_slots_with_their_hour() -> None:
    records = TRAVEL_TIME.sim_records(request())
    slots = sorted({t.slot_at for t in records if t.slot_minutes == 5})
    # A slot is out once it ended TRAVEL_DELAY ago: at 08:03, the one from 07:45 to 07:50.
    cutoff = MORNING - TRAVEL_DELAY
    assert slots[-1] == cutoff.replace(minute=cutoff.minute // 5 * 5) - TRAVEL_SLOT
    assert len(slots) == TRAVEL_SLOTS_PER_ANSWER
    assert all(b - a == TRAVEL_SLOT for a, b in itertools.pairwise(slots))
    hours = {t.slot_at for t in records if t.slot_minutes == 60}
    assert hours == {s.replace(minute=0) for s in slots}
    pairs = {(t.start_unit_code, t.end_unit_code) for t in records}
    assert len(pairs) == len(pairs_of(WORLD))
    assert {t.car_type for t in records} == {c.code for c in CAR_CLASSES}


def test_a_pair_filter_answers_the_day_so_far_each_hours_row_first() -> None:
    pair = pairs_of(WORLD)[0]
    records = TRAVEL_TIME.sim_records(
        request(iStartUnitCode=pair.start.unit_code, iEndUnitCode=pair.end.unit_code)
    )
    assert {(t.start_unit_code, t.end_unit_code) for t in records} == {
        (pair.start.unit_code, pair.end.unit_code)
    }
    cars = [t.car_type for t in records]
    assert cars == sorted(cars)  # by class, then time
    ones = [t for t in records if t.car_type == "1"]
    assert ones[0].slot_minutes == 60
    assert ones[0].slot_at == MORNING.replace(hour=0, minute=0)
    assert [t.slot_at for t in ones if t.slot_minutes == 5] == sorted(
        t.slot_at for t in ones if t.slot_minutes == 5
    )
    for hour in (t for t in ones if t.slot_minutes == 60):
        inside = [
            t for t in ones if t.slot_minutes == 5 and t.slot_at.replace(minute=0) == hour.slot_at
        ]
        assert hour.vehicles == sum(t.vehicles or 0 for t in inside)
        assert hour.time_min == min(t.time_min or 0 for t in inside)
        assert hour.time_max == max(t.time_max or 0 for t in inside)
    # Only arrival-based time is simulated; an unknown pair has no rows.
    assert TRAVEL_TIME.sim_records(request(iStartEndStdTypeCode="1")) == []
    assert TRAVEL_TIME.sim_records(request(iStartUnitCode="zzz")) == []
    ends = {t.end_unit_code for t in TRAVEL_TIME.sim_records(request(iStartUnitCode="101"))}
    assert 1 <= len(ends) <= 2 * HOPS


def test_pairs_run_along_routes_both_ways() -> None:
    pairs = pairs_of(WORLD)
    by_key = {(p.start.unit_code, p.end.unit_code): p for p in pairs}
    assert len(by_key) == len(pairs)
    for p in pairs:
        assert (p.end.unit_code, p.start.unit_code) in by_key  # and back
        first, last = p.sections[0].section, p.sections[-1].section
        assert (first.start.lat, first.start.lon) == (p.start.lat, p.start.lon)
        assert (last.end.lat, last.end.lon) == (p.end.lat, p.end.lon)
        for a, b in itertools.pairwise(p.sections):
            assert a.section.end == b.section.start  # one road, in order
        assert {i.section.direction for i in p.sections} == {p.direction}


def test_times_follow_the_road_speeds_and_congestion_makes_them_longer() -> None:
    times = TravelTimes(WORLD)
    slot = times.latest_slot(MORNING)
    middle = times.slot_time(slot) + TRAVEL_SLOT / 2
    speeds: dict[str, list[int]] = {}
    for r in WORLD.road_status_at(middle):
        if r.speed is not None and r.speed > 0:
            speeds.setdefault(r.conzone_id, []).append(r.speed)
    samples = times.slot_samples(slot)
    assert samples
    for s in samples:
        drive = 0.0
        for info in s.pair.sections:
            read = speeds.get(info.section.conzone_id)
            speed = sum(read) / len(read) if read else info.free_speed  # no reading: free flow
            drive += info.section.length_km / min(speed, s.car.speed_cap or math.inf) * 60
        # Two minutes of ramps and plazas, then the slot's noise of +-4 %.
        assert 0.955 <= s.time_avg / (drive + 2.0) <= 1.045, s
    # A pair crossing a section an incident congests takes longer than the same pair at night.
    ratios = []
    for hour in range(7, 20):
        at = MORNING.replace(hour=hour, minute=2, second=30)  # a slot's middle
        blocked = set(WORLD.incident_sections_at(at).values())
        # Against the same pair at 3 am, where nothing slows it (no work, no incident).
        slow = {r.conzone_id for r in WORLD.road_status_at(at.replace(hour=3)) if r.grade > 1}
        here, night = slot_of(at.replace(minute=0, second=0)), slot_of(at.replace(hour=3))
        for pair in times.pairs:
            crossed = {i.section.conzone_id for i in pair.sections}
            if crossed & blocked and not crossed & slow:
                car = CAR_CLASSES[0]
                ratios.append(
                    times.driving_minutes(pair, car, here) / times.driving_minutes(pair, car, night)
                )
    assert len(ratios) >= 3
    assert min(ratios) > 1.0
    assert max(ratios) > 1.5


def test_the_shape_follows_the_recording() -> None:
    _, rows = recorded()
    slots = [r for r in rows if ":" in r["stdTime"]]
    ratio = sorted(float(r["timeMin"]) / float(r["timeAvg"]) for r in slots)
    records = [t for t in TRAVEL_TIME.sim_records(request()) if t.slot_minutes == 5]
    ours = sorted((t.time_min or 0) / t.time_avg for t in records)
    # The median shortest time lies within a tenth of the recorded one's share of the average.
    assert abs(ours[len(ours) // 2] - ratio[len(ratio) // 2]) < 0.1
    # Single vehicles' times are whole seconds, as recorded.
    for t in records:
        for minutes in (t.time_min, t.time_max):
            assert minutes is not None
            assert abs(minutes * 60 - round(minutes * 60)) < 1e-3
    for r in slots:
        assert abs(float(r["timeMin"]) * 60 - round(float(r["timeMin"]) * 60)) < 1e-3
    # More vehicles at the morning peak than at night, as recorded.
    night = TRAVEL_TIME.sim_records(request(MORNING.replace(hour=3)))
    assert sum(t.vehicles or 0 for t in records) > 3 * sum(
        t.vehicles or 0 for t in night if t.slot_minutes == 5
    )
    recorded_by_hour = Counter[str]()
    for r in slots:
        recorded_by_hour[r["stdTime"][:2]] += int(r["efcvTrfl"])
    assert recorded_by_hour["07"] > 3 * recorded_by_hour["03"]


def test_the_answer_is_deterministic_and_kept_per_slot() -> None:
    cache: dict[str, Any] = {}
    first = TRAVEL_TIME.sim_records(SimRequest(WORLD, {}, MORNING, cache))
    again = TRAVEL_TIME.sim_records(SimRequest(WORLD, {}, MORNING + timedelta(seconds=30), cache))
    assert again is first  # the same slots: the kept answer
    other = TRAVEL_TIME.sim_records(SimRequest(TrafficWorld(7), {}, MORNING, {}))
    assert other == first
    later = TRAVEL_TIME.sim_records(SimRequest(WORLD, {}, MORNING + TRAVEL_SLOT, cache))
    assert later != first
