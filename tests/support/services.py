"""``trafficha run SERVICE`` as real processes, started with a free port and stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from trafficha.topology.processes import free_port, wait_until


@dataclass(frozen=True)
class Running:
    """One started service: its process and, for an HTTP service, its base URL."""

    proc: subprocess.Popen[bytes]
    url: str | None


def healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
        return bool(response.status == 200)


class Services:
    """A group of service processes of one test or module; their output goes to ``log_dir``."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: list[Running] = []

    def start(
        self, service: str, env: dict[str, str], *, http: bool = False, probes: bool = False
    ) -> Running:
        """Start a service; an HTTP one gets a free PORT (a worker with ``probes`` a free
        PROBE_PORT) and is waited for until /healthz answers there."""
        environ = {**os.environ, **env}
        port = free_port() if http or probes else None
        if port is not None:
            environ["PROBE_PORT" if probes else "PORT"] = str(port)
        with (self.log_dir / f"{service}-{len(self.running)}.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "trafficha.cli", "run", service],
                env=environ,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        running = Running(proc, f"http://127.0.0.1:{port}" if port else None)
        self.running.append(running)
        if running.url is not None:
            url = running.url
            wait_until(
                lambda: healthy(url), timeout=30, what=service, alive=lambda: proc.poll() is None
            )
        return running

    def stop_all(self) -> None:
        # SIGTERM first: uvicorn runs the lifespan shutdown, which closes pools and sessions.
        for running in self.running:
            if running.proc.poll() is None:
                running.proc.send_signal(signal.SIGTERM)
        for running in self.running:
            try:
                running.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                running.proc.kill()
                running.proc.wait(timeout=10)
