"""The base map's tiles: MAP_TILE_URL checked at start, the dashboard's answer, and the CSP that
lets the browser load them and nothing else."""

from __future__ import annotations

import msgspec
import pytest

from trafficha.apps.gateway.app import content_security_policy
from trafficha.apps.tiles import map_config, tile_image_source
from trafficha.config import load_settings
from trafficha.errors import ConfigError

OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def img_src(csp: str) -> str:
    (directive,) = [d.strip() for d in csp.split(";") if d.strip().startswith("img-src")]
    return directive


def test_the_default_is_openstreetmap_with_its_attribution() -> None:
    settings = load_settings({})
    body = msgspec.json.decode(msgspec.json.encode(map_config(settings)))
    assert body == {
        "tileUrl": OSM,
        "subdomains": "abc",
        "attribution": "© OpenStreetMap contributors",
        "attributionUrl": "https://www.openstreetmap.org/copyright",
    }
    assert img_src(content_security_policy(settings)) == (
        "img-src 'self' data: https://tile.openstreetmap.org"
    )


def test_none_is_the_offline_map_and_allows_no_image_host() -> None:
    settings = load_settings({"MAP_TILE_URL": "none"})
    assert map_config(settings).tile_url is None
    assert img_src(content_security_policy(settings)) == "img-src 'self' data:"


@pytest.mark.parametrize(
    ("template", "source"),
    [
        ("http://127.0.0.1:8765/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8765"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("https://tms.example.org/{z}/{x}/{-y}.png?key=k", "https://tms.example.org"),
    ],
)
def test_a_template_is_allowed_by_its_origin_alone(template: str, source: str) -> None:
    settings = load_settings({"MAP_TILE_URL": template})
    assert map_config(settings).tile_url == template
    assert tile_image_source(template) == source
    assert img_src(content_security_policy(settings)) == f"img-src 'self' data: {source}"


@pytest.mark.parametrize(
    "template",
    [
        "tile.openstreetmap.org/{z}/{x}/{y}.png",  # no scheme
        "ftp://tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.example.org/{z}/{x}.png",  # no {y}
        "https://tiles.example.org/static.png",
        "https://a{s}.example.org/{z}/{x}/{y}.png",  # a wildcard CSP cannot express
        "https://tiles.example.org:port/{z}/{x}/{y}.png",
        "https://tiles.example.org/{z}/{x}/{y}.png https://evil.example",
        "https://tiles.example.org;script-src */{z}/{x}/{y}.png",  # would inject a directive
    ],
)
def test_a_bad_template_fails_at_start_naming_the_variable(template: str) -> None:
    with pytest.raises(ConfigError, match="MAP_TILE_URL"):
        load_settings({"MAP_TILE_URL": template})


def test_the_attribution_link_must_be_a_web_address() -> None:
    with pytest.raises(ConfigError, match="MAP_TILE_ATTRIBUTION_URL"):
        load_settings({"MAP_TILE_ATTRIBUTION_URL": "javascript:alert(1)"})
    with pytest.raises(ConfigError, match="MAP_TILE_ATTRIBUTION:"):
        load_settings({"MAP_TILE_ATTRIBUTION": "x" * 201})
