"""Query parameters of the data API: validated by Litestar (msgspec), documented exactly.

What the OpenAPI document states is what is accepted: schemathesis checks both ways.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, Final, Literal

from litestar import Request
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType
from litestar.params import Parameter, ParameterKwarg, QueryParameter

from trafficha.apps.problems import query_names
from trafficha.kst import KST

__all__ = [
    "AccidentDirection",
    "ChangedSince",
    "Grade",
    "Limit",
    "RoadDirection",
    "RouteParam",
    "Since",
    "TypeParam",
    "Until",
    "instant",
    "strict_query",
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
ChangedSince = Annotated[
    datetime | None,
    QueryParameter(
        name="changedSince",
        description=(
            "Only the rows whose shown content changed at or after this instant (new, updated "
            "or cleared; ISO 8601, without an offset KST): what a dashboard that holds the list "
            "needs after a commit event says rows changed. Round it down (to 30 s, say) so "
            "viewers share one cached answer."
        ),
        schema_extra={"oneOf": None, **_DATE_TIME},
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


def _is_text(hint: Any) -> bool:
    """Whether a parameter's type takes any text (``str | None``): "null" is then a value."""
    union = isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
    return any(a is str for a in (typing.get_args(hint) if union else (hint,)))


@cache
def _not_text(fn: Callable[..., Any]) -> frozenset[str]:
    """The query names of a handler's parameters whose type is not text (numbers, instants,
    enums)."""
    names = query_names(fn)
    return frozenset(
        names[name]
        for name, hint in typing.get_type_hints(fn).items()
        if name != "return" and not _is_text(hint)
    )


@cache
def _required(fn: Callable[..., Any]) -> tuple[str, ...]:
    """The query names of a handler's required query parameters (no default, not a header or
    a cookie)."""
    names = query_names(fn)
    hints = typing.get_type_hints(fn, include_extras=True)
    return tuple(
        names[name]
        for name, param in inspect.signature(fn).parameters.items()
        if param.default is inspect.Parameter.empty
        and any(
            isinstance(m, ParameterKwarg) and m.header is None and m.cookie is None
            for m in getattr(hints.get(name), "__metadata__", ())
        )
    )


async def strict_query(request: Request[Any, Any, Any]) -> None:
    """Refuse what the schema does not allow but Litestar would take: a parameter given twice
    (Litestar keeps the last) and ``null`` for a number, an instant or an enum (Litestar reads
    it as absent); and name a required one left out (Litestar's own answer does not). A problem
    document names each, like any other bad parameter."""
    items = list(request.query_params.multi_items())
    given = {name for name, _ in items}
    invalid = [
        {"key": name, "message": "required; give it"}
        for name in _required(request.route_handler.fn)
        if name not in given
    ]
    invalid += [
        {"key": name, "message": f"given {n} times; give it once"}
        for name, n in Counter(name for name, _ in items).items()
        if n > 1
    ]
    not_text = _not_text(request.route_handler.fn)
    invalid += [
        {"key": name, "message": "null is not a value; leave the parameter out"}
        for name, value in items
        if value == "null" and name in not_text
    ]
    if invalid:
        raise ValidationException(detail="invalid query parameters", extra=invalid)
