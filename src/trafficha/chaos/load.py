"""The chaos experiments' background load: Locust's dashboard viewers
(:class:`trafficha.loadtest.DashboardViewer`, the ones ``loadtest/locustfile.py`` runs) through
the ingress, run as a library in a process of its own, their outcome counted into a JSON file
(rewritten every second and at the end). SIGTERM ends it early, the counts still written.
Needs the ``load`` extra (Locust) besides ``chaos``.

    python -m trafficha.chaos.load --url http://127.0.0.1:8080 --users 40 --duration 30 --out F
"""

from __future__ import annotations

import argparse
import importlib.util
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trafficha.chaos.target import write_json

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trafficha.chaos.load")
    parser.add_argument("--url", required=True)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    if importlib.util.find_spec("locust") is None:
        parser.exit(2, "the background load needs Locust: pip install 'trafficha[load]'\n")
    # Locust patches the standard library with gevent when imported: it runs only here, in a
    # process of its own, never inside the chaos run.
    import gevent  # type: ignore[import-untyped]  # noqa: PLC0415
    from locust.env import Environment  # noqa: PLC0415

    from trafficha.loadtest import DashboardViewer  # noqa: PLC0415

    env = Environment(user_classes=[DashboardViewer], host=args.url.rstrip("/"))
    runner = env.create_local_runner()
    started = time.time()
    errors: list[str] = []

    def on_request(exception: BaseException | None = None, name: str = "", **_: Any) -> None:
        if exception is not None and len(errors) < 20:
            errors.append(f"{name}: {exception}")

    env.events.request.add_listener(on_request)  # type: ignore[no-untyped-call]

    def write(*, done: bool) -> None:
        total = env.stats.total
        write_json(
            args.out,
            {
                "url": args.url,
                "started_at": started,
                "updated_at": time.time(),
                "ok": total.num_requests - total.num_failures,
                "failed": total.num_failures,
                "errors": errors,
                "done": done,
            },
        )

    def writer() -> None:
        while True:
            write(done=False)
            gevent.sleep(1)

    write(done=False)
    gevent.signal_handler(signal.SIGTERM, runner.quit)
    gevent.signal_handler(signal.SIGINT, runner.quit)
    runner.start(args.users, spawn_rate=args.users)
    ticker = gevent.spawn(writer)
    stopper = gevent.spawn_later(args.duration, runner.quit)
    assert runner.greenlet is not None
    runner.greenlet.join()
    stopper.kill()
    ticker.kill()
    write(done=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
