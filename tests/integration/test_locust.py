"""The Locust load test against a whole local stack: the SLO gates pass, and an impossible
p95 gate makes locust exit 3."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.stack import running_stack

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "loadtest" / "locustfile.py"
# the gates come from the command line only, not from whatever the caller's shell exports
ENV = {k: v for k, v in os.environ.items() if not k.startswith(("SLO_", "LOCUST_"))}
SLO_LINE = re.compile(
    r"^SLO (ok|breached): requests (\d+), failures (\d+) \(([\d.]+)\), p95 (\d+) ms$", re.M
)


@pytest.fixture(scope="module")
def ingress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_stack(tmp_path_factory.mktemp("locust") / "stack") as stack:
        yield f"http://127.0.0.1:{stack.layout.ingress_port}"


def locust(host: str, run_time: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "-u",
            "20",
            "-r",
            "10",
            "-t",
            run_time,
            "--host",
            host,
            "--only-summary",
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=ROOT,
        env=ENV,
    )


def slo_line(run: subprocess.CompletedProcess[str]) -> re.Match[str]:
    match = SLO_LINE.search(run.stdout)
    assert match, run.stdout + run.stderr
    return match


def test_slo_holds_under_dashboard_load(ingress: str) -> None:
    run = locust(ingress, "20s")
    match = slo_line(run)
    assert run.returncode == 0, run.stdout + run.stderr
    assert match.group(1) == "ok"
    assert int(match.group(2)) > 100
    assert int(match.group(3)) == 0


def test_impossible_p95_gate_exits_3(ingress: str) -> None:
    run = locust(ingress, "5s", "--slo-p95-ms", "0.001")
    match = slo_line(run)
    assert run.returncode == 3, run.stdout + run.stderr
    assert match.group(1) == "breached"
    assert "SLO breached: p95" in run.stderr
