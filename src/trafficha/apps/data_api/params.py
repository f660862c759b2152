"""Query parameters of the data API: validated by Litestar (msgspec), documented exactly.

What the OpenAPI document states is what is accepted: schemathesis checks both ways.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

from litestar.openapi.spec import OpenAPIFormat, OpenAPIType
from litestar.params import Parameter

from trafficha.kst import KST

__all__ = [
    "AccidentDirection",
    "Grade",
    "Limit",
    "RoadDirection",
    "RouteParam",
    "Since",
    "TypeParam",
    "Until",
    "instant",
]

# The instants MariaDB's DATETIME can hold, with a day to spare for any offset.
EARLIEST: Final = datetime(1000, 1, 2, tzinfo=UTC)
LATEST: Final = datetime(9999, 12, 30, tzinfo=UTC)


def _optional(description: str, documented: dict[str, Any], **constraints: Any) -> Any:
    """An optional query parameter: validated by ``constraints``, documented as ``documented``.

    Litestar documents ``X | None`` as ``oneOf [X, null]`` (a query value is never null) and
    drops a bound of 0, so the parameter's schema is given whole, in OpenAPI's names.
    """
    return Parameter(
        description=description, schema_extra={"oneOf": None, **documented}, **constraints
    )


ROUTE_PATTERN: Final = r"^[0-9]{4}$"
_STRING: Final = OpenAPIType.STRING
_DATE_TIME: Final = {"type": _STRING, "format": OpenAPIFormat.DATE_TIME}

RouteParam = Annotated[
    str | None,
    _optional(
        "Route number, 4 digits (0010 경부선, 0150 서해안선 …)",
        {"type": _STRING, "pattern": ROUTE_PATTERN},
        pattern=ROUTE_PATTERN,
    ),
]
Limit = Annotated[int, Parameter(ge=1, le=1000, description="How many incidents, newest first")]
TypeParam = Annotated[
    str | None,
    _optional(
        "Incident type name: 사고, 고장, 작업, 정체, 장애물 …",
        {"type": _STRING, "minLength": 1, "maxLength": 50},
        min_length=1,
        max_length=50,
    ),
]
AccidentDirection = Annotated[
    str | None,
    _optional(
        "Direction as KEC words it, e.g. 서울방향",
        {"type": _STRING, "minLength": 1, "maxLength": 50},
        min_length=1,
        max_length=50,
    ),
]
Since = Annotated[
    datetime | None,
    _optional(
        "Last seen at or after this instant (ISO 8601; without an offset it is KST). "
        "Default: 24 h ago.",
        _DATE_TIME,
    ),
]
Until = Annotated[
    datetime | None,
    _optional(
        "Last seen at or before this instant (ISO 8601; without an offset it is KST).",
        _DATE_TIME,
    ),
]
RoadDirection = Annotated[
    Literal["S", "E"] | None,
    _optional(
        "S (toward the route's origin) or E (toward its end), as updownTypeCode",
        {"type": _STRING, "enum": ["S", "E"]},
    ),
]
Grade = Annotated[
    int | None,
    _optional(
        "Flow grade: 1 원활, 2 서행, 3 정체 (0 판정불가 is never listed)",
        {"type": OpenAPIType.INTEGER, "minimum": 0, "maximum": 3},
        ge=0,
        le=3,
    ),
]


def instant(value: datetime | None) -> datetime | None:
    """An instant as KST, within what MariaDB can compare (naive values are KST)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=KST)
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # beyond year 1 or 9999 once shifted to UTC
        utc = EARLIEST if value.year < 5000 else LATEST
    return min(max(utc, EARLIEST), LATEST).astimezone(KST)
