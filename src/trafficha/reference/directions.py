"""Which way a carriageway runs, in the words the road itself uses: 서울방향, 부산방향.

KEC's road feed says ``E`` (toward the route's end, 종점) or ``S`` (toward its origin, 기점);
its incident feed and the signs say ``<place>방향``, the place being the city at that end of
the road, which is often not the name of the route's last interchange (경부선 ends at 한남IC
and runs 서울방향). A :class:`Heading` is that text in Korean and English, derived from the end
point the direction runs to.
"""

from __future__ import annotations

from typing import Final

import msgspec

from trafficha.reference.network import Direction, Route

__all__ = ["Heading", "heading_toward", "place_of", "route_headings"]

# End points (kind suffix stripped) whose everyday "<place>방향" is another place: that place in
# Korean and English.
_PLACES: Final = {
    "한남": ("서울", "Seoul"),
    "구서": ("부산", "Busan"),
    "금천": ("서울", "Seoul"),
    "죽림": ("목포", "Mokpo"),
    "서창": ("인천", "Incheon"),
    "삼락": ("부산", "Busan"),
    "강일": ("서울", "Seoul"),
    "해운대": ("부산", "Busan"),
    "남포항": ("포항", "Pohang"),
    "덕천": ("부산", "Busan"),
    "서순천": ("순천", "Suncheon"),
    "양양": ("양양", "Yangyang"),
}
_KINDS: Final = ("IC", "JC", "TG", "SA")


class Heading(msgspec.Struct, frozen=True, kw_only=True):
    """A direction of travel as people name it: ``서울방향`` / ``toward Seoul``."""

    name: str
    name_en: str


def _stem(name: str) -> str:
    for kind in _KINDS:
        if name.upper().endswith(kind) and len(name) > len(kind):
            return name[: -len(kind)].strip()
    return name.strip()


def place_of(name: str, name_en: str | None = None) -> tuple[str, str]:
    """The place a road toward the point so named is signed for, in Korean and English: the
    city for the end points that have one (한남IC -> 서울, Seoul), else the point's own name
    without its kind (논산JC -> 논산, and ``name_en`` without its kind, else the Korean)."""
    stem = _stem(name)
    return _PLACES.get(stem, (stem, _stem(name_en) if name_en else stem))


def heading_toward(name: str, name_en: str | None = None) -> Heading:
    """The heading of a road running toward the point so named (see :func:`place_of`)."""
    place, place_en = place_of(name, name_en)
    return Heading(name=f"{place}방향", name_en=f"toward {place_en}")


def route_headings(route: Route) -> dict[Direction, Heading]:
    """Both directions of a route: ``E`` runs toward its last waypoint, ``S`` toward its first."""
    last, first = route.waypoints[-1], route.waypoints[0]
    return {
        "E": heading_toward(last.name, last.name_en),
        "S": heading_toward(first.name, first.name_en),
    }
