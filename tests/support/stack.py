"""A whole local stack (`trafficha up --detach`) on free ports, for tests and benchmarks."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trafficha.topology.local import LocalStack
from trafficha.topology.processes import free_port


def trafficha(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trafficha.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_base_port() -> int:
    """An ingress port P whose whole block (P..P+101) is free now."""
    for _ in range(50):
        base = free_port()
        if base + 101 < 65536 and all(_free(base + i) for i in (*range(0, 24), 100, 101)):
            return base
    raise RuntimeError("no free block of ports for a stack")


@contextmanager
def running_stack(state: Path, *, mode: str = "sim") -> Iterator[LocalStack]:
    """`trafficha up --detach` in ``state``; `trafficha down` afterwards, whatever happens."""
    up = trafficha(
        "up", "--detach", "--port", str(free_base_port()), "--mode", mode, "--state-dir", str(state)
    )
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        yield LocalStack(state)
    finally:
        down = trafficha("down", "--state-dir", str(state))
        assert down.returncode == 0, down.stderr
