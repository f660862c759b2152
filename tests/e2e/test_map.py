"""The dashboard's map in Chromium against a real stack whose base map tiles come from a tile
server this module runs on loopback: the tiles are drawn; with the server gone the offline
outline shows and the map says so; IC/JC names appear zoomed in, not at the country's zoom; the
keyboard reaches every marker and section through the list under the map."""

from __future__ import annotations

import json
import re
import struct
import threading
import urllib.request
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from tests.e2e.conftest import base_url, screenshot
from tests.support.stack import running_stack
from trafficha.topology.local import LocalStack

pytestmark = pytest.mark.integration

TILE_PATH = re.compile(r"^/tiles/(\d+)/(\d+)/(\d+)\.png$")
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1440, "height": 900}


def png(width: int, height: int, pixel: Any) -> bytes:
    """A truecolour PNG of ``pixel(x, y) -> (r, g, b)``, made with zlib alone."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# A light land colour, as standard tiles have, with a darker grid line along two edges: the
# dashboard darkens tiles, and the grid shows where each tile lies in the screenshots.
TILE = png(256, 256, lambda x, y: (120, 110, 100) if x < 2 or y < 2 else (236, 232, 222))


class TileServer:
    """Serves TILE for /tiles/{z}/{x}/{y}.png on a loopback port; can be stopped (the port then
    refuses connections, as a dead tile server's does) and started again on the same port."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.port}/tiles/{{z}}/{{x}}/{{y}}.png"

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if not TILE_PATH.match(self.path):
                    self.send_error(404)
                    return
                owner.requests.append({"path": self.path, "referer": self.headers["Referer"]})
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(TILE)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(TILE)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture(scope="module")
def tiles() -> Iterator[TileServer]:
    server = TileServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def map_stack(tmp_path_factory: pytest.TempPathFactory, tiles: TileServer) -> Iterator[LocalStack]:
    # The whole stack runs with the setting (so would a member started again).
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MAP_TILE_URL", tiles.template)
        with running_stack(tmp_path_factory.mktemp("e2e-map") / "stack") as stack:
            yield stack


def open_page(browser: Browser, stack: LocalStack, tab: str, viewport: ViewportSize) -> Page:
    context = browser.new_context(viewport=viewport, locale="ko-KR")
    page = context.new_page()
    page.goto(f"{base_url(stack)}/?tab={tab}")
    expect(page.get_by_test_id(f"tab-{tab}")).to_be_visible()
    return page


def api(stack: LocalStack, path: str) -> Any:
    with urllib.request.urlopen(base_url(stack) + path, timeout=10) as response:
        return json.loads(response.read())


def visible_map(page: Page) -> Locator:
    return page.get_by_test_id("map").filter(has=page.locator(".leaflet-container")).first


def test_tiles_from_the_configured_server_are_drawn(
    browser: Browser, map_stack: LocalStack, tiles: TileServer
) -> None:
    config = api(map_stack, "/api/map/config")
    assert config["tileUrl"] == tiles.template
    with urllib.request.urlopen(base_url(map_stack) + "/", timeout=10) as response:
        csp = response.headers["Content-Security-Policy"]
    assert f"img-src 'self' data: http://127.0.0.1:{tiles.port};" in csp

    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        before = len(tiles.requests)
        page = open_page(browser, map_stack, "road", viewport)
        try:
            the_map = visible_map(page)
            expect(the_map).to_have_attribute("data-tiles", "online", timeout=15_000)
            drawn = the_map.locator("img.leaflet-tile-loaded")
            expect(drawn.first).to_be_visible()
            # Decoded, full-size images, and from this server: the tiles are on the map.
            assert drawn.evaluate_all("imgs => imgs.every((i) => i.naturalWidth === 256)")
            assert len(tiles.requests) > before
            # The page's own policy sends no Referer; the tiles carry the site's address, as
            # OpenStreetMap's tile policy asks.
            assert all(
                r["referer"] == f"{base_url(map_stack)}/" for r in tiles.requests[before:]
            ), tiles.requests[before:]
            credit = the_map.locator(".leaflet-control-attribution")
            expect(
                credit.get_by_role("link", name="© OpenStreetMap contributors")
            ).to_have_attribute("href", "https://www.openstreetmap.org/copyright")
            expect(page.get_by_test_id("map-offline")).to_have_count(0)
            screenshot(page, f"map-tiles-{name}")
        finally:
            page.context.close()


def test_a_dead_tile_server_leaves_the_outline_and_says_so(
    browser: Browser, map_stack: LocalStack, tiles: TileServer
) -> None:
    tiles.stop()  # its port now refuses connections
    try:
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page = open_page(browser, map_stack, "road", viewport)
            try:
                the_map = visible_map(page)
                expect(the_map).to_have_attribute("data-tiles", "offline", timeout=15_000)
                expect(the_map.get_by_test_id("map-offline")).to_have_text(
                    "오프라인 지도: 배경 지도를 불러올 수 없습니다"
                )
                expect(the_map.locator("img.leaflet-tile-loaded")).to_have_count(0)
                expect(the_map.locator("path.korea-outline").first).to_be_visible()
                expect(the_map.locator("path.graticule").first).to_be_attached()
                expect(the_map.locator("path.road-section").first).to_be_attached(timeout=15_000)
                # No credit for tiles that are not there.
                expect(the_map.locator(".leaflet-control-attribution")).not_to_contain_text(
                    "OpenStreetMap"
                )
                screenshot(page, f"map-offline-{name}")
            finally:
                page.context.close()
    finally:
        tiles.start()


def test_ic_names_show_zoomed_in_and_not_at_the_country_zoom(
    browser: Browser, map_stack: LocalStack
) -> None:
    names = {
        f["properties"]["name"]
        for f in api(map_stack, "/api/network")["features"]
        if f["geometry"]["type"] == "Point"
    }
    assert names
    page = open_page(browser, map_stack, "road", DESKTOP)
    try:
        the_map = visible_map(page)
        expect(the_map.locator("path.network-route").first).to_be_attached()
        expect(the_map.locator("path.road-section").first).to_be_attached(timeout=15_000)
        labels = the_map.get_by_test_id("waypoint-label")
        expect(labels).to_have_count(0)
        container = the_map.locator(".leaflet-container")
        zoom = float(container.get_attribute("data-zoom") or "nan")
        assert zoom < 8, zoom  # the country's zoom
        # The zoom control speaks Korean and zooms (one animated step).
        the_map.get_by_role("button", name="확대").click()
        expect(container).not_to_have_attribute("data-zoom", f"{zoom:g}")
        zoomed = float(container.get_attribute("data-zoom") or "nan")
        assert zoomed > zoom, (zoom, zoomed)
        zoom = zoomed
        # The wheel zooms about the pointer: kept on a section of 경부선, the road stays in view.
        section = the_map.locator('path.road-section[aria-label^="경부선"]').nth(20)
        while zoom < 10:  # IC names from zoom 10
            box = section.bounding_box()
            assert box is not None
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.mouse.wheel(0, -120)
            expect(container).not_to_have_attribute("data-zoom", f"{zoom:g}")
            zoom = float(container.get_attribute("data-zoom") or "nan")
        expect(labels.first).to_be_visible()
        shown = labels.all_inner_texts()
        assert len(shown) >= 3, shown
        assert set(shown) <= names
        assert any(n.endswith("IC") for n in shown), shown
        screenshot(page, "map-labels-desktop")
    finally:
        page.context.close()


def tab_to(page: Page, target: Locator, limit: int = 80) -> None:
    """Press Tab until ``target`` has the focus: it is reachable by keyboard alone."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def same_count(page: Page, kind: str, drawn: str) -> None:
    """One list entry per item drawn, counted at one moment (the stack keeps collecting)."""
    page.wait_for_function(
        """([kind, drawn]) => {
            const listed = document.querySelectorAll(
                `[data-testid="map-items"][data-kind="${kind}"] [data-testid="map-item"]`).length;
            return listed > 0 && listed === document.querySelectorAll(drawn).length;
        }""",
        arg=[kind, drawn],
        timeout=10_000,
    )


def test_the_keyboard_reaches_every_marker_and_section_and_enter_selects(
    browser: Browser, map_stack: LocalStack
) -> None:
    page = open_page(browser, map_stack, "accidents", DESKTOP)
    try:
        rows = page.get_by_test_id("accident-row")
        expect(rows.first).to_be_visible()
        items = page.locator('[data-testid="map-items"][data-kind="incidents"]')
        toggle = items.get_by_test_id("map-items-toggle")
        expect(toggle).to_contain_text("지도 항목")
        page.get_by_test_id("tab-accidents").focus()
        tab_to(page, toggle)
        page.keyboard.press("Enter")
        entries = items.get_by_test_id("map-item")
        expect(entries.first).to_be_visible()
        same_count(page, "incidents", "path.incident-marker")
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        expect(focused).to_have_attribute("data-testid", "map-item")
        key = focused.get_attribute("data-key")
        page.keyboard.press("Enter")
        expect(
            page.locator(f'[data-testid="accident-row"][data-incident-id="{key}"]')
        ).to_have_attribute("aria-selected", "true")
        expect(page.locator(".leaflet-popup")).to_be_visible()
        expect(items.locator(f'[data-key="{key}"]')).to_have_attribute("aria-current", "true")
        # The markers carry their names too.
        label = page.locator("path.incident-marker").first.get_attribute("aria-label")
        assert label is not None
        assert " · " in label
        screenshot(page, "map-keyboard-incident")
    finally:
        page.context.close()

    page = open_page(browser, map_stack, "road", PHONE)
    try:
        items = page.locator('[data-testid="map-items"][data-kind="sections"]')
        toggle = items.get_by_test_id("map-items-toggle")
        expect(page.locator("path.road-section").first).to_be_attached()
        page.get_by_test_id("tab-road").focus()
        tab_to(page, toggle, limit=120)
        page.keyboard.press("Space")
        entries = items.get_by_test_id("map-item")
        expect(entries.first).to_be_visible()
        same_count(page, "sections", "path.road-section")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        expect(page.get_by_test_id("section-details")).to_be_visible()
        expect(entries.first).to_have_attribute("aria-current", "true")
        screenshot(page, "map-keyboard-section-phone")
    finally:
        page.context.close()
