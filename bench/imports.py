"""Import cost of the library API: what a custom service pays to start.

``trafficha`` loads each public name on first use, so a worker that needs the stream consumer
does not pay for Litestar and the four apps. Prints the median wall time of fresh interpreters
(less the bare interpreter's start) for each case, and the ratio of the lazy package to importing
every public module eagerly, the baseline.

    .venv/bin/python bench/imports.py             # ~10 s
    .venv/bin/python bench/imports.py --runs 21
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES = {
    "import trafficha": "import trafficha",
    "worker names (StreamConsumer, DedupStore, Collector)": (
        "from trafficha import StreamConsumer, DedupStore, Collector"
    ),
    "data API factory": "from trafficha import create_data_api_app",
    "every public name (lazily)": (
        "import trafficha; [getattr(trafficha, n) for n in trafficha.__all__]"
    ),
}
BASELINE = (
    "import importlib, trafficha; "
    "[importlib.import_module(t.partition(':')[0]) for t in set(trafficha._EXPORTS.values())]"
)


def median_seconds(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="interpreters per case (median)")
    args = parser.parse_args()
    bare = median_seconds("pass", args.runs)
    eager = median_seconds(BASELINE, args.runs) - bare
    print(f"bare interpreter: {bare * 1000:.0f} ms (subtracted below)")
    for label, code in CASES.items():
        cost = median_seconds(code, args.runs) - bare
        print(f"{label:55} {cost * 1000:6.0f} ms")
    print(f"{'baseline: every public module imported eagerly':55} {eager * 1000:6.0f} ms")
    lazy = median_seconds(CASES["import trafficha"], args.runs) - bare
    print(f"ratio, eager / lazy `import trafficha`: {eager / max(lazy, 1e-4):.0f}x")


if __name__ == "__main__":
    main()
