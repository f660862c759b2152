"""API benchmark: requests through HAProxy, a gateway and a data API, measured with wrk.

Starts a local stack of its own (simulated data, free ports, a temporary state directory),
waits until data flows, then prints:
- req/s and p50/p99 through the ingress for `/api/accidents/latest?limit=100` and
  `/api/road/summary`, at 16 and at 256 concurrent connections, with error counts;
- the data API alone with its cache and without it (API_CACHE_MAX_AGE=0: one query per request,
  as the original worked), and their ratio.

    .venv/bin/python bench/api.py                 # ~2 minutes; needs wrk (make bench installs it)
    .venv/bin/python bench/api.py --seconds 5
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from trafficha.topology.local import LocalStack, answers, free_ingress_port
from trafficha.topology.processes import ManagedProcess, free_port

PATHS = ("/api/accidents/latest?limit=100", "/api/road/summary")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Result:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int

    def __str__(self) -> str:
        return (
            f"{self.requests_per_s:>9,.0f} req/s  p50 {self.p50_ms:6.1f} ms  "
            f"p99 {self.p99_ms:6.1f} ms  errors {self.errors}"
        )


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, connections: int, seconds: float) -> Result:
    """One wrk run (2 threads), parsed."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    percentile = dict(re.findall(r"^\s+(\d+)%\s+(\S+)$", out, flags=re.MULTILINE))
    errors = sum(
        int(n)
        for n in re.findall(
            r"(?:Non-2xx or 3xx responses|"
            r"connect|read|write|timeout)[: ]+(\d+)",
            out,
        )
    )
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return Result(rate, _ms(percentile["50"]), _ms(percentile["99"]), errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each wrk run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: `make bench` installs it (Debian package wrk)")

    with tempfile.TemporaryDirectory(prefix="trafficha-bench-api-") as tmp:
        stack = LocalStack(Path(tmp) / "stack", ingress_port=free_ingress_port())
        uncached = ManagedProcess(
            "data-api-uncached",
            [sys.executable, "-m", "trafficha.cli", "run", "data-api"],
            Path(tmp) / "uncached",
        )
        try:
            stack.up(mode="sim")
            stack.wait_for_data()
            ingress = f"http://127.0.0.1:{stack.layout.ingress_port}"
            rows = []
            for path in PATHS:
                for connections in (16, 256):
                    rows.append((path, connections, wrk(ingress + path, connections, args.seconds)))
            # The data API alone: member1's (cached), and one more with the cache off.
            cached_url = f"http://127.0.0.1:{stack.layout.member_port('member1', 'data-api')}"
            port = free_port()
            env = {
                **stack.service_env("member1", "data-api"),
                "PORT": str(port),
                "API_CACHE_MAX_AGE": "0",
            }
            uncached.start_and_wait(
                lambda _pid: answers(f"http://127.0.0.1:{port}/healthz"), timeout=60, env=env
            )
            summary = "/api/road/summary"
            with_cache = wrk(cached_url + summary, 16, args.seconds)
            without = wrk(f"http://127.0.0.1:{port}{summary}", 16, args.seconds)
        finally:
            uncached.stop()
            stack.down()

    print(
        f"through the ingress (HAProxy -> gateway -> data API), {os.cpu_count()} cores, "
        f"client on the same machine, {args.seconds:g} s per run:"
    )
    for path, connections, result in rows:
        print(f"  {path:34} c={connections:<4} {result}")
    print(f"data API alone, {summary}, c=16:")
    print(f"  cached   {with_cache}")
    print(f"  uncached {without}  (API_CACHE_MAX_AGE=0: one query per request)")
    print(f"  ratio    {with_cache.requests_per_s / without.requests_per_s:9.1f}x")


if __name__ == "__main__":
    main()
