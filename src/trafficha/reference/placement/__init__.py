"""Where KEC's conzones lie: sections keyed by KEC's own ids, placed by what KEC says of them.

KEC's road feed (``trafficAmountByRealtime``) names each conzone by its two ends,
``"구서IC-영락IC"``, and numbers it along its route: ``{route}CZ{E|S}{serial}``, the serial
growing with the chainage from the route's origin in both directions (``0010CZE010``
구서IC→영락IC and ``0010CZS010`` 영락IC→구서IC are the two carriageways of one stretch), with
gaps where stretches were added later. It gives no coordinates. :func:`place_conzones` learns them:

1. Split the name into its two ends (``A-B``, ``A~B``, ``A - B``).
2. Look each end up in a gazetteer: the built-in network's waypoints by exact name (the kind
   suffix included: 노포IC and 노포JC are different points), and KEC's tollgate units
   (``locationinfoUnit``, named without a suffix: unit ``영락`` is 영락IC or 영락TG, never a JC,
   a hi-pass IC or a service area of that stem, which lie elsewhere).
3. Prefer candidates of the conzone's own route, and reject any farther than
   :data:`MAX_OFF_ROUTE_KM` from that route's geometry: it would be drawn in the wrong place.
4. Chain each route and direction in serial order (conzone *i*'s end is, as a rule, conzone
   *i+1*'s start) into a sequence of points from the route's origin to its end. Known points must
   follow the route in that order; those that do not are dropped (weighted by trust, so the
   built-in network's own waypoints win). A ring road (the sequence ends where it starts) is
   closed. An unknown point is placed between its placed neighbours along the route: by VDS
   chainage when given, else evenly by its place in the sequence.
5. Draw each section along the route: its start point, the route's vertices between the two
   ends' projections, its end point. A route the built-in network lacks (by number, then by
   name) gets its geometry from its known points in serial order. A route is named as KEC's
   route list (``spinRouteList``) names it when that is given, else as most of its conzones do.

A conzone that cannot be placed is listed with the reason and never drawn. The built-in network's
own sections (:func:`builtin_conzones`) place exactly where the network has them, so the
simulator's conzones and KEC's go through the same code.

Everything here is pure and synchronous: no I/O, no clock.

The steps live in modules of their own: :mod:`.names` splits and parses the names (1),
:mod:`.gazetteer` looks the ends up and weighs them (2), :mod:`.chain` chains each direction and
chooses each point's candidate near the route (3, 4), :mod:`.measures` keeps the known points in
order and places the unknown ones (4), :mod:`.routes` finds or learns a route's line and
:mod:`.place` draws the sections on it (5). :mod:`.models` holds what goes in and what comes
out, :mod:`.geometry` the polyline everything is measured along.
"""

from trafficha.reference.placement.chain import MAX_OFF_ROUTE_KM
from trafficha.reference.placement.measures import ORDER_SLACK_KM
from trafficha.reference.placement.models import (
    Chainage,
    Conzone,
    EndSource,
    LearnedRoute,
    NetworkInputs,
    PlacedEnd,
    PlacedSection,
    Placement,
    RouteCoverage,
    RouteName,
    Unit,
    UnplacedConzone,
    chainages_of,
    conzones_of,
    routes_of,
    units_of,
)
from trafficha.reference.placement.names import (
    PointKind,
    conzone_direction,
    parse_point,
    split_name,
)
from trafficha.reference.placement.place import builtin_conzones, builtin_placement, place_conzones

__all__ = [
    "MAX_OFF_ROUTE_KM",
    "ORDER_SLACK_KM",
    "Chainage",
    "Conzone",
    "EndSource",
    "LearnedRoute",
    "NetworkInputs",
    "PlacedEnd",
    "PlacedSection",
    "Placement",
    "PointKind",
    "RouteCoverage",
    "RouteName",
    "Unit",
    "UnplacedConzone",
    "builtin_conzones",
    "builtin_placement",
    "chainages_of",
    "conzone_direction",
    "conzones_of",
    "parse_point",
    "place_conzones",
    "routes_of",
    "split_name",
    "units_of",
]
