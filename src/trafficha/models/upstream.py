"""KEC OpenAPI rows exactly as the wire has them.

Field names are the wire's own (``trafficAmout`` included); values are what KEC sends: strings
for almost everything, sometimes ``""`` or ``null``, and JSON numbers for a few incident fields.
Normalization into domain records happens in :mod:`trafficha.providers.kec`, not here.
"""

from __future__ import annotations

import msgspec

# Text that KEC sends as a string but that may also be null or absent.
Text = str | None
# Numbers KEC sometimes sends as JSON numbers and sometimes as strings.
Number = float | str | None


class _Row(msgspec.Struct, kw_only=True, rename="camel"):
    """Base of every wire row: unknown keys are ignored, absent keys are None."""


class SmsRow(_Row):
    """One ``realTimeSMSList`` row of ``burstInfo/realTimeSms`` (incident SMS)."""

    acc_date: Text = None  # "2025.09.19"
    acc_hour: Text = None  # "07:55:29"
    acc_type_code: Text = None
    acc_type: Text = None
    start_end_type_code: Text = None  # the direction, as text ("서울방향")
    sms_text: Text = None
    acc_process_code: Text = None
    acc_process_nm: Text = msgspec.field(default=None, name="accProcessNM")
    acc_point_nm: Text = msgspec.field(default=None, name="accPointNM")
    nosun_nm: Text = msgspec.field(default=None, name="nosunNM")  # route number, 4 digits
    road_nm: Text = msgspec.field(default=None, name="roadNM")  # route name
    latitude: Number = None
    altitude: Number = None  # the longitude, despite its name
    late_length: Number = None
    series_nm: int | str | None = msgspec.field(default=None, name="seriesNM")
    lane_yn1: Text = None
    lane_yn2: Text = None
    lane_yn3: Text = None
    lane_yn4: Text = None
    lane_yn5: Text = None
    lane_yn6: Text = None
    shldroad_yn: Text = None


class TrafficIcRow(_Row):
    """One ``trafficIc`` row of ``trafficapi/trafficIc`` (tollgate volume per slot)."""

    ex_div_code: Text = None
    ex_div_name: Text = None
    unit_code: Text = None  # "101 ", trailing space
    unit_name: Text = None
    inout_type: Text = None  # "0" entry, "1" exit
    inout_name: Text = None
    tm_type: Text = None  # "1" hour, "2" 15 minutes
    tm_name: Text = None
    tcs_type: Text = None  # "1" TCS, "2" hi-pass
    tcs_name: Text = None
    car_type: Text = None
    traffic_amout: Number = None  # KEC's spelling
    sum_date: Text = None  # "YYYYMMDD"
    sum_tm: Text = None  # "HHMM"


class TrafficAmountRow(_Row):
    """One ``list`` row of ``odtraffic/trafficAmountByRealtime`` (VDS flow snapshot)."""

    std_date: Text = None
    std_hour: Text = None
    vds_id: Text = None
    conzone_id: Text = None
    conzone_name: Text = None
    route_no: Text = None  # 4 digits
    route_name: Text = None
    updown_type_code: Text = None  # "S" toward the route origin, "E" toward its end
    speed: Number = None
    traffic_amout: Number = None  # KEC's spelling
    share_ratio: Number = None
    time_avg: Number = None
    grade: Number = None  # 0 none, 1 원활, 2 서행, 3 정체


class LocationUnitRow(_Row):
    """One ``list`` row of ``locationinfo/locationinfoUnit`` (tollgate location)."""

    unit_name: Text = None
    unit_code: Text = None
    route_no: Text = None  # 3 digits here
    route_name: Text = None
    x_value: Number = None  # longitude
    y_value: Number = None  # latitude


class Envelope(msgspec.Struct, kw_only=True, rename="camel"):
    """The envelope around every KEC list; the list itself sits under a per-endpoint key."""

    code: Text = None
    message: Text = None
    count: int | str | None = None
    page_no: int | str | None = None
    num_of_rows: int | str | None = None
    page_size: int | str | None = None  # the number of pages, not rows
