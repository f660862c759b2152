"""The traffic simulator as a real server process: the tests' only stand-in for KEC."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

from trafficha.topology.processes import free_port, wait_until

# A distinctive key: a test can then prove it never shows up in logs or errors.
KEY = "8512349876"


@contextmanager
def simulator_process(log_dir: Path, **env: str) -> Iterator[str]:
    """Run ``trafficha run simulator`` on a free port; yields its base URL."""
    port = free_port()
    environ = {**os.environ, "PORT": str(port), "SIMULATOR_API_KEYS": f"test,{KEY}", **env}
    with (log_dir / f"simulator-{port}.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trafficha.cli", "run", "simulator"],
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: urllib.request.urlopen(f"{base}/healthz", timeout=1).status == 200,
            timeout=30,
            what="simulator",
            alive=lambda: proc.poll() is None,
        )
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def set_fault(base: str, endpoint: str, **fault: object) -> None:
    """PUT a fault on one simulator endpoint (``all`` for every one)."""
    request = urllib.request.Request(
        f"{base}/admin/faults/{endpoint}",
        data=msgspec.json.encode(fault),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status in (200, 204)


def clear_faults(base: str) -> None:
    request = urllib.request.Request(f"{base}/admin/faults", method="DELETE")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status in (200, 204)


def requests_served(base: str, endpoint: str) -> int:
    """How many requests the simulator has received on one endpoint."""
    with urllib.request.urlopen(f"{base}/admin/served", timeout=5) as response:
        served = msgspec.json.decode(response.read())
    return int(served["endpoints"][endpoint]["requests"])
