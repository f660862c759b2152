"""A whole local stack (`trafficha up --detach`) on free ports, for tests and benchmarks."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trafficha.topology.local import LocalStack, free_ingress_port


def trafficha(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trafficha.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


@contextmanager
def running_stack(state: Path, *, mode: str = "sim") -> Iterator[LocalStack]:
    """`trafficha up --detach` in ``state``; `trafficha down` afterwards, whatever happens."""
    up = trafficha(
        "up",
        "--detach",
        "--port",
        str(free_ingress_port()),
        "--mode",
        mode,
        "--state-dir",
        str(state),
    )
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        yield LocalStack(state)
    finally:
        down = trafficha("down", "--state-dir", str(state))
        assert down.returncode == 0, down.stderr
