"""The traffic simulator as a real server process: the tests' only stand-in for KEC."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

from tests.support.services import Services

# A distinctive key: a test can then prove it never shows up in logs or errors.
KEY = "8512349876"


@contextmanager
def simulator_process(log_dir: Path, **env: str) -> Iterator[str]:
    """Run ``trafficha run simulator`` on a free port; yields its base URL."""
    services = Services(log_dir)
    try:
        running = services.start(
            "simulator", {"SIMULATOR_API_KEYS": f"test,{KEY}", **env}, http=True
        )
        assert running.url is not None
        yield running.url
    finally:
        services.stop_all()


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
