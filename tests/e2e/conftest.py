"""Browser tests: Debian's Chromium driven by Playwright against a real stack in sim mode."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    # Browser tests never reach the internet (and the closed network's failed tile loads would
    # be console errors): the offline map, unless a test serves its own tiles (test_map.py).
    # Set for the stack's lifetime, so that `trafficha member start` in a test inherits it.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MAP_TILE_URL", "none")
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


def evaluate_until(
    page: Page, script: str, arg: Any = None, *, timeout_s: float = 20.0, every_ms: int = 500
) -> Any:
    """Evaluate an (async) script in the page until it returns a truthy value, and return it.

    ``wait_for_function`` takes only synchronous predicates: an async one returns a promise,
    which is truthy at once, and the wait ends before the answer is in.
    """
    deadline = time.monotonic() + timeout_s
    while not (value := page.evaluate(script, arg)):
        assert time.monotonic() < deadline, f"not true within {timeout_s:.0f} s: {script}"
        page.wait_for_timeout(every_ms)
    return value
