"""The standing rows of the incident feed: KEC's notices and its long road works.

KEC's SMS feed is not only today's incidents. In the recorded answer
(``shared/kec-real/realTimeSms.json``, 2026-09-24) 19 of 20 rows are type ``"15"`` 이벤트/홍보
notices dated from 2023 to 2026: control-room phone numbers of the private (민자) roads, rest-area
and fuel-station closures, speed limits around road works, long shoulder closures, their text
wrapped in ``** … **``, with no place (``accPointNM: " "``), no coordinates and KEC's only
recorded progress, ``"1"`` 진행. The last row is a road work listed for months
(``"K (2차로) 비탈면보수 작업중"``, place ``"동탄방향 26.0"``). Those rows are what this module
plays, beside the day's incidents of :mod:`.incidents`:

- **phone notices**: one starts on a day with probability :data:`PHONE_RATE` and stays 1.5 to 4
  years, on one of the private roads of :data:`PRIVATE_ROADS` (about 9 listed at any time);
- **notices** on the network's routes: :data:`NOTICE_RATE` a day, listed 20 days to 1.5 years
  (log-uniform; about 22 at any time);
- **long works** (작업) on a network section: :data:`WORK_RATE` a day, listed 3 to 45 days (about
  8 at any time), mostly without coordinates; they block a lane but do not congest the section.

Each is a pure function of the seed and its start day (:func:`day_standing`); none changes while
it is listed, and each leaves the feed when its time is over.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from trafficha.models.domain import Accident, incident_key
from trafficha.sim.demand import kst_at
from trafficha.sim.incidents import PROCESS
from trafficha.sim.layout import SectionInfo
from trafficha.sim.seeded import rng, uniforms

__all__ = [
    "DAY_S",
    "MAX_STANDING_DAYS",
    "NOTICE_RATE",
    "NOTICE_TYPE",
    "PHONE_RATE",
    "PRIVATE_ROADS",
    "WORK_RATE",
    "PrivateRoad",
    "Standing",
    "day_of",
    "day_standing",
    "day_start",
]

DAY_S: Final = 86_400
_KST_OFFSET_S: Final = 9 * 3600

NOTICE_TYPE: Final = ("15", "이벤트/홍보")  # the notice type KEC confirms
_WORK_TYPE: Final = ("03", "작업")

PHONE_RATE: Final = 0.008
_PHONE_DAYS: Final = (548, 1461)
NOTICE_RATE: Final = 0.16
_NOTICE_DAYS: Final = (20, 548)
WORK_RATE: Final = 0.35
_WORK_DAYS: Final = (3, 45)
_WORK_LOCATED_SHARE: Final = 0.2
_WORK_PLACE_SHARE: Final = 0.6
MAX_STANDING_DAYS: Final = max(_PHONE_DAYS[1], _NOTICE_DAYS[1], _WORK_DAYS[1])
"""The longest any standing row is listed: how far back a day's rows must be looked for."""


@dataclass(frozen=True, slots=True)
class PrivateRoad:
    """A private (민자) expressway whose control room KEC's notices give the number of."""

    route_no: str
    route_name: str
    title: str  # how the notices name its company road
    directions: tuple[str, str]
    phone_prefix: str


# Route numbers and names as the SMS feed carries them (``nosunNM``/``roadNM``).
PRIVATE_ROADS: Final[tuple[PrivateRoad, ...]] = (
    PrivateRoad("0552", "대구부산선", "대구부산고속도로", ("대구", "부산"), "055"),
    PrivateRoad("3300", "제3경인선", "제3경인고속도로", ("시흥", "인천"), "031"),
    PrivateRoad("1300", "인천공항선", "인천공항고속도로", ("서울", "인천공항"), "032"),
    PrivateRoad("1201", "신월여의지하도로", "신월여의지하도로", ("여의도", "신월"), "1877"),
    PrivateRoad("1102", "인천대교선", "인천대교", ("송도", "공항"), "032"),
    PrivateRoad("0153", "평택시흥선", "평택시흥고속도로", ("시흥", "평택"), "1661"),
    PrivateRoad("4001", "인천김포선", "인천김포고속도로", ("김포", "인천"), "032"),
    PrivateRoad("0105", "부산신항선", "신항만배후도로", ("김해", "신항"), "070"),
)

_WORK_DETAILS: Final = (
    "비탈면보수",
    "교량보수",
    "방음벽 설치",
    "확장공사",
    "터널 보수",
    "배수시설 정비",
)


@dataclass(frozen=True, slots=True)
class Standing:
    """A notice or long work: listed from ``start`` to ``end`` (epoch seconds), unchanging."""

    start: int
    end: int
    accident: Accident


def day_of(epoch: float) -> int:
    """The KST day number of an instant (days since 1970-01-01 KST)."""
    return (math.floor(epoch) + _KST_OFFSET_S) // DAY_S


def day_start(day: int) -> int:
    """The epoch second a KST day starts."""
    return day * DAY_S - _KST_OFFSET_S


def day_standing(seed: int, day: int, sections: Sequence[SectionInfo]) -> tuple[Standing, ...]:
    """The notices and long works that start on one KST day."""
    day_rng = rng(seed, "standing", day)
    found: list[Standing] = []
    for kind, rate, make in (
        ("phone", PHONE_RATE, _phone_notice),
        ("notice", NOTICE_RATE, _route_notice),
        ("work", WORK_RATE, _long_work),
    ):
        for index in range(math.floor(rate + day_rng.random())):
            item = rng(seed, kind, day, index)
            start = day_start(day) + item.randrange(DAY_S)
            found.append(make(seed, item, start, sections))
    keys: set[str] = set()
    unique = []
    for standing in found:  # keys must stay unique; a clash is vanishingly rare
        if standing.accident.incident_key not in keys:
            keys.add(standing.accident.incident_key)
            unique.append(standing)
    return tuple(unique)


def _accident(
    at: datetime,
    *,
    route_no: str,
    route_name: str,
    direction: str,
    kind: tuple[str, str],
    text: str,
    point_name: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    late_length: float | None = None,
    lanes: tuple[int, ...] = (),
    shoulder: bool = False,
) -> Accident:
    code, name = kind
    return Accident(
        incident_key=incident_key(at, route_no, direction, code, point_name),
        occurred_at=at,
        route_no=route_no,
        route_name=route_name,
        direction=direction,
        type_code=code,
        type_name=name,
        sms_text=text,
        process_code=PROCESS[0],
        process_name=PROCESS[1],
        point_name=point_name,
        lat=lat,
        lon=lon,
        late_length_km=late_length,
        lanes_blocked="".join("Y" if n in lanes else "N" for n in range(1, 7)),
        shoulder_blocked=shoulder,
    )


def _log_uniform_days(item: random.Random, low: int, high: int) -> int:
    return round(math.exp(math.log(low) + (math.log(high) - math.log(low)) * item.random()))


# --- phone notices ----------------------------------------------------------------------------


def _phone(seed: int, road: PrivateRoad) -> str:
    """The control room's number: one per road and seed, in the shape of its prefix."""
    u = uniforms(seed, "phone", road.route_no)
    digits = [int(v * 10) for v in u]
    four = "".join(str(d) for d in digits[:4])
    if len(road.phone_prefix) == 4:  # a nationwide number: 1877-0435
        return f"{road.phone_prefix}-{four}"
    middle = str(2 + digits[4] % 8) + "".join(str(d) for d in digits[5:7])
    if road.phone_prefix == "070" or digits[7] >= 5:
        middle += str(digits[7])
    return f"{road.phone_prefix}-{middle}-{four}"


def _phone_notice(
    seed: int, item: random.Random, start: int, sections: Sequence[SectionInfo]
) -> Standing:
    road = item.choice(PRIVATE_ROADS)
    phone = _phone(seed, road)
    if item.random() < 0.6:
        text = f"** (민자 고속도로구간) {road.route_name} 상황실 전화번호 {phone} 문의 바랍니다 **"
    else:
        text = f"** (민자 고속도로구간) {road.title} 상황실 {phone} 문의바랍니다 **"
    end = start + DAY_S * item.randint(*_PHONE_DAYS)
    accident = _accident(
        kst_at(start),
        route_no=road.route_no,
        route_name=road.route_name,
        direction=f"{item.choice(road.directions)}방향",
        kind=NOTICE_TYPE,
        text=text,
    )
    return Standing(start, end, accident)


# --- notices on the network's routes ------------------------------------------------------------


def _strip(name: str) -> str:
    for suffix in ("IC", "JC", "TG", "SA"):
        name = name.removesuffix(suffix)
    return name


@dataclass(frozen=True, slots=True)
class _Words:
    """What a notice's text may say: its stretch, direction and dates."""

    info: SectionInfo
    start: datetime
    end: datetime

    @property
    def city(self) -> str:
        return self.info.direction_text.removesuffix("방향")

    @property
    def a(self) -> str:
        return self.info.section.start.name

    @property
    def b(self) -> str:
        return self.info.section.end.name

    @property
    def stretch(self) -> tuple[str, str]:
        """The section's ends without their kind (천안, 목천), or whole when that makes them
        the same (진례IC, 진례JC)."""
        a, b = _strip(self.a), _strip(self.b)
        return (a, b) if a != b else (self.a, self.b)

    @property
    def months(self) -> str:
        return f"{self.start.year}.{self.start.month}월~{self.end.year}.{self.end.month}월"

    @property
    def days(self) -> str:
        return f"{self.start.month}.{self.start.day}~{self.end.month}.{self.end.day}"

    @property
    def dates(self) -> str:
        s, e = self.start, self.end
        return f"{s.year % 100}.{s.month}.{s.day}~{e.year % 100}.{e.month}.{e.day}"


_TEMPLATES: Final[tuple[Callable[[_Words, random.Random], str], ...]] = (
    lambda w, r: (
        f"** {w.info.route.route_name} {_strip(w.a)}졸음쉼터({w.city}방향) 폐쇄 ({w.months}) **"
    ),
    lambda w, r: f"** ({w.city}방향) {_strip(w.b)} 졸음쉼터 화장실 폐쇄 **",
    lambda w, r: (
        f"** {_strip(w.a)}({w.city})주유소 영업중단({w.days})/휴게소 및 LPG충전소는 정상영업 **"
    ),
    lambda w, r: f"** {'~'.join(w.stretch)} 확장공사 제한속도변경 100- 80km/h ({w.dates}) **",
    lambda w, r: f"** {_strip(w.a)}부근(양방향) 방음벽 설치작업 {w.dates} **",
    lambda w, r: (
        f"** {w.info.route.route_name} {min(w.info.start_km, w.info.end_km):.1f}k~"
        f"{max(w.info.start_km, w.info.end_km):.1f}k(양방향)갓길 장기차단({w.days}) **"
    ),
    lambda w, r: f'** 기상악화시 "{w.a}~{w.b}" 제한속도 하향 단속(구간, 암행순찰) 시행 **',
    lambda w, r: (
        f"** {w.a}-{w.b}({w.city}) 방음시설 작업/{r.randint(1, w.info.lanes)}차로 "
        f"21시~06시 차단 {w.months} **"
    ),
)


def _route_notice(
    seed: int, item: random.Random, start: int, sections: Sequence[SectionInfo]
) -> Standing:
    info = item.choice(sections)
    end = start + DAY_S * _log_uniform_days(item, *_NOTICE_DAYS)
    words = _Words(info, kst_at(start), kst_at(end))
    text = item.choice(_TEMPLATES)(words, item)
    accident = _accident(
        words.start,
        route_no=info.section.route_no,
        route_name=info.section.route_name,
        direction=info.direction_text,
        kind=NOTICE_TYPE,
        text=text,
    )
    return Standing(start, end, accident)


# --- long works -------------------------------------------------------------------------------


def _long_work(
    seed: int, item: random.Random, start: int, sections: Sequence[SectionInfo]
) -> Standing:
    info = item.choice(sections)
    section = info.section
    end = start + DAY_S * item.randint(*_WORK_DAYS)
    frac = 0.05 + 0.9 * item.random()
    km = info.start_km + (info.end_km - info.start_km) * frac
    point_name = f"{info.direction_text} {km:.1f}" if item.random() < _WORK_PLACE_SHARE else None
    lat = lon = None
    if item.random() < _WORK_LOCATED_SHARE:
        lat = round(section.start.lat + (section.end.lat - section.start.lat) * frac, 6)
        lon = round(section.start.lon + (section.end.lon - section.start.lon) * frac, 6)
    detail = item.choice(_WORK_DETAILS)
    lanes: tuple[int, ...] = ()
    shoulder = item.random() < 0.25
    if shoulder:
        text = f"(갓길) {detail} 작업중"
    else:
        lane = item.randint(1, info.lanes)
        lanes = (lane,)
        text = f"({lane}차로) {detail} 작업중"
    accident = _accident(
        kst_at(start),
        route_no=section.route_no,
        route_name=section.route_name,
        direction=info.direction_text,
        kind=_WORK_TYPE,
        text=text,
        point_name=point_name,
        lat=lat,
        lon=lon,
        late_length=0.0,
        lanes=lanes,
        shoulder=shoulder,
    )
    return Standing(start, end, accident)
