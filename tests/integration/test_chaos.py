"""The Chaos Toolkit experiments: all four validate, and member1-down and processor-crash run
against a whole local stack without deviating."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.stack import running_stack
from trafficha.topology.local import LocalStack

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = ROOT / "chaos" / "experiments"
NAMES = (
    "member1-down",
    "member1-down-audience",
    "processor-crash",
    "upstream-outage",
    "redis-restart",
)


def chaos(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 150
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chaostoolkit", "--no-log-file", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


@pytest.mark.parametrize("name", NAMES)
def test_experiment_validates(name: str) -> None:
    # From chaos/ as from the root: python providers do not depend on the working directory.
    done = chaos("validate", str(EXPERIMENTS / f"{name}.json"), cwd=ROOT / "chaos")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(tmp_path_factory.mktemp("chaos") / "stack", mode="sim") as stack:
        yield stack


@pytest.mark.parametrize("name", ["member1-down", "member1-down-audience", "processor-crash"])
def test_experiment_runs_without_deviation(stack: LocalStack, tmp_path: Path, name: str) -> None:
    journal = tmp_path / "journal.json"
    env = {
        **os.environ,
        "TRAFFICHA_STATE_DIR": str(stack.state_dir),
        "TRAFFICHA_INGRESS_URL": f"http://127.0.0.1:{stack.layout.ingress_port}",
        # The audience in a smaller size than its defaults (bench/audience.py runs the full one).
        "TRAFFICHA_CHAOS_VIEWERS": "500",
        "TRAFFICHA_CHAOS_USERS": "60",
    }
    done = chaos("run", "--journal-path", str(journal), str(EXPERIMENTS / f"{name}.json"), env=env)
    result = json.loads(journal.read_text())
    failed = [
        (run["activity"]["name"], run.get("exception", [])[-1:])
        for run in result.get("run", [])
        if run["status"] != "succeeded"
    ]
    assert done.returncode == 0, (failed, done.stdout[-3000:], done.stderr[-3000:])
    assert result["deviated"] is False
    assert result["status"] == "completed"
    assert failed == []
    assert all(r["status"] == "succeeded" for r in result["rollbacks"]), result["rollbacks"]
