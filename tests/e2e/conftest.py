"""Browser tests: Debian's Chromium driven by Playwright against a real stack in sim mode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.stack import running_stack
from trafficha.topology.local import LocalStack

CHROMIUM = "/usr/bin/chromium"
# Playwright cannot download its own browser here: Debian's, with the flags a sandboxed root
# session and a closed network need.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
DIST = Path(__file__).parents[2] / "spa" / "dist" / "index.html"


@pytest.fixture(scope="module")
def dashboard_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    assert DIST.exists(), "the dashboard is not built: `make spa`"
    with running_stack(tmp_path_factory.mktemp("e2e") / "stack") as stack:
        yield stack


# Module scope: Playwright's sync API runs an event loop in this thread while it lives, which
# async tests collected after the browser tests could not share.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, dashboard_stack: LocalStack) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ko-KR")
    page = context.new_page()
    yield page
    context.close()


def base_url(stack: LocalStack) -> str:
    return f"http://127.0.0.1:{stack.layout.ingress_port}"


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
