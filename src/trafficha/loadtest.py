"""The Locust load test: dashboard viewers against the ingress, with SLO gates. Needs the
``load`` extra (``pip install 'trafficha[load]'``); nothing else in the package imports it.

``loadtest/locustfile.py`` is the locustfile that runs it::

    locust -f loadtest/locustfile.py --headless -u 100 -r 20 -t 60s --host http://127.0.0.1:8080

and the chaos experiments' background load (:mod:`trafficha.chaos.load`) runs the same viewers
as a library.

Each simulated viewer loads what the dashboard loads at start (HA status, accidents, stats,
tollgates, road status and summary, the network), then refreshes like the SPA's polling: the HA
status most often, accidents and stats often, road and tollgates less.

A response counts as failed unless it is a 200 whose body is JSON of the expected shape
(array or object). When the run ends, two SLO gates are checked:

- fail ratio <= ``--slo-max-fail-ratio`` (env ``SLO_MAX_FAIL_RATIO``, default 0.0: a failover
  must cost no failed request);
- p95 <= ``--slo-p95-ms`` (env ``SLO_P95_MS``, default 500).

A breach sets the exit code to 3 (locust's own "there were failures" code is 1). A one-line
summary ``SLO ok|breached: requests N, failures F (ratio), p95 X ms`` is always printed.
Importing this module registers the SLO options and the gate with Locust's event hooks.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from locust import FastHttpUser, between, events, task
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment
from locust.runners import WorkerRunner

__all__ = ["ENDPOINTS", "SLO_EXIT_CODE", "DashboardViewer"]

log = logging.getLogger(__name__)

SLO_EXIT_CODE = 3

ENDPOINTS: dict[str, tuple[str, type[list[Any]] | type[dict[str, Any]]]] = {
    "ha": ("/api/ha/status", dict),
    "accidents": ("/api/accidents/latest?limit=1000", list),
    "stats": ("/api/accidents/stats", dict),
    "tollgates": ("/api/tollgates", list),
    "roadStatus": ("/api/road/status", list),
    "roadSummary": ("/api/road/summary", list),
    "network": ("/api/network", dict),
}


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


@events.init_command_line_parser.add_listener  # type: ignore[untyped-decorator]
def _add_slo_options(parser: LocustArgumentParser) -> None:
    parser.add_argument(
        "--slo-max-fail-ratio",
        type=float,
        default=_env_float("SLO_MAX_FAIL_RATIO", 0.0),
        help="SLO: highest allowed fail ratio, 0-1 (env SLO_MAX_FAIL_RATIO, default 0.0)",
    )
    parser.add_argument(
        "--slo-p95-ms",
        type=float,
        default=_env_float("SLO_P95_MS", 500.0),
        help="SLO: highest allowed 95th percentile response time in ms (env SLO_P95_MS, 500)",
    )


class DashboardViewer(FastHttpUser):
    """One browser tab with the dashboard open."""

    wait_time = between(1, 3)

    def fetch(self, resource: str) -> None:
        url, expected = ENDPOINTS[resource]
        name = url.split("?", 1)[0]
        with self.client.get(
            url, name=name, headers={"Accept": "application/json"}, catch_response=True
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return
            try:
                body = json.loads(resp.content or b"")
            except ValueError:
                resp.failure("body is not JSON")
                return
            if not isinstance(body, expected):
                resp.failure(f"body is not a JSON {'array' if expected is list else 'object'}")
                return
            resp.success()

    def on_start(self) -> None:
        for resource in ENDPOINTS:
            self.fetch(resource)

    @task(6)
    def ha_status(self) -> None:
        self.fetch("ha")

    @task(3)
    def accidents(self) -> None:
        self.fetch("accidents")

    @task(3)
    def stats(self) -> None:
        self.fetch("stats")

    @task(1)
    def tollgates(self) -> None:
        self.fetch("tollgates")

    @task(1)
    def road_status(self) -> None:
        self.fetch("roadStatus")

    @task(1)
    def road_summary(self) -> None:
        self.fetch("roadSummary")


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def _check_slo(environment: Environment, **_kwargs: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return  # the master holds the aggregated stats
    options = environment.parsed_options
    max_fail_ratio = float(
        getattr(options, "slo_max_fail_ratio", _env_float("SLO_MAX_FAIL_RATIO", 0.0))
    )
    max_p95_ms = float(getattr(options, "slo_p95_ms", _env_float("SLO_P95_MS", 500.0)))
    total = environment.stats.total
    requests, failures = total.num_requests, total.num_failures
    ratio = total.fail_ratio
    p95 = total.get_response_time_percentile(0.95) if requests else 0
    breaches = []
    if requests == 0:
        breaches.append("no requests were made")
    if ratio > max_fail_ratio:
        breaches.append(f"fail ratio {ratio:.4f} > {max_fail_ratio:g}")
    if p95 > max_p95_ms:
        breaches.append(f"p95 {p95} ms > {max_p95_ms:g} ms")
    verdict = "breached" if breaches else "ok"
    print(
        f"SLO {verdict}: requests {requests}, failures {failures} ({ratio:.4f}), p95 {p95} ms",
        flush=True,
    )
    if breaches:
        log.error("SLO breached: %s", "; ".join(breaches))
        environment.process_exit_code = SLO_EXIT_CODE
