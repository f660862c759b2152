"""Stored records (snake_case store structs) to response bodies (the wire's camelCase structs)."""

from __future__ import annotations

from typing import Any, Final

import msgspec

from trafficha.apps.data_api.models import (
    AccidentItem,
    AccidentStatsBody,
    NoticeItem,
    RoadStatusItem,
    RoadSummaryItem,
    SlotPoint,
    TollgateItem,
    TollgateTrafficItem,
    TrafficPoint,
)
from trafficha.models.domain import RouteSummary
from trafficha.store.queries import AccidentStats, RoadSectionStatus, StoredAccident, TollgateSeries
from trafficha.store.reads import TollgateVolumes

__all__ = [
    "accident",
    "encode",
    "notice",
    "road_section",
    "route_summary",
    "stats",
    "tollgate",
    "tollgate_series",
]

_ENCODER: Final = msgspec.json.Encoder()


def encode(body: Any) -> bytes:
    return _ENCODER.encode(body)


def accident(a: StoredAccident) -> AccidentItem:
    at = a.occurred_at
    return AccidentItem(
        id=a.id,
        acc_date=f"{at.year:04d}{at.month:02d}{at.day:02d}",
        acc_hour=f"{at.hour:02d}{at.minute:02d}",
        acc_point_nm=a.point_name or "",
        road_nm=a.route_name,
        nosun_nm=a.route_no or "",
        sms_text=a.sms_text,
        acc_type=a.type_name,
        latitude=a.lat,
        altitude=a.lon,
        # The original's created_at is when the row appeared; ours is the first sighting.
        created_at=a.first_seen_at,
        occurred_at=at,
        last_seen_at=a.last_seen_at,
        type_code=a.type_code,
        direction=a.direction,
        process_code=a.process_code,
        process_name=a.process_name,
        lanes_blocked=a.lanes_blocked,
        shoulder_blocked=a.shoulder_blocked,
        late_length_km=a.late_length_km,
        source=a.source,
        active=a.active,
        cleared_at=a.cleared_at,
    )


def notice(a: StoredAccident) -> NoticeItem:
    return NoticeItem(
        id=a.id,
        occurred_at=a.occurred_at,
        route_no=a.route_no or "",
        route_name=a.route_name,
        direction=a.direction,
        type_code=a.type_code,
        type_name=a.type_name,
        sms_text=a.sms_text,
        point_name=a.point_name or "",
        process_code=a.process_code,
        process_name=a.process_name,
        first_seen_at=a.first_seen_at,
        last_seen_at=a.last_seen_at,
        source=a.source,
        active=a.cleared_at is None,
    )


def stats(s: AccidentStats) -> AccidentStatsBody:
    return AccidentStatsBody(
        total_accidents=s.total,
        today_accidents=s.today,
        active_accidents=s.active,
        cleared_today=s.cleared_today,
        active_notices=s.notices,
        by_type=s.by_type,
    )


def tollgate_series(s: TollgateSeries) -> TollgateTrafficItem:
    return TollgateTrafficItem(
        unit_code=s.unit_code,
        unit_name=s.unit_name,
        ex_div_name=s.ex_div_name,
        traffic_data=[
            TrafficPoint(collected_at=p.slot_at, traffic_amount=p.traffic_amount)
            for p in s.traffic_data
        ],
        last_updated=s.last_updated,
    )


def road_section(r: RoadSectionStatus) -> RoadStatusItem:
    return RoadStatusItem(
        route_no=r.route_no,
        route_name=r.route_name,
        conzone_id=r.conzone_id,
        conzone_name=r.conzone_name,
        vds_id=r.vds_id,
        updown_type_code=r.direction,
        traffic_amount=r.traffic_amount,
        speed=r.speed,
        share_ratio=r.share_ratio,
        time_avg=r.time_avg,
        grade=r.grade,
        collected_at=r.std_at,
    )


def route_summary(s: RouteSummary) -> RoadSummaryItem:
    return RoadSummaryItem(
        route_no=s.route_no,
        route_name=s.route_name,
        total_sections=s.total_sections,
        smooth_sections=s.smooth_sections,
        slow_sections=s.slow_sections,
        congested_sections=s.congested_sections,
        avg_speed=s.avg_speed,
        avg_traffic_amount=s.avg_traffic_amount,
        collected_at=s.collected_at,
    )


def tollgate(t: TollgateVolumes) -> TollgateItem:
    latest = t.latest
    return TollgateItem(
        unit_code=t.unit_code,
        unit_name=t.unit_name,
        route_no=t.route_no,
        route_name=t.route_name,
        lat=t.lat,
        lon=t.lon,
        latest_slot_at=None if latest is None else latest.slot_at,
        latest_traffic_amount=None if latest is None else latest.traffic_amount,
        series=[SlotPoint(slot_at=p.slot_at, traffic_amount=p.traffic_amount) for p in t.series],
    )
