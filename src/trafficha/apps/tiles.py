"""The dashboard's base map tiles: what the browser is told at ``/api/map/config`` and the image
source the gateway's Content-Security-Policy allows for them.

The template (``MAP_TILE_URL``) is a runtime setting, so a deployment points the map at its own
tile server, or turns tiles off with ``none``, without rebuilding the dashboard. The map draws
our own outline of Korea under the tiles and shows it alone when they cannot load.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

import msgspec

from trafficha.config import Settings

__all__ = ["OFFLINE", "MapConfig", "map_config", "tile_image_source"]

OFFLINE: Final = "none"
"""``MAP_TILE_URL`` for no tiles: the offline outline only."""

# Leaflet's default subdomains for `{s}`, which OpenStreetMap-style hosts serve.
SUBDOMAINS: Final = "abc"
_ORIGIN: Final = re.compile(r"^(https?://[^/]+)/")


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


class MapConfig(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Where the dashboard's base map comes from."""

    tile_url: Annotated[
        str | None,
        _doc(
            "Tile template ({z}, {x}, {y}, {s}) for Leaflet; null: no tiles, the offline "
            "outline only"
        ),
    ]
    subdomains: Annotated[str, _doc("What {s} takes, one character each")]
    attribution: Annotated[str, _doc("The tiles' attribution, plain text (not HTML)")]
    attribution_url: Annotated[str, _doc("Where the attribution links to")]


def map_config(settings: Settings) -> MapConfig:
    """The answer of ``/api/map/config`` for these settings."""
    tiles = settings.map_tile_url
    return MapConfig(
        tile_url=None if tiles == OFFLINE else tiles,
        subdomains=SUBDOMAINS,
        attribution=settings.map_tile_attribution,
        attribution_url=settings.map_tile_attribution_url,
    )


def tile_image_source(template: str) -> str | None:
    """The CSP source expression that allows the tiles of ``template``: its origin, a ``{s}``
    subdomain as the ``*.`` wildcard (``https://*.tile.example.org``); None for ``none``."""
    match = _ORIGIN.match(template)
    if template == OFFLINE or match is None:
        return None
    # The settings' pattern allows `{s}` only as the host's first label, where CSP's wildcard is.
    return match.group(1).replace("://{s}.", "://*.", 1)
