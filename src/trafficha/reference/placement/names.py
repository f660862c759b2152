"""KEC's names and ids, parsed: a conzone name's two ends (``A-B``, ``A~B``, ``A - B``), a point
name's stem and kind (``영락IC`` -> ``영락``, IC), and a conzone id's direction letter and serial
(``0010CZE010`` -> E, 10), by which a route's conzones are put in order.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from trafficha.reference.network import Direction
from trafficha.reference.placement.models import Conzone

__all__ = ["PointKind", "conzone_direction", "parse_point", "serial", "serial_order", "split_name"]

PointKind = Literal["IC", "JC", "TG", "SA", "HI"]
"""What a named point is: interchange, junction, tollgate, service area, hi-pass-only IC."""

_CONZONE_ID: Final = re.compile(r"^(?P<route>\d{4})CZ(?P<dir>[ES])(?P<serial>\d+)$")
# Name suffixes, longest first, and the kind each means. Case is ignored (통도사Hi, 통도사HI).
_SUFFIXES: Final[tuple[tuple[str, PointKind], ...]] = (
    ("하이패스IC", "HI"),
    ("하이패스", "HI"),
    ("휴게소", "SA"),
    ("분기점", "JC"),
    ("나들목", "IC"),
    ("요금소", "TG"),
    ("영업소", "TG"),
    ("HI", "HI"),
    ("IC", "IC"),
    ("JC", "JC"),
    ("TG", "TG"),
    ("SA", "SA"),
)
_PARENTHESES: Final = re.compile(r"\([^)]*\)")
_SPACES: Final = re.compile(r"\s+")


def split_name(name: str) -> tuple[str, str] | None:
    """The two ends of ``"A-B"``, ``"A~B"`` or ``"A - B"``; None when the name is not two ends.

    A spaced dash is a separator before a bare one, and a tilde before a dash, so a point name
    holding a dash survives where KEC spaced or tilded its separator.
    """
    text = name.strip()
    for separator in (re.compile(r"\s+[-–]\s+"), re.compile(r"\s*[~～]\s*"), re.compile(r"-")):
        parts = separator.split(text)
        if len(parts) > 1:
            ends = [p.strip() for p in parts]
            return (ends[0], ends[1]) if len(ends) == 2 and all(ends) else None
    return None


def parse_point(name: str) -> tuple[str, PointKind | None]:
    """A point name's stem and kind: ``"영락IC"`` -> ``("영락", "IC")``, ``"통도사Hi"`` ->
    ``("통도사", "HI")``, ``"금강휴게소"`` -> ``("금강", "SA")``, ``"영락"`` -> ``("영락", None)``.

    Spaces and parenthesised notes (``"양주(개)"``) are left out of the stem.
    """
    text = _SPACES.sub("", _PARENTHESES.sub("", name))
    upper = text.upper()
    for suffix, kind in _SUFFIXES:
        if upper.endswith(suffix.upper()) and len(text) > len(suffix):
            return text[: -len(suffix)], kind
    return text, None


def conzone_direction(conzone_id: str) -> Direction | None:
    """The E/S letter of a KEC conzone id (``0010CZE010`` -> ``"E"``); None for another id."""
    match = _CONZONE_ID.match(conzone_id.strip())
    if match is None:
        return None
    return "E" if match["dir"] == "E" else "S"


def serial(conzone_id: str) -> int | None:
    match = _CONZONE_ID.match(conzone_id.strip())
    return None if match is None else int(match["serial"])


def serial_order(cz: Conzone) -> tuple[int, str]:
    return (serial(cz.conzone_id) or 0, cz.conzone_id)
