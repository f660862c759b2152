"""Flow grades follow the speeds: 원활, 서행 and 정체 are all reachable from KEC's rows.

The rows are the real recorded answer (``../shared/kec-real/trafficAmountByRealtime.json``),
read in place; only their speed and grade fields are varied, as another poll would carry them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.shared import KEC_REAL
from trafficha.models.domain import summarize_routes
from trafficha.models.flow import SLOW_MIN_KMH, SMOOTH_MIN_KMH, flow_grade, grade_of_speed
from trafficha.providers.kec import parse_road_status


def recorded() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((KEC_REAL / "trafficAmountByRealtime.json").read_bytes())
    return doc


def with_rows(doc: dict[str, Any], rows: list[dict[str, Any]]) -> bytes:
    return json.dumps({**doc, "count": len(rows), "list": rows}).encode()


def test_the_recorded_rows_keep_their_grade_where_it_matches_the_speed() -> None:
    doc = recorded()
    parsed = parse_road_status(json.dumps(doc).encode())
    assert [(r.speed, r.grade) for r in parsed] == [
        (int(row["speed"]), int(row["grade"])) for row in doc["list"]
    ]
    assert all(r.grade == 1 for r in parsed)  # 90 and 84 km/h: 원활, as KEC said


@pytest.mark.parametrize(
    ("speed", "kec_grade", "grade"),
    [
        ("84", "1", 1),
        ("80", "3", 1),  # KEC's grade does not follow the speed: the speed decides
        ("79", "1", 2),
        ("60", "1", 2),
        ("55", "3", 2),
        ("40", "1", 2),
        ("39", "1", 3),
        ("12", "1", 3),
        ("0", "2", 3),
        ("-1", "0", 0),  # no reading: 판정불가
        ("100", "0", 0),  # the detector judged its reading unusable
        ("", "2", 2),  # no speed: KEC's grade is all there is
    ],
)
def test_a_recorded_row_is_graded_by_its_speed(speed: str, kec_grade: str, grade: int) -> None:
    doc = recorded()
    row = {**doc["list"][0], "speed": speed, "grade": kec_grade}
    (parsed,) = parse_road_status(with_rows(doc, [row]))
    assert parsed.grade == grade


def test_every_grade_is_reachable_from_recorded_rows() -> None:
    # One poll of the recorded sections, each carriageway at another speed, all marked 원활 or
    # 정체 as the dashboard saw them: the summary counts a 서행 section again.
    doc = recorded()
    east, south = doc["list"]
    rows = [
        {**east, "speed": "65", "grade": "3"},
        {**south, "speed": "88", "grade": "1"},
        {**east, "vdsId": "0010VDE00110", "conzoneId": "0010CZE020", "speed": "22", "grade": "3"},
    ]
    parsed = parse_road_status(with_rows(doc, rows))
    assert sorted(r.grade for r in parsed) == [1, 2, 3]
    (summary,) = summarize_routes(parsed)
    assert (summary.smooth_sections, summary.slow_sections, summary.congested_sections) == (
        1,
        1,
        1,
    )


def test_the_thresholds_are_the_legend_s() -> None:
    assert (SMOOTH_MIN_KMH, SLOW_MIN_KMH) == (80.0, 40.0)
    assert [grade_of_speed(v) for v in (130, 80, 79.9, 40, 39.9, 0)] == [1, 1, 2, 2, 3, 3]
    assert flow_grade(None, 3) == 3
    assert flow_grade(-1, 0) == 0
    assert flow_grade(95.0, 0) == 0
    assert flow_grade(95.0, 3) == 1
