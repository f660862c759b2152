"""The road tab's route views in Chromium against a real stack: the route strip shows a route's
ICs in order with each section's grade, speed and travel time (by tap, hover and keyboard) and
is linked to the map both ways; the travel-time picker shows a pair's minutes and compares them
with the same hour on earlier days; the 24 h charts and a tollgate's day have their bars."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import base_url, evaluate_until, screenshot
from tests.support.wait import eventually
from trafficha.connections import redis_client
from trafficha.datasets.travel_time import TravelTime, TravelTimeBatch
from trafficha.kst import KST, now_kst
from trafficha.streams import StreamProducer
from trafficha.topology.local import LocalStack

pytestmark = pytest.mark.integration

PHONE = (390, 844)
DESKTOP = (1440, 900)
GRADES = {1, 2, 3}  # 원활, 서행, 정체 (0: no reading)


def api(stack: LocalStack, path: str) -> Any:
    with urllib.request.urlopen(base_url(stack) + path, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def sized(browser: Browser, dashboard_stack: LocalStack) -> Iterator[Any]:
    """A page factory at a viewport (a fresh context each), closed afterwards."""
    contexts = []

    def make(size: tuple[int, int], locale: str = "ko-KR") -> Page:
        context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale=locale)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def graded_strip(stack: LocalStack) -> dict[str, Any]:
    """A direction of some route whose sections are read at two grades or more (the sim's
    incidents slow or jam some sections of most routes); fails if no route has one."""
    seen: set[int] = set()
    for route in api(stack, "/api/road/summary"):
        for strip in api(stack, f"/api/road/strip?route={route['routeNo']}"):
            grades = {s["grade"] for s in strip["segments"]} & GRADES
            seen |= grades
            if len(grades) >= 2 and len(strip["nodes"]) >= 4:
                return dict(strip)
    raise AssertionError(f"no direction of any route has two grades: {sorted(seen)}")


def open_strip(page: Page, stack: LocalStack, strip: dict[str, Any], lang: str = "ko") -> None:
    query = f"tab=road&road={strip['routeNo']}&roaddir={strip['direction']}&lang={lang}"
    page.goto(f"{base_url(stack)}/?{query}")
    shown = page.get_by_test_id("strip")
    expect(shown).to_have_attribute("data-route-no", strip["routeNo"], timeout=30_000)
    expect(shown).to_have_attribute("data-direction", strip["direction"])


# The page's strip and the API's at one moment: the stack keeps collecting, so the browser asks
# until the grades it shows are those the API answers now.
SAME_GRADES = """async ([route, direction]) => {
  const answer = await fetch(`/api/road/strip?route=${route}&direction=${direction}`);
  const [strip] = await answer.json();
  const shown = [...document.querySelectorAll('[data-testid="strip-segment"]')];
  const grades = shown.map((s) => Number(s.dataset.grade));
  const wanted = strip.segments.map((s) => s.grade);
  return JSON.stringify(grades) === JSON.stringify(wanted) ? grades : null;
}"""

# The section the details show, with the API's speed and travel time for it now.
DETAILS = """async ([route, direction]) => {
  const pressed = document.querySelector('[data-testid="strip-segment"][aria-pressed="true"]');
  const speed = document.querySelector('[data-testid="strip-speed"]');
  const travel = document.querySelector('[data-testid="strip-travel"]');
  if (!pressed || !speed || !travel) return null;
  const answer = await fetch(`/api/road/strip?route=${route}&direction=${direction}`);
  const [strip] = await answer.json();
  const seg = strip.segments.find((s) => s.conzoneId === pressed.dataset.conzoneId);
  const shown = speed.textContent.match(/[0-9][0-9,.]*/);
  const want = seg.speed === null ? null : Math.round(seg.speed);
  if (shown === null || Number(shown[0].replace(/,/g, "")) !== want) return null;
  return { id: seg.conzoneId, speed: speed.textContent, travel: travel.textContent,
           travelS: seg.travelTimeS };
}"""


def test_the_strip_shows_a_routes_ics_in_order_and_a_tap_its_speed_and_travel_time(
    sized: Any, dashboard_stack: LocalStack
) -> None:
    strip = graded_strip(dashboard_stack)
    page = sized(DESKTOP)
    open_strip(page, dashboard_stack, strip)
    # every IC and JC, in the order a driver meets them, and every section between them
    names = [n["name"] for n in strip["nodes"]]
    expect(page.get_by_test_id("strip-node")).to_have_count(len(names))
    assert page.get_by_test_id("strip-node").all_inner_texts() == names
    ids = page.get_by_test_id("strip-segment").evaluate_all(
        "els => els.map((e) => e.dataset.conzoneId)"
    )
    assert ids == [s["conzoneId"] for s in strip["segments"]]
    heading = page.get_by_test_id(f"strip-dir-{strip['direction']}")
    expect(heading).to_have_text(strip["heading"])
    expect(heading).to_have_attribute("aria-pressed", "true")
    # the grades the API reads now, two of them at least
    grades = evaluate_until(page, SAME_GRADES, [strip["routeNo"], strip["direction"]], timeout_s=30)
    assert len(set(grades) & GRADES) >= 2, grades
    # the legend says how many km are at each grade shown
    for g in set(grades):
        expect(page.locator(f'[data-testid="strip-grades"] [data-grade="{g}"]')).to_be_visible()
    # incidents pinned on this strip: one pin for each the API places
    placed = [i for i in strip["incidents"] if i["km"] is not None]
    assert page.get_by_test_id("strip-incident").count() >= min(1, len(placed))

    # a tap: the section is selected, its speed and travel time shown, the map outlines it
    slow = next(s for s in strip["segments"] if s["grade"] in (2, 3))
    segment = page.locator(f'[data-testid="strip-segment"][data-conzone-id="{slow["conzoneId"]}"]')
    segment.click()
    expect(segment).to_have_attribute("aria-pressed", "true")
    shown = evaluate_until(page, DETAILS, [strip["routeNo"], strip["direction"]], timeout_s=20)
    assert shown["id"] == slow["conzoneId"]
    assert "km/h" in shown["speed"]
    if shown["travelS"] is not None:
        assert any(unit in shown["travel"] for unit in ("분", "초", "시간"))
    expect(page.locator("path.strip-focus")).to_have_count(1)
    # hover shows another section's figures without selecting it
    other = page.get_by_test_id("strip-segment").first
    other.hover()
    expect(page.get_by_test_id("strip-segment-details")).to_contain_text(strip["nodes"][0]["name"])
    expect(other).to_have_attribute("aria-pressed", "false")
    page.get_by_test_id("route-strip").scroll_into_view_if_needed()
    screenshot(page, f"routes-strip-{DESKTOP[0]}x{DESKTOP[1]}")


# A point on a map line where a click lands on it (nothing drawn over it there), in the page's
# coordinates: along the path's own length, as the browser draws it.
ON_LINE = """(el) => {
  const m = el.getScreenCTM();
  const len = el.getTotalLength();
  for (const f of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
    const p = el.getPointAtLength(len * f);
    const at = new DOMPoint(p.x, p.y).matrixTransform(m);
    if (document.elementFromPoint(at.x, at.y) === el) return [at.x, at.y];
  }
  return null;
}"""


def test_the_strip_and_the_map_follow_each_other(sized: Any, dashboard_stack: LocalStack) -> None:
    strip = graded_strip(dashboard_stack)
    route = strip["routeNo"]
    both = {d["direction"]: d for d in api(dashboard_stack, f"/api/road/strip?route={route}")}
    page = sized(DESKTOP)
    shown = page.get_by_test_id("strip")
    # a section clicked on the map (both carriageways drawn, the strip on the other one) is
    # selected in the strip, which turns to that carriageway
    for direction in both:
        segments = both[direction]["segments"]
        target = segments[len(segments) // 2]
        ends = [both[direction]["nodes"][target[k]] for k in ("fromNode", "toNode")]
        lat = sum(n["lat"] for n in ends) / 2
        lon = sum(n["lon"] for n in ends) / 2
        # close enough that the two carriageways' lines are apart
        page.goto(
            f"{base_url(dashboard_stack)}/?tab=road&road={route}&map={lat:.4f},{lon:.4f},12&lang=ko"
        )
        expect(page.get_by_test_id("strip-segment").first).to_be_visible(timeout=30_000)
        away = "S" if direction == "E" else "E"
        page.get_by_test_id(f"strip-dir-{away}").click()
        expect(shown).to_have_attribute("data-direction", away)
        page.get_by_test_id("road-map").scroll_into_view_if_needed()
        # the map names each line by route and section (KEC names each carriageway's apart)
        label = f"{strip['routeName']} {target['conzoneName']} ·"
        line = page.locator(f'path.road-section[aria-label^="{label}"]')
        expect(line).to_have_count(1)
        point = line.evaluate(ON_LINE)
        assert point is not None, f"{target['conzoneName']} is covered or off the map"
        page.mouse.click(point[0], point[1])
        popup = page.get_by_test_id("section-details")
        expect(popup).to_be_visible()
        expect(popup.locator("strong").first).to_have_text(target["conzoneName"])
        expect(shown).to_have_attribute("data-direction", direction)
        expect(page.get_by_test_id(f"strip-dir-{direction}")).to_have_attribute(
            "aria-pressed", "true"
        )
        pressed = page.locator('[data-testid="strip-segment"][aria-pressed="true"]')
        expect(pressed).to_have_count(1)
        expect(pressed).to_have_attribute("data-conzone-id", target["conzoneId"])
        expect(page.locator("path.strip-focus")).to_have_count(1)

    # and back: a section tapped in the strip, far from where the map is, is flown to and
    # outlined (the popup about the other one closes)
    first = both[direction]["segments"][0]
    page.locator(f'[data-testid="strip-segment"][data-conzone-id="{first["conzoneId"]}"]').click()
    expect(page.get_by_test_id("section-details")).to_have_count(0)
    page.wait_for_function(
        """() => { const r = document.querySelector('path.strip-focus')?.getBoundingClientRect();
                   const m = document.querySelector('.leaflet-container').getBoundingClientRect();
                   return !!r && Math.max(r.width, r.height) > 24 && r.left >= m.left
                     && r.right <= m.right && r.top >= m.top && r.bottom <= m.bottom; }""",
        polling=200,
        timeout=10_000,
    )
    page.get_by_test_id("road-map").scroll_into_view_if_needed()
    screenshot(page, "routes-map-pick")


def test_the_strip_on_a_phone_scrolls_in_its_box_and_answers_the_keyboard(
    sized: Any, dashboard_stack: LocalStack
) -> None:
    strip = graded_strip(dashboard_stack)
    page = sized(PHONE)
    open_strip(page, dashboard_stack, strip)
    scroller = page.get_by_test_id("strip-scroller")
    width = scroller.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert width[0] > width[1]  # the line is longer than the phone: it scrolls inside its box
    page.wait_for_load_state("networkidle")
    page_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert page_width[0] <= page_width[1], page_width

    # the keyboard: one stop on the line, the arrows along it, Enter picks
    first = page.get_by_test_id("strip-node").first
    first.focus()
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("() => document.activeElement?.dataset.testid")
    assert focused == "strip-segment"
    expect(page.get_by_test_id("strip-segment-details")).to_contain_text("km/h")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("strip-segment").first).to_have_attribute("aria-pressed", "true")

    # a tap on a section further along: scrolled into reach inside the box, then tapped
    last = page.get_by_test_id("strip-segment").last
    last.scroll_into_view_if_needed()
    last.click()
    expect(last).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("strip-travel")).to_be_visible()
    page.get_by_test_id("route-strip").scroll_into_view_if_needed()
    screenshot(page, f"routes-strip-{PHONE[0]}x{PHONE[1]}")

    # English: the network's English names, the heading as the road signs it
    english = sized(PHONE, locale="en-US")
    open_strip(english, dashboard_stack, strip, lang="en")
    wanted = [n["nameEn"] for n in strip["nodes"] if n["nameEn"]]
    shown = english.get_by_test_id("strip-node").all_inner_texts()
    assert [s for s, n in zip(shown, strip["nodes"], strict=True) if n["nameEn"]] == wanted
    expect(english.get_by_test_id(f"strip-dir-{strip['direction']}")).to_have_text(
        strip["headingEn"]
    )


def earlier_days(item: dict[str, Any], minutes: float) -> list[TravelTime]:
    """The pair's 5-minute slots of the two days before, over the hour of its newest slot and
    the next (the newest slot may pass into it while the test runs), at ``minutes``."""
    slot = datetime.fromisoformat(item["slotAt"]).astimezone(KST)
    hour = slot.replace(minute=0, second=0, microsecond=0)
    return [
        TravelTime(
            start_unit_code=item["startUnitCode"],
            start_unit_name=item["startUnitName"],
            end_unit_code=item["endUnitCode"],
            end_unit_name=item["endUnitName"],
            basis=item["basis"],
            basis_name=item["basisName"],
            car_type=item["carType"],
            car_type_name=item["carTypeName"],
            car_div_code="1",
            car_div_name=item["carClassName"],
            slot_at=hour - timedelta(days=days) + timedelta(minutes=5 * k),
            slot_minutes=5,
            time_avg=minutes,
            time_min=round(minutes * 0.85, 6),
            time_max=round(minutes * 1.2, 6),
            vehicles=20,
        )
        for days in (1, 2)
        for k in range(24)
    ]


def publish(stack: LocalStack, records: list[TravelTime]) -> None:
    async def run() -> None:
        redis = redis_client(stack.settings())
        try:
            batch = TravelTimeBatch(
                producer="e2e",
                epoch=0,
                source="sim",
                fetched_at=now_kst(),
                batch_id=f"e2e-travel-{records[0].start_unit_code}-{records[0].end_unit_code}",
                records=tuple(records),
            )
            await StreamProducer(redis, stack.keys()).publish(batch)
        finally:
            await redis.aclose()

    # Playwright's sync API owns this thread's event loop: publish from another thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


# What the page shows for the pair and what the API answers for it at the same moment.
TRAVEL = """async ([from, to]) => {
  const answer = await fetch(`/api/travel-time?from=${from}&to=${to}`);
  const items = await answer.json();
  const item = items.find((i) => i.carType === "1") ?? items[0];
  const result = document.querySelector('[data-testid="travel-result"]');
  if (!item || !result || result.dataset.minutes !== item.timeAvg.toFixed(2)) return null;
  const days = item.sameHourEarlier.filter((d) => d.slots > 0);
  const compare = document.querySelector('[data-testid="travel-compare"]');
  return { now: item.timeAvg, days: days.map((d) => d.minutes), verdict: compare.dataset.verdict,
           compare: compare.textContent,
           minutes: document.querySelector('[data-testid="travel-minutes"]').textContent };
}"""


def test_a_picked_pair_shows_its_minutes_and_how_they_compare_with_earlier_days(
    sized: Any, dashboard_stack: LocalStack
) -> None:
    pairs = api(dashboard_stack, "/api/travel-time/pairs")
    assert len(pairs) > 10
    # a pair other than the one shown first, so the test picks it
    pair = next(p for p in pairs[len(pairs) // 2 :] if p["startUnitCode"] != "101")
    src, dst = pair["startUnitCode"], pair["endUnitCode"]
    [item] = api(dashboard_stack, f"/api/travel-time?from={src}&to={dst}&carType=1")
    # usually 15 minutes longer than now: now is faster than usual
    publish(dashboard_stack, earlier_days(item, round(item["timeAvg"] + 15, 6)))

    async def stored() -> bool:
        found = await asyncio.to_thread(
            api, dashboard_stack, f"/api/travel-time?from={src}&to={dst}&carType=1"
        )
        return bool(found and found[0]["sameHourEarlier"])

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, eventually(stored, timeout=20)).result()

    for size in (PHONE, DESKTOP):
        page = sized(size)
        page.goto(f"{base_url(dashboard_stack)}/?tab=road&lang=ko")
        card = page.get_by_test_id("travel-time")
        expect(card.get_by_test_id("travel-minutes")).to_be_visible(timeout=30_000)
        # the search narrows the starts and picks the first that fits
        search = card.get_by_test_id("travel-search")
        search.fill(pair["startUnitName"])
        chosen = card.get_by_test_id("travel-from")
        expect(chosen.locator("option:checked")).to_contain_text(pair["startUnitName"])
        chosen.select_option(src)
        card.get_by_test_id("travel-to").select_option(dst)
        seen = evaluate_until(page, TRAVEL, [src, dst], timeout_s=20)
        assert seen["minutes"] == f"{int(seen['now'] + 0.5)}분"
        usual = sum(seen["days"]) / len(seen["days"])
        assert seen["verdict"] == "faster", seen
        assert seen["compare"].endswith(f"평소보다 {int(usual - seen['now'] + 0.5)}분 덜 걸림")
        expect(card.get_by_test_id("travel-range")).to_contain_text("최소")
        expect(card.get_by_test_id("travel-days").locator("li")).to_have_count(
            len(seen["days"]) + 1
        )
        card.scroll_into_view_if_needed()
        screenshot(page, f"routes-travel-{size[0]}x{size[1]}")
        # the other way, when KEC measures it, is a tap away
        swap = card.get_by_test_id("travel-swap")
        if swap.is_enabled():
            swap.click()
            expect(chosen).to_have_value(dst)
            expect(card.get_by_test_id("travel-to")).to_have_value(src)

    # a pair with no earlier days says so rather than comparing with nothing
    page = sized(DESKTOP)
    page.goto(f"{base_url(dashboard_stack)}/?tab=road&lang=ko")
    first = page.get_by_test_id("travel-time")
    expect(first.get_by_test_id("travel-minutes")).to_be_visible(timeout=30_000)
    # the first pair shown starts at 서울 (101), the one given a history does not
    expect(first.get_by_test_id("travel-from")).to_have_value("101")
    expect(first.get_by_test_id("travel-compare")).to_have_attribute("data-verdict", "none")


# The route's 24 h as the API answers it now, and the charts' bars.
HISTORY = """async ([route, direction]) => {
  const answer = await fetch(`/api/road/history?route=${route}&direction=${direction}&bucket=60`);
  const h = await answer.json();
  const charts = document.querySelector('[data-testid="route-history-charts"]');
  const speed = document.querySelector('[data-testid="history-speed"]');
  const incidents = document.querySelector('[data-testid="history-incidents"]');
  if (!charts || !speed || !incidents) return null;
  const read = h.buckets.filter((b) => b.avgSpeed !== null).length;
  const started = h.buckets.reduce((s, b) => s + b.incidents, 0);
  if (Number(speed.dataset.bars) !== read || Number(charts.dataset.incidents) !== started)
    return null;
  return { buckets: h.buckets.length, shown: Number(charts.dataset.buckets), read,
           incidentBars: Number(incidents.dataset.bars), started };
}"""


def test_the_route_history_and_a_tollgates_day_have_their_bars(
    sized: Any, dashboard_stack: LocalStack
) -> None:
    strip = graded_strip(dashboard_stack)
    for size in (PHONE, DESKTOP):
        page = sized(size)
        open_strip(page, dashboard_stack, strip)
        seen = evaluate_until(page, HISTORY, [strip["routeNo"], strip["direction"]], timeout_s=30)
        assert seen["buckets"] == seen["shown"] == 24
        assert seen["read"] >= 1  # the stack has read the route since it started
        assert seen["incidentBars"] == 24  # an hour without incidents is a zero, not a gap
        page.get_by_test_id("route-history").scroll_into_view_if_needed()
        screenshot(page, f"routes-history-{size[0]}x{size[1]}")

    # a tollgate picked in the list: the day's 96 15-minute slots, a bar for each reported
    page = sized(DESKTOP)
    page.goto(f"{base_url(dashboard_stack)}/?tab=tollgates&lang=ko")
    row = page.get_by_test_id("tollgate-row").nth(2)
    expect(row).to_be_visible(timeout=30_000)
    code = row.get_attribute("data-unit-code")
    row.click()
    day = api(dashboard_stack, f"/api/tollgate/history?unitCode={code}")
    assert len(day["slots"]) == 96
    expect(page.get_by_test_id("tollgate-series-span")).to_have_attribute("data-day", day["date"])
    reported = sum(1 for s in day["slots"] if s["trafficAmount"] is not None)
    assert reported >= 1
    bars = int(page.get_by_test_id("tollgate-series").get_attribute("data-bars") or "0")
    assert abs(bars - reported) <= 1  # a slot may land between the two answers
    screenshot(page, "routes-tollgate-day")
