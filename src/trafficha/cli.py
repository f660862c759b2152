"""The ``trafficha`` command: run the local stack and its services."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import msgspec

from trafficha import __version__
from trafficha.config import load_settings
from trafficha.errors import TrafficHaError
from trafficha.services.runner import SERVICES
from trafficha.services.runner import run as run_service
from trafficha.topology.local import LocalStack, default_state_dir


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trafficha", description=__doc__)
    parser.add_argument("--version", action="version", version=f"trafficha {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="stack state directory (default: $TRAFFICHA_STATE_DIR or .trafficha)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", parents=[common], help="start the local stack")
    up.add_argument("--port", type=int, default=8080, help="ingress port (default 8080)")
    up.add_argument("--detach", action="store_true", help="return once the stack is up")
    sub.add_parser("down", parents=[common], help="stop the local stack")
    status = sub.add_parser("status", parents=[common], help="show the local stack")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    run = sub.add_parser("run", help="run one service in the foreground (settings from the env)")
    run.add_argument("service", choices=sorted(SERVICES))
    return parser


def _print_status(stack: LocalStack, *, as_json: bool) -> None:
    rows = stack.status()
    if as_json:
        sys.stdout.write(msgspec.json.encode({"processes": rows}).decode() + "\n")
        return
    for row in rows:
        state = f"pid {row.pid}" if row.running else "stopped"
        sys.stdout.write(f"{row.member:8} {row.name:14} 127.0.0.1:{row.port:<6} {state}\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            run_service(args.service, load_settings())
            return 0
        state_dir = (args.state_dir or default_state_dir()).resolve()
        if args.command == "up":
            stack = LocalStack(state_dir, ingress_port=args.port)
            stack.up()
            _print_status(stack, as_json=False)
            if args.detach:
                return 0
            sys.stdout.write("running; Ctrl-C stops the stack\n")
            sys.stdout.flush()
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
            stack.down()
        elif args.command == "down":
            LocalStack(state_dir).down()
        elif args.command == "status":
            _print_status(LocalStack(state_dir), as_json=args.json)
    except TrafficHaError as exc:
        sys.stderr.write(f"trafficha: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
