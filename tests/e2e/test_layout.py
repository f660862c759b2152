"""The dashboard's layout, language and shared views in Chromium against a real stack: at a
phone's width and at three desktop sizes no card overlaps another, nothing overflows sideways
and no tab label wraps; a URL restores what it holds; the English page shows the data's words
in English; every tollgate is reachable in the list."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import base_url, screenshot
from trafficha.topology.local import LocalStack

pytestmark = pytest.mark.integration

TABS = ("dashboard", "accidents", "tollgates", "road")
SIZES = ((390, 844), (1024, 768), (1280, 720), (1440, 900))
# What each tab shows once its data is in (and its map once the maps' chunk is).
READY = {
    "dashboard": '[data-testid="routes-by-speed"] li',
    "accidents": '[data-testid="accident-row"]',
    "tollgates": '[data-testid="tollgate-row"]',
    "road": '[data-testid="route-card"]',
}
# Every part of a tab drawn from data, all in: only then can nothing arriving move a card.
SETTLED = """(tab) => {
  const has = (sel) => document.querySelector(sel) !== null;
  const count = document.querySelector('[data-testid="notice-count"]');
  const parts = {
    dashboard: ['[data-testid="routes-by-speed"] li', '[data-testid="busiest-tollgates"] li',
                '[data-testid="latest-incidents"] button', '[data-testid="kpi-incidents-today"]'],
    accidents: ['[data-testid="accident-row"]', '[data-testid="incident-hourly"]'],
    tollgates: ['[data-testid="tollgate-row"]', '[data-testid="tollgate-series"] rect'],
    road: ['[data-testid="route-card"]', 'path.road-section'],
  }[tab];
  return parts.every(has) && has('.leaflet-container') && (!count || count.textContent !== '…');
}"""
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")

# In the page: every visible card's box, the cards that overlap or overflow, the document's
# overflow, each tab label's height against its line height, and what is drawn at each tab's
# centre (the tab itself, or something painted over it).
MEASURE = """() => {
  const cards = [...document.querySelectorAll('[data-card]')]
    .filter((c) => c.getClientRects().length);
  const name = (c) => c.dataset.testid || c.querySelector('h2')?.textContent
    || c.textContent.slice(0, 30);
  const boxes = cards.map((c) => ({ name: name(c), r: c.getBoundingClientRect() }));
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].r, b = boxes[j].r;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 0.5 && h > 0.5) overlaps.push([boxes[i].name, boxes[j].name, w, h]);
    }
  const overflowing = cards.filter((c) => c.scrollWidth > c.clientWidth).map(
    (c) => [name(c), c.scrollWidth, c.clientWidth]);
  const de = document.documentElement;
  const labels = [...document.querySelectorAll('[role=tab] [data-testid=tab-label]')].map((l) => ({
    text: l.textContent, height: l.getBoundingClientRect().height,
    line: parseFloat(getComputedStyle(l).lineHeight),
  }));
  const covered = [...document.querySelectorAll('[role=tab]')].filter((t) => {
    const r = t.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !t.contains(hit);
  }).map((t) => t.id);
  return { cards: cards.length, overlaps, overflowing, document: [de.scrollWidth, de.clientWidth],
           labels, covered };
}"""


def api(stack: LocalStack, path: str) -> Any:
    with urllib.request.urlopen(base_url(stack) + path, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def sized(browser: Browser, dashboard_stack: LocalStack) -> Iterator[Any]:
    """A page factory at a given viewport (a fresh context each), closed afterwards."""
    contexts = []

    def make(width: int, height: int, locale: str = "ko-KR") -> Page:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def open_ready(page: Page, stack: LocalStack, query: str, tab: str) -> None:
    page.goto(f"{base_url(stack)}/?{query}")
    expect(page.locator(READY[tab]).first).to_be_visible(timeout=30_000)
    page.wait_for_function(SETTLED, arg=tab, polling=200, timeout=30_000)


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_no_card_overlaps_or_overflows_and_no_tab_label_wraps(
    sized: Any, dashboard_stack: LocalStack, width: int, height: int
) -> None:
    page = sized(width, height)
    for tab in TABS:
        open_ready(page, dashboard_stack, f"tab={tab}&lang=ko", tab)
        seen = page.evaluate(MEASURE)
        shot = screenshot(page, f"layout-{tab}-{width}x{height}")
        where = f"{tab} at {width}x{height} ({shot.name})"
        assert seen["cards"] >= 2, where
        assert seen["overlaps"] == [], where
        assert seen["overflowing"] == [], where
        assert seen["document"][0] <= seen["document"][1], where
        assert len(seen["labels"]) == len(TABS), where
        for label in seen["labels"]:
            assert label["height"] <= label["line"] * 1.5, f"{label['text']} wraps: {where}"
        assert seen["covered"] == [], f"drawn over the tab bar: {where}"
        if width < 768:
            # a phone: the tabs under the thumb, each a finger's height
            nav = page.get_by_role("tablist").bounding_box()
            assert nav is not None
            assert nav["y"] + nav["height"] >= height - 2, where
            for box in page.get_by_role("tab").evaluate_all(
                "ts => ts.map((t) => t.getBoundingClientRect().height)"
            ):
                assert box >= 44, where


def test_a_shared_url_restores_its_tab_selection_filters_and_map_view(
    sized: Any, dashboard_stack: LocalStack
) -> None:
    incidents = api(dashboard_stack, "/api/accidents/latest?limit=1000")
    # an active incident on the map, the filters that keep it, the map centred on it
    chosen = next(i for i in incidents if i["latitude"] and i["altitude"] and i["active"])
    page = sized(1280, 800)
    view = f"{chosen['latitude']:.4f},{chosen['altitude']:.4f},10"
    query = (
        f"tab=accidents&incident={chosen['id']}&route={chosen['roadNM']}"
        f"&type={chosen['accType']}&map={view}&lang=ko"
    )
    open_ready(page, dashboard_stack, query, "accidents")
    expect(page.get_by_test_id("tab-accidents")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("filter-route")).to_have_value(chosen["roadNM"])
    expect(page.get_by_test_id("filter-type")).to_have_value(chosen["accType"])
    rows = page.get_by_test_id("accident-row")
    for text in rows.all_inner_texts():  # the filters hold: each row of that route and type
        assert chosen["roadNM"] in text
        assert chosen["accType"] in text
    row = page.locator(f'[data-testid="accident-row"][data-incident-id="{chosen["id"]}"]')
    expect(row).to_have_attribute("aria-selected", "true")
    # the map shows the view the URL holds: the incident's marker at the map's centre
    off_centre = page.evaluate(
        """() => {
          const map = document.querySelector('.leaflet-container').getBoundingClientRect();
          const cx = map.left + map.width / 2, cy = map.top + map.height / 2;
          return Math.min(...[...document.querySelectorAll('path.incident-marker')].map((p) => {
            const r = p.getBoundingClientRect();
            return Math.hypot(r.left + r.width / 2 - cx, r.top + r.height / 2 - cy);
          }));
        }"""
    )
    assert off_centre < 4
    assert parse_qs(urlsplit(page.url).query)["map"] == [view]
    screenshot(page, "url-restored")
    # moving the map writes its view back (the same history entry)
    box = page.locator(".leaflet-container").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 120, box["y"] + box["height"] / 2 + 80, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "(v) => new URLSearchParams(location.search).get('map') !== v", arg=view, timeout=10_000
    )
    moved = parse_qs(urlsplit(page.url).query)["map"][0]

    # another tab, another selection: entries back walks through
    page.get_by_test_id("tab-tollgates").click()
    expect(page.locator(READY["tollgates"]).first).to_be_visible()
    second = page.get_by_test_id("tollgate-row").nth(1)
    code = second.get_attribute("data-unit-code")
    second.click()
    expect(page).to_have_url(re.compile(rf"tollgate={code}"))
    page.go_back()
    expect(page.get_by_test_id("tab-tollgates")).to_have_attribute("aria-selected", "true")
    assert "tollgate=" not in page.url
    page.go_back()
    expect(page.get_by_test_id("tab-accidents")).to_have_attribute("aria-selected", "true")
    expect(row).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("filter-route")).to_have_value(chosen["roadNM"])
    assert parse_qs(urlsplit(page.url).query)["map"] == [moved]
    page.go_forward()
    expect(page.get_by_test_id("tab-tollgates")).to_have_attribute("aria-selected", "true")


def test_english_shows_the_data_in_english_and_korean_stays_first(
    sized: Any, dashboard_stack: LocalStack
) -> None:
    page = sized(1440, 900)
    named = 0
    for tab in TABS:
        open_ready(page, dashboard_stack, f"tab={tab}&lang=ko", tab)
        vocab = page.locator("[data-vocab]")
        expect(vocab.first).to_be_visible()
        korean = vocab.evaluate_all("els => els.map((e) => e.textContent)")
        assert any(HANGUL.search(text) for text in korean), f"{tab}: no Korean to begin with"

        page.get_by_test_id("lang-toggle").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        texts = vocab.evaluate_all("els => els.map((e) => [e.dataset.vocab, e.textContent])")
        assert len(texts) >= 3, tab
        hangul = [(kind, text) for kind, text in texts if HANGUL.search(text)]
        assert hangul == [], f"{tab}: {hangul[:5]}"
        # the tab labels and the select options too
        labels = page.get_by_test_id("tab-label").all_inner_texts()
        assert not any(HANGUL.search(label) for label in labels)
        # the map's accessible names (markers, sections) too
        names = page.locator(".leaflet-container path[aria-label]").evaluate_all(
            "els => els.map((e) => e.getAttribute('aria-label'))"
        )
        named += len(names)
        assert [n for n in names if HANGUL.search(n)][:5] == [], tab
        screenshot(page, f"english-{tab}")
        page.get_by_test_id("lang-toggle").click()
        expect(page.locator("html")).to_have_attribute("lang", "ko")
    assert named > 0, "no map drew a named marker or section"

    # the road's own directions, toward the city at each end, not 종점/기점
    # (named once the network is in)
    options = page.get_by_test_id("road-filter-direction").locator("option")
    page.goto(f"{base_url(dashboard_stack)}/?tab=road&road=0010&lang=en")
    expect(options).to_have_text(["Both directions", "toward Seoul", "toward Busan"])
    page.goto(f"{base_url(dashboard_stack)}/?tab=road&road=0010&lang=ko")
    expect(options).to_have_text(["양방향", "서울방향", "부산방향"])


def test_every_tollgate_is_in_the_list_and_a_map_selection_shows_in_it(
    sized: Any, dashboard_stack: LocalStack
) -> None:
    tollgates = api(dashboard_stack, "/api/tollgates")
    reporting = [t for t in tollgates if t["latestTrafficAmount"] is not None]
    assert len(reporting) > 100
    page = sized(390, 844)
    open_ready(page, dashboard_stack, "tab=tollgates&lang=ko", "tollgates")
    listing = page.get_by_test_id("tollgate-ranking")
    expect(listing).to_have_attribute("data-rows", str(len(tollgates)))
    expect(page.get_by_test_id("tollgate-count")).to_contain_text(f"{len(reporting)}곳 보고")

    # the end of the list, scrolled to: the tollgates reporting nothing are there too
    listing.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    expect(listing.get_by_test_id("tollgate-row").last).to_contain_text("교통량 보고 없음")
    assert listing.get_by_test_id("tollgate-row").count() < 80  # a window of the rows, not all

    # a tollgate low in the ranking, opened by a link (history walked to it): its row shows
    quiet = min(reporting, key=lambda t: t["latestTrafficAmount"])
    page.evaluate(
        """(code) => {
          const link = new URL(location.href);
          link.searchParams.set('tollgate', code);
          history.pushState(null, '', link);
          dispatchEvent(new PopStateEvent('popstate'));
        }""",
        quiet["unitCode"],
    )
    row = page.locator(f'[data-testid="tollgate-row"][data-unit-code="{quiet["unitCode"]}"]')
    expect(row).to_be_visible()
    expect(row).to_have_attribute("aria-pressed", "true")
    detail = page.get_by_test_id("tollgate-detail")
    expect(detail).to_contain_text(quiet["unitName"])
    expect(page.get_by_test_id("tollgate-slot")).to_contain_text("전")

    # a click on a marker (Leaflet listens on the path; the busiest is drawn last) selects its
    # tollgate, scrolled to in the list
    page.locator(".tollgate-marker").last.dispatch_event("click")
    page.wait_for_function(
        "(q) => new URLSearchParams(location.search).get('tollgate') !== q",
        arg=quiet["unitCode"],
        timeout=10_000,
    )
    code = parse_qs(urlsplit(page.url).query)["tollgate"][0]
    picked = page.locator(f'[data-testid="tollgate-row"][data-unit-code="{code}"]')
    expect(picked).to_have_attribute("aria-pressed", "true")
    inside = listing.evaluate(
        """(list, code) => {
          const row = list.querySelector(`[data-unit-code="${code}"]`).getBoundingClientRect();
          const box = list.getBoundingClientRect();
          return row.top >= box.top - 1 && row.bottom <= box.bottom + 1;
        }""",
        code,
    )
    assert inside

    # the chart: one bar per 15-minute slot the day's answer reports
    day = api(dashboard_stack, f"/api/tollgate/history?unitCode={code}")
    reported = sum(1 for s in day["slots"] if s["trafficAmount"] is not None)
    assert len(day["slots"]) == 96
    expect(page.get_by_test_id("tollgate-series-span")).to_have_attribute("data-day", day["date"])
    bars = int(page.get_by_test_id("tollgate-series").get_attribute("data-bars") or "0")
    assert reported >= 1
    assert abs(bars - reported) <= 1  # a slot may land between the two answers
    screenshot(page, "tollgates-phone")
