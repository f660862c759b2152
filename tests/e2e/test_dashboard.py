"""The dashboard in Chromium against a real stack: every tab draws what the API holds, list and
map are linked, the HA panel shows a member die, and incident text stays inert."""

from __future__ import annotations

import asyncio
import json
import os
import re
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page, Request, Route, expect

from tests.e2e.conftest import base_url, evaluate_until, screenshot
from tests.support.simulator import clear_faults, set_fault
from tests.support.stack import trafficha
from trafficha.connections import redis_client
from trafficha.kst import now_kst
from trafficha.models import Accident, AccidentBatch
from trafficha.providers.kec import korea_point
from trafficha.streams import StreamProducer
from trafficha.topology.local import LocalStack

pytestmark = pytest.mark.integration

XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
# What the simulator's text fault puts in every incident and notice it serves.
HOSTILE_TEXTS = (
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script><svg onload=alert(3)><img src=x onerror=alert(4)>",
)
# Elements the texts would make if any of them reached the DOM as HTML, anywhere in the page.
FROM_HOSTILE_TEXT = 'img[src="x"], [onerror], [onload], script:not([src])'
# The elements showing an incident's or a notice's text hold that text alone, no element.
IN_TEXT = (
    '[data-testid="incident-message"] *, [data-testid="accident-row"] p *,'
    ' [data-testid="notice-row"] p *'
)


def api(stack: LocalStack, path: str) -> Any:
    with urllib.request.urlopen(base_url(stack) + path, timeout=10) as response:
        return json.loads(response.read())


def mapped(items: list[dict[str, Any]], lat: str, lon: str) -> int:
    return sum(1 for i in items if korea_point(i.get(lat), i.get(lon)) is not None)


def open_tab(page: Page, stack: LocalStack, tab: str) -> None:
    page.goto(f"{base_url(stack)}/?tab={tab}")
    expect(page.get_by_test_id(f"tab-{tab}")).to_be_visible()


def test_dashboard_tab_shows_figures_from_the_api(page: Page, dashboard_stack: LocalStack) -> None:
    open_tab(page, dashboard_stack, "dashboard")
    summary = api(dashboard_stack, "/api/road/summary")
    expect(page.get_by_test_id("kpi-routes")).to_contain_text(str(len(summary)))
    expect(page.get_by_test_id("last-update")).not_to_be_empty()
    expect(page.get_by_test_id("served-by")).to_contain_text("member")
    screenshot(page, "dashboard")


def test_incidents_tab_draws_one_marker_per_located_incident(
    page: Page, dashboard_stack: LocalStack
) -> None:
    open_tab(page, dashboard_stack, "accidents")
    rows = page.get_by_test_id("accident-row")
    expect(rows.first).to_be_visible()
    # The stack keeps collecting, so the page and the API are compared at one moment: the
    # browser asks the API until its answer has as many incidents as the page shows.
    seen = evaluate_until(
        page,
        """async () => {
            const figure = (id) => {
                const el = document.querySelector(`[data-testid="${id}"]`);
                return el ? parseInt(el.innerText.replace(/,/g, ""), 10) : null;
            };
            const answer = await fetch("/api/accidents/latest?limit=1000");
            const items = await answer.json();
            const unmapped = figure("incident-unmapped");
            return figure("incident-count") === items.length ? { items, unmapped } : null;
        }""",
    )
    incidents, unmapped = seen["items"], seen["unmapped"]
    count = len(incidents)
    assert count - unmapped == mapped(incidents, "latitude", "altitude")
    expect(page.locator(".incident-marker")).to_have_count(count - unmapped)
    screenshot(page, "incidents")


def test_clicking_an_incident_opens_its_marker_and_a_marker_selects_its_row(
    page: Page, dashboard_stack: LocalStack
) -> None:
    open_tab(page, dashboard_stack, "accidents")
    incidents = api(dashboard_stack, "/api/accidents/latest?limit=1000")
    located = next(i for i in incidents if korea_point(i["latitude"], i["altitude"]))
    row = page.locator(f'[data-testid="accident-row"][data-incident-id="{located["id"]}"]')
    row.click()
    popup = page.locator(".leaflet-popup")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text(located["smsText"][:20])
    expect(row).to_have_attribute("aria-selected", "true")
    # The map flies to the incident (to zoom 10 at least, 0.8 s): a click on the moving popup's
    # close button would land where the button was.
    expect(page.locator(".leaflet-container")).to_have_attribute(
        "data-zoom", re.compile(r"^1[0-4](\.\d+)?$")
    )
    # And the other way: a marker click selects its row.
    page.locator(".leaflet-popup-close-button").click(force=True)
    expect(popup).to_have_count(0)
    # A click event on the marker's SVG path, as Leaflet listens for it.
    page.locator(".incident-marker").last.dispatch_event("click")
    expect(page.locator('[data-testid="accident-row"][aria-selected="true"]')).to_have_count(1)
    screenshot(page, "incident-selected")


def test_notices_are_shown_apart_and_incidents_show_lanes_and_queue(
    page: Page, dashboard_stack: LocalStack
) -> None:
    open_tab(page, dashboard_stack, "dashboard")
    # The page and the API at one moment: the notices card counts what /api/notices serves.
    notices = evaluate_until(
        page,
        """async () => {
            const count = document.querySelector(
                '[data-testid="dashboard-notices"] [data-testid="notice-count"]');
            const notices = await (await fetch("/api/notices")).json();
            const shown = count ? parseInt(count.innerText, 10) : -1;
            return notices.length > 0 && shown === notices.length ? notices : null;
        }""",
        timeout_s=30,
    )
    expect(
        page.get_by_test_id("dashboard-notices").get_by_test_id("notice-row").first
    ).to_be_visible()
    notice_types = {n["typeName"] for n in notices}
    assert not notice_types & set(api(dashboard_stack, "/api/accidents/stats")["byType"])
    for name in notice_types:
        expect(page.get_by_test_id("by-type")).not_to_contain_text(name)
    screenshot(page, "dashboard-notices")

    open_tab(page, dashboard_stack, "accidents")
    rows = page.get_by_test_id("accident-row")
    expect(rows.first).to_be_visible()
    listed = "\n".join(rows.all_inner_texts())
    for n in notices:  # not one notice among the incidents
        assert n["smsText"].strip().strip("*").strip() not in listed
    # Some rows block only the shoulder (갓길): at least one names its lanes.
    expect(rows.get_by_test_id("incident-lanes").filter(has_text="차로").first).to_be_visible()
    expect(rows.get_by_test_id("incident-queue").filter(has_text="km").first).to_be_visible()
    screenshot(page, "incidents-lanes-queue")


def test_tollgate_tab_draws_located_tollgates(page: Page, dashboard_stack: LocalStack) -> None:
    open_tab(page, dashboard_stack, "tollgates")
    tollgates = api(dashboard_stack, "/api/tollgates")
    expect(page.locator(".tollgate-marker")).to_have_count(mapped(tollgates, "lat", "lon"))
    screenshot(page, "tollgates")


def test_road_tab_draws_every_section(page: Page, dashboard_stack: LocalStack) -> None:
    open_tab(page, dashboard_stack, "road")
    sections = api(dashboard_stack, "/api/network/sections")
    expect(page.locator(".road-section")).to_have_count(len(sections["features"]))
    screenshot(page, "road")


def test_english_is_a_toggle_away(page: Page, dashboard_stack: LocalStack) -> None:
    open_tab(page, dashboard_stack, "dashboard")
    expect(page.locator("h1")).to_contain_text("실시간 고속도로 교통정보")
    page.get_by_test_id("lang-toggle").click()
    expect(page.locator("h1")).not_to_contain_text("실시간")
    screenshot(page, "dashboard-en")


def test_incident_text_is_rendered_as_text_only(page: Page, dashboard_stack: LocalStack) -> None:
    async def publish() -> str:
        redis = redis_client(dashboard_stack.settings())
        try:
            at = now_kst() - timedelta(minutes=1)
            accident = Accident(
                incident_key="e2e-xss",
                occurred_at=at,
                route_no="0010",
                route_name="경부선",
                direction="서울방향",
                type_code="01",
                type_name="사고",
                sms_text=XSS,
                process_code="1",
                process_name="처리중",
                point_name=XSS,
                lat=36.35,
                lon=127.38,
                late_length_km=None,
                lanes_blocked="NNNNNN",
                shoulder_blocked=False,
            )
            batch = AccidentBatch(
                producer="e2e",
                epoch=0,
                source="sim",
                fetched_at=now_kst(),
                batch_id="e2e-xss",
                records=(accident,),
            )
            await StreamProducer(redis, dashboard_stack.keys()).publish(batch)
        finally:
            await redis.aclose()
        return accident.incident_key

    open_tab(page, dashboard_stack, "accidents")
    expect(page.get_by_test_id("connection-state")).to_have_attribute(
        "data-state", "live", timeout=15_000
    )
    # Playwright's sync API owns this thread's event loop: publish from another thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, publish()).result()
    row = page.get_by_test_id("accident-row").filter(has_text="window.__xss")
    # Live: the new incident shows within a second of its commit; the extra second covers the
    # processor reading and committing it after the XADD.
    expect(row.first).to_be_visible(timeout=2_000)
    row.first.click()
    expect(page.locator(".leaflet-popup")).to_contain_text("<script>")
    assert page.evaluate("window.__xss") is None
    assert page.locator('img[src="x"]').count() == 0
    screenshot(page, "xss-inert")


def simulator_url(stack: LocalStack) -> str:
    return f"http://127.0.0.1:{stack.layout.simulator_port}"


@pytest.mark.skipif(
    bool(os.environ.get("REAL_OPENAPI_KEY")), reason="real mode would ask KEC, not the simulator"
)
def test_hostile_text_from_the_simulator_is_shown_as_text(
    page: Page, dashboard_stack: LocalStack
) -> None:
    dialogs: list[str] = []
    errors: list[str] = []
    fetched_x: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_request(request: Request) -> None:
        if urlsplit(request.url).path == "/x":  # an <img src=x> made from the text
            fetched_x.append(request.url)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", on_request)
    simulator = simulator_url(dashboard_stack)
    state = str(dashboard_stack.state_dir)
    # In sim mode the collectors read the world in process; in real mode, without a key, they
    # read the stack's simulator (through the proxies), whose fault sets the text. The world
    # is the same, so are the incidents: only their text changes.
    assert trafficha("mode", "real", "--state-dir", state).returncode == 0
    try:
        for n, text in enumerate(HOSTILE_TEXTS):
            set_fault(simulator, "accidents", text=text)
            open_tab(page, dashboard_stack, "dashboard")
            # The next poll (every 10 s, through the proxy's 10 s cache) brings the text, to
            # every incident and notice alike.
            dashboard_notices = page.get_by_test_id("dashboard-notices").get_by_test_id(
                "notice-row"
            )
            expect(dashboard_notices.filter(has_text=text).first).to_be_visible(timeout=60_000)

            page.get_by_test_id("tab-accidents").click()
            rows = page.get_by_test_id("accident-row")
            hostile_rows = rows.filter(has_text=text)
            expect(hostile_rows.first).to_be_visible(timeout=30_000)
            expect(hostile_rows.first.locator("p")).to_have_text(text)
            expect(
                page.get_by_test_id("incidents-notices").get_by_test_id("notice-row").first
            ).to_contain_text(text)
            # The popup of a located incident with the text.
            located = {
                i["id"]
                for i in api(dashboard_stack, "/api/accidents/latest?limit=1000")
                if i["smsText"] == text and korea_point(i["latitude"], i["altitude"])
            }
            listed = hostile_rows.evaluate_all("rs => rs.map((r) => Number(r.dataset.incidentId))")
            row = hostile_rows.nth(next(k for k, id_ in enumerate(listed) if id_ in located))
            row.click()
            message = page.locator(".leaflet-popup").get_by_test_id("incident-message")
            expect(message).to_have_text(text)
            # Literal text: the markup escaped, no element made of it anywhere in the page.
            assert "&lt;img src=x" in message.inner_html()
            assert page.locator(FROM_HOSTILE_TEXT).count() == 0
            assert page.locator(IN_TEXT).count() == 0
            screenshot(page, f"hostile-text-{n}")
    finally:
        clear_faults(simulator)
        assert trafficha("mode", "default", "--state-dir", state).returncode == 0
    assert dialogs == []
    assert fetched_x == []
    assert errors == []
    # Other tests see the simulator's own text again: the next poll has replaced the fault's on
    # everything still listed (an incident that cleared meanwhile keeps the text it last had).
    evaluate_until(
        page,
        """async (texts) => {
            const items = await (await fetch("/api/accidents/latest?limit=1000")).json();
            const notices = await (await fetch("/api/notices")).json();
            const active = [...items, ...notices].filter((i) => i.active);
            return active.length > 0 && !active.some((i) => texts.includes(i.smsText));
        }""",
        list(HOSTILE_TEXTS),
        timeout_s=45,
        every_ms=1000,
    )


def test_the_ha_panel_shows_member1_die_while_the_page_keeps_updating(
    page: Page, dashboard_stack: LocalStack
) -> None:
    open_tab(page, dashboard_stack, "dashboard")
    member1 = page.get_by_test_id("ha-member-member1")
    expect(member1).to_have_attribute("data-alive", "true", timeout=15_000)
    state = str(dashboard_stack.state_dir)
    try:
        assert trafficha("member", "kill", "member1", "--state-dir", state).returncode == 0
        expect(member1).to_have_attribute("data-alive", "false", timeout=15_000)
        expect(page.get_by_test_id("ha-member-member2")).to_have_attribute("data-alive", "true")
        expect(page.get_by_test_id("leader")).to_contain_text("member2", timeout=15_000)
        expect(page.get_by_test_id("served-by")).to_contain_text("member2", timeout=15_000)
        expect(page.get_by_test_id("ha-event").first).to_be_visible()
        expect(page.get_by_test_id("connection-state")).to_have_attribute(
            "data-state", "live", timeout=20_000
        )
        # A screen reader hears it: the polite live region says the failover in Korean.
        region = page.get_by_test_id("live-region")
        expect(region).to_have_attribute("aria-live", "polite")
        expect(region).to_contain_text("member1 중단", timeout=15_000)
        expect(region).to_contain_text("수집 리더 변경: member2", timeout=15_000)
        screenshot(page, "ha-member1-down")
    finally:
        assert trafficha("member", "start", "member1", "--state-dir", state).returncode == 0
    expect(member1).to_have_attribute("data-alive", "true", timeout=20_000)
    expect(region).to_contain_text("member1 복구", timeout=20_000)


# Every API request but the event stream's.
API_BUT_EVENTS = re.compile(r"/api/(?!events)")


def test_the_live_chip_warns_while_requests_fail_and_turns_green_again(
    page: Page, dashboard_stack: LocalStack
) -> None:
    open_tab(page, dashboard_stack, "dashboard")
    chip = page.get_by_test_id("connection-state")
    expect(chip).to_have_attribute("data-freshness", "ok", timeout=15_000)
    expect(chip).to_have_attribute("data-state", "live", timeout=15_000)

    # The gateway's answer when no data API does; the stream stays open, so the page learns of
    # the failures on its next refetch (a commit, or the HA status every 10 s).
    def no_data_api(route: Route) -> None:
        route.fulfill(status=502, content_type="application/problem+json", body="{}")

    page.route(API_BUT_EVENTS, no_data_api)
    expect(chip).to_have_attribute("data-freshness", "failing", timeout=25_000)
    expect(chip).to_contain_text("요청 실패 (")
    page.unroute(API_BUT_EVENTS)
    expect(chip).to_have_attribute("data-freshness", "ok", timeout=25_000)
    expect(chip).to_have_text("실시간 (SSE)")


def test_the_live_chip_warns_when_a_kind_is_older_than_twice_its_interval(
    page: Page, dashboard_stack: LocalStack
) -> None:
    """The HA status's last incident collection made 10 minutes old (as when no collector leads):
    the chip names the kind; a true status again and it is green."""
    served = api(dashboard_stack, "/api/ha/status")["collections"]
    assert {c["kind"]: c.get("intervalSeconds") for c in served}.get("accidents") == 10, (
        "the HA status does not give each kind's collection interval (intervalSeconds)"
    )

    def aged(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        for c in body["collections"]:
            if c["kind"] == "accidents":
                c["at"] = (now_kst() - timedelta(minutes=10)).isoformat()
        route.fulfill(response=response, json=body)

    page.route("**/api/ha/status", aged)
    # Polling only: a commit event would move the kind's last collection itself (as it should:
    # no collector, no commits), so the faked status is the only word on it here.
    page.goto(f"{base_url(dashboard_stack)}/?tab=dashboard&sse=0")
    chip = page.get_by_test_id("connection-state")
    expect(chip).to_have_attribute("data-freshness", "stale", timeout=15_000)
    expect(chip).to_have_attribute("data-stale", re.compile(r"\baccidents\b"))
    expect(chip).to_contain_text("데이터 지연 · 돌발상황 10분 전")
    # (an aged answer still in flight is dropped, not fulfilled after the route is gone)
    page.unroute_all(behavior="ignoreErrors")
    # polling refetches the HA status every 5 s
    expect(chip).to_have_attribute("data-freshness", "ok", timeout=25_000)
