"""Domain records and batches for tests, built the way the parsers build them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from trafficha.kst import KST
from trafficha.models import Accident, AccidentBatch, RoadBatch, RoadStatus, TollgateBatch
from trafficha.models.domain import TollgateTraffic, summarize_routes

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=KST)


def accident(n: int, *, text: str = "사고 처리중", at: datetime = T0) -> Accident:
    return Accident(
        incident_key=f"incident-{n:08d}",
        occurred_at=at + timedelta(seconds=n),
        route_no="0010",
        route_name="경부선",
        direction="서울방향",
        type_code="01",
        type_name="사고",
        sms_text=text,
        process_code="1",
        process_name="처리중",
        point_name=f"신갈JC 부근({n % 400}K)",
        lat=37.28,
        lon=127.11,
        late_length_km=1.5,
        lanes_blocked="NYNNNN",
        shoulder_blocked=False,
    )


def tollgate_row(n: int, *, at: datetime = T0) -> TollgateTraffic:
    return TollgateTraffic(
        unit_code=f"{n % 1000:03d}",
        unit_name="서울",
        ex_div_code="00",
        ex_div_name="도공",
        inout_type=str(n // 1000 % 2),
        inout_name="입구",
        tm_type="2",
        tm_name="15분",
        tcs_type="2",
        tcs_name="hi-pass",
        car_type="1",
        traffic_amount=100 + n % 50,
        slot_at=at + timedelta(minutes=15 * (n // 2000)),
    )


def road_row(n: int, *, at: datetime = T0, grade: int = 1) -> RoadStatus:
    return RoadStatus(
        vds_id=f"0010VDE{n:05d}",
        conzone_id=f"0010CZE{n // 2:03d}",
        conzone_name="서울TG-신갈JC",
        route_no="0010",
        route_name="경부선",
        direction="E",
        speed=90 - 20 * (grade - 1),
        traffic_amount=20,
        share_ratio=5,
        time_avg=60,
        grade=1 if grade == 1 else 2 if grade == 2 else 3,
        std_at=at,
    )


def _envelope(batch_id: str | None, **overrides: Any) -> dict[str, Any]:
    return {
        "producer": "test",
        "epoch": 1,
        "source": "sim",
        "fetched_at": T0,
        "batch_id": batch_id or uuid.uuid4().hex,
        **overrides,
    }


def accident_batch(
    records: list[Accident],
    *,
    epoch: int = 1,
    fetched_at: datetime = T0,
    batch_id: str | None = None,
) -> AccidentBatch:
    return AccidentBatch(
        **_envelope(batch_id, epoch=epoch, fetched_at=fetched_at), records=tuple(records)
    )


def tollgate_batch(records: list[TollgateTraffic], *, batch_id: str | None = None) -> TollgateBatch:
    return TollgateBatch(**_envelope(batch_id), records=tuple(records))


def road_batch(records: list[RoadStatus], *, batch_id: str | None = None) -> RoadBatch:
    return RoadBatch(
        **_envelope(batch_id),
        records=tuple(records),
        summaries=tuple(summarize_routes(records)),
    )
