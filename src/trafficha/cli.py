"""The ``trafficha`` command: run the local stack and its services."""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import msgspec

from trafficha._version import __version__
from trafficha.config import Settings, env_name, load_settings
from trafficha.connections import redis_client, stream_keys
from trafficha.datasets.registry import KINDS
from trafficha.errors import ConfigError, TrafficHaError
from trafficha.launch import SERVICES
from trafficha.launch import run as run_service
from trafficha.providers.modes import MODES, SourceState, SourceStatus
from trafficha.reference import check as network_cli
from trafficha.services.audit import AuditReport, audit_from_settings
from trafficha.services.hastatus import HaState, read_ha_state
from trafficha.sim import faults_cli
from trafficha.store import DedupStore
from trafficha.store.accounts import READ_ONLY, ensure_account
from trafficha.streams.deadletters import DeadLetter, dead_letters, replay_dead_letters
from trafficha.streams.quarantine import (
    QuarantineCount,
    QuarantinedRow,
    quarantine_counts,
    quarantined_rows,
)
from trafficha.topology.local import MEMBERS, LocalStack, default_mode, default_state_dir

# Where ``trafficha migrate --reader`` finds the reader's password: not a setting, since no
# service needs it; the Kubernetes job takes it from the same Secret as the data API.
READER_PASSWORD_ENV: Final = "DB_READER_PASSWORD"  # noqa: S105 - a variable's name


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
    up.add_argument(
        "--mode",
        choices=list(MODES),
        default=None,
        help="collector source: real (KEC through the proxies; without REAL_OPENAPI_KEY the "
        "simulator plays KEC), sim (in-process), auto (real, falling back to sim); default "
        "auto when REAL_OPENAPI_KEY is set, else sim",
    )
    sub.add_parser("down", parents=[common], help="stop the local stack")
    member = sub.add_parser("member", parents=[common], help="kill or start one member")
    member.add_argument("action", choices=["kill", "start"])
    member.add_argument("name", choices=list(MEMBERS))
    status = sub.add_parser("status", parents=[common], help="show the local stack")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    run = sub.add_parser("run", help="run one service in the foreground (settings from the env)")
    run.add_argument("service", choices=sorted(SERVICES))
    sub.add_parser(
        "supervise",
        parents=[common],
        help="restart crashed services of a running stack (started by up --detach)",
    )
    migrate = sub.add_parser(
        "migrate",
        help="apply the schema migrations (settings from the env), as a deployment's job does",
    )
    migrate.add_argument(
        "--reader",
        metavar="USER",
        help="also create or re-password USER, read-only, with the password in "
        f"${READER_PASSWORD_ENV} (the connecting DB_USER must be allowed to grant)",
    )
    migrate.add_argument(
        "--reader-host", default="%", help="host part of the reader account (default %%)"
    )
    env = sub.add_parser(
        "env",
        parents=[common],
        help="print shell exports of a running local stack's settings, passwords included, "
        'for your own services and the examples: eval "$(trafficha env)"',
    )
    env.add_argument("--member", choices=list(MEMBERS), default="member1")
    env.add_argument(
        "--service",
        default="processor",
        choices=sorted(SERVICES),
        help="whose environment (default processor: Redis and the read-write database account)",
    )
    dead = sub.add_parser(
        "dead",
        parents=[common],
        help="list the dead-lettered batches, or replay them onto the stream once fixed; "
        "'quarantine' shows the upstream rows the parsers set aside",
    )
    dead.add_argument("action", nargs="?", choices=["list", "replay", "quarantine"], default="list")
    dead.add_argument("--dataset", help="quarantine: only this dataset's rows (accidents, road …)")
    dead.add_argument("ids", nargs="*", metavar="ID", help="dead letters to replay")
    dead.add_argument("--all", action="store_true", help="replay every dead letter")
    dead.add_argument("--json", action="store_true", help="machine-readable output")
    faults_cli.add_parser(sub)
    network_cli.add_parser(sub)
    capture = sub.add_parser(
        "capture",
        help="record every dataset's live KEC answers into DIR, for `trafficha sim replay` "
        "(key from REAL_OPENAPI_KEY …, never written)",
    )
    capture.add_argument("dir", metavar="DIR", type=Path, help="where the recordings go")
    capture.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="ask URL plus each dataset's KEC path instead of the datasets' URL settings "
        "(e.g. https://data.ex.co.kr, a proxy, the simulator)",
    )
    capture.add_argument(
        "--dataset",
        action="append",
        default=None,
        metavar="KIND",
        help=(
            "capture only this dataset (accidents, tollgate, road, tollgates, vds, routes); "
            "repeatable"
        ),
    )
    audit = sub.add_parser(
        "audit", parents=[common], help="check that every produced batch was applied once"
    )
    audit.add_argument("--json", action="store_true", help="machine-readable output")
    mode = sub.add_parser(
        "mode", parents=[common], help="show or set the collectors' source mode at runtime"
    )
    mode.add_argument(
        "mode",
        nargs="?",
        choices=[*MODES, "default"],
        help="real, sim or auto; `default` returns to DATA_SOURCE_MODE",
    )
    return parser


async def _pipeline(stack: LocalStack) -> tuple[HaState, list[QuarantineCount]] | None:
    """The pipeline's state and quarantine counts from the stack's Redis (None while it is
    down)."""
    if not stack.redis.process.alive():
        return None
    redis = redis_client(stack.settings())
    try:
        return await read_ha_state(redis, stack.keys()), await quarantine_counts(
            redis, stack.keys()
        )
    finally:
        await redis.aclose()


def _print_status(stack: LocalStack, *, as_json: bool) -> None:
    rows = stack.status(check_health=True)
    found = asyncio.run(_pipeline(stack))
    pipeline, quarantined = found if found is not None else (None, [])
    if as_json:
        report = {
            "mode": stack.layout.mode,
            "ingress": f"http://127.0.0.1:{stack.layout.ingress_port}",
            "processes": rows,
            "pipeline": pipeline,
            "quarantined": quarantined,
        }
        sys.stdout.write(msgspec.json.encode(report).decode() + "\n")
        return
    for row in rows:
        state = f"pid {row.pid}" if row.running else "stopped"
        if row.healthy is not None:
            state += "" if row.healthy else " (not answering)"
        if row.open_files is not None:
            state += f", {row.open_files} open files"
        if row.max_connections is not None:
            state += f", maxconn {row.max_connections}"
        where = f"127.0.0.1:{row.port}" if row.port else "-"
        sys.stdout.write(f"{row.member:8} {row.name:18} {where:16} {state}\n")
    if pipeline is None:
        return
    leader = pipeline.leader
    sys.stdout.write(
        f"leader {leader.holder if leader else '-'} (epoch {leader.epoch if leader else '-'}); "
        f"source {pipeline.source.active if pipeline.source else '-'} "
        f"(mode {stack.layout.mode}); stream {pipeline.stream.length} entries, "
        f"{pipeline.stream.pending} pending, {pipeline.stream.dead_letters} dead; "
        f"data version {pipeline.data_version}\n"
    )
    # Columns as wide as the longest dataset name (travel_time), from the registry.
    width = max(len(kind) for kind in KINDS)
    for c in pipeline.collections:
        outcome = f"{c.records} records" if c.ok else f"failed: {c.error}"
        sys.stdout.write(f"  last {c.kind:{width}} {c.at:%H:%M:%S} KST  {outcome}\n")
    for q in quarantined:
        sys.stdout.write(f"  quarantined {q.dataset:{width}} {q.rows:6} rows  {q.reason}\n")


def _print_audit(report: AuditReport, *, as_json: bool) -> None:
    if as_json:
        out = {**msgspec.structs.asdict(report), "ok": report.ok}
        sys.stdout.write(msgspec.json.encode(out).decode() + "\n")
        return
    sys.stdout.write(
        f"produced {report.produced_batches} batches ({report.produced_records} records), "
        f"applied {report.applied_batches} ({report.applied_records} records); "
        f"in flight {len(report.in_flight)}, dead-lettered {len(report.dead_lettered)}, "
        f"lost {len(report.lost)}, miscounted {len(report.miscounted)}: "
        f"{'OK' if report.ok else 'FAILED'}\n"
    )


def _stack_settings(state_dir: Path) -> Settings:
    """Settings from the environment, pointed at the local stack when one has been started."""
    if (state_dir / "stack.json").exists():
        return load_settings(LocalStack(state_dir).service_env())
    return load_settings()


async def _mode(settings: Settings, mode: str | None) -> SourceState | None:
    redis = redis_client(settings)
    try:
        status = SourceStatus(redis, stream_keys(settings))
        if mode is not None:
            await status.set_override(None if mode == "default" else mode)  # type: ignore[arg-type]
        return await status.read()
    finally:
        await redis.aclose()


def _state_dir(args: argparse.Namespace) -> Path:
    return Path(args.state_dir or default_state_dir()).resolve()


def _run(args: argparse.Namespace) -> int:
    run_service(args.service, load_settings())
    return 0


async def _migrate(settings: Settings, reader: tuple[str, str, str] | None) -> list[int]:
    async with await DedupStore.from_settings(settings) as store:
        applied = await store.migrate()
        if reader is not None:
            user, password, host = reader
            await ensure_account(
                store.pool,
                user,
                password,
                host=host,
                database=settings.db_name,
                privileges=READ_ONLY,
            )
    return applied


def _migrate_command(args: argparse.Namespace) -> int:
    settings = load_settings()
    reader = None
    if args.reader:
        password = os.environ.get(READER_PASSWORD_ENV, "")
        if not password:
            raise ConfigError(f"{READER_PASSWORD_ENV}: required with --reader")
        reader = (args.reader, password, args.reader_host)
    applied = asyncio.run(_migrate(settings, reader))
    sys.stdout.write(f"migrations applied: {', '.join(map(str, applied)) or 'none (up to date)'}\n")
    if args.reader:
        sys.stdout.write(
            f"read-only account {args.reader}@{args.reader_host} on {settings.db_name}\n"
        )
    return 0


def _env_command(args: argparse.Namespace) -> int:
    state_dir = _state_dir(args)
    if not (state_dir / "stack.json").exists():
        raise ConfigError(f"no local stack in {state_dir}: start one with `trafficha up`")
    env = LocalStack(state_dir).service_env(args.member, args.service)
    settings = {env_name(f) for f in Settings.__struct_fields__}
    for key in sorted(settings & env.keys()):
        # Only what the stack sets: variables the caller already has are left alone.
        if env[key] != os.environ.get(key):
            sys.stdout.write(f"export {key}={shlex.quote(env[key])}\n")
    return 0


async def _dead(
    settings: Settings, args: argparse.Namespace
) -> list[DeadLetter] | list[QuarantinedRow] | dict[str, str]:
    redis = redis_client(settings)
    try:
        if args.action == "list":
            return await dead_letters(redis, stream_keys(settings))
        if args.action == "quarantine":
            return await quarantined_rows(redis, stream_keys(settings), args.dataset)
        return await replay_dead_letters(
            redis, stream_keys(settings), None if args.all else args.ids
        )
    finally:
        await redis.aclose()


def _dead_command(args: argparse.Namespace) -> int:
    if args.action == "replay" and bool(args.ids) == args.all:
        raise ConfigError("replay: name the dead letters to replay, or --all (not both)")
    if args.action in ("list", "quarantine") and (args.ids or args.all):
        raise ConfigError(f"{args.action} takes no ids and no --all")
    if args.dataset and args.action != "quarantine":
        raise ConfigError("--dataset goes with quarantine")
    result = asyncio.run(_dead(_stack_settings(_state_dir(args)), args))
    if args.json:
        sys.stdout.write(msgspec.json.encode(result).decode() + "\n")
    elif isinstance(result, dict):
        for dead_id, new_id in result.items():
            sys.stdout.write(f"{dead_id} -> {new_id}\n")
        sys.stdout.write(f"{len(result)} replayed\n")
    elif args.action == "quarantine":
        for row in result:
            assert isinstance(row, QuarantinedRow)
            sys.stdout.write(
                f"{row.at}  {row.dataset:9} page {row.page} row {row.row}  {row.reason}\n"
                f"    {row.detail}\n    {row.excerpt}\n"
            )
        sys.stdout.write(f"{len(result)} quarantined rows kept (the latest; counts: status)\n")
    else:
        for letter in result:
            assert isinstance(letter, DeadLetter)
            sys.stdout.write(
                f"{letter.id}  {letter.kind or '-':9} {letter.batch_id or '-'}  {letter.reason}\n"
            )
        sys.stdout.write(f"{len(result)} dead letters\n")
    return 0


def _capture(args: argparse.Namespace) -> int:
    from trafficha.capture import capture_to  # noqa: PLC0415 - only this command needs it

    report = capture_to(args.dir, load_settings(), base_url=args.base_url, kinds=args.dataset)
    for kind, figures in report.datasets.items():
        sys.stdout.write(
            f"{kind:9} {figures['rows']} rows in {figures['pages']} pages -> "
            f"{args.dir / str(figures['file'])}\n"
        )
    for kind, reason in report.failed.items():
        sys.stdout.write(f"{kind:9} failed: {reason}\n")
    return 0 if report.ok else 1


def _audit(args: argparse.Namespace) -> int:
    report = asyncio.run(audit_from_settings(_stack_settings(_state_dir(args))))
    _print_audit(report, as_json=args.json)
    return 0 if report.ok else 1


def _mode_command(args: argparse.Namespace) -> int:
    state = asyncio.run(_mode(_stack_settings(_state_dir(args)), args.mode))
    sys.stdout.write(msgspec.json.encode(state).decode() + "\n")
    return 0


def _up(args: argparse.Namespace) -> int:
    state_dir = _state_dir(args)
    fresh = not (state_dir / "stack.json").exists()
    stack = LocalStack(state_dir, ingress_port=args.port)
    stack.up(mode=args.mode or (default_mode() if fresh else None))
    sys.stdout.write(f"dashboard: http://127.0.0.1:{stack.layout.ingress_port}\n")
    if args.detach:
        if not stack.supervisor.alive():
            stack.supervisor.start()
        stack.wait_for_data()
        _print_status(stack, as_json=False)
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stack.wait_for_data()
    live = sys.stdout.isatty()
    while not stop.is_set():
        stack.supervise_once()
        if live:
            sys.stdout.write("\x1b[H\x1b[2J")  # redraw in place: a live status view
            _print_status(stack, as_json=False)
            sys.stdout.write("Ctrl-C stops the stack\n")
            sys.stdout.flush()
        stop.wait(2.0 if live else 0.5)
    sys.stdout.write("stopping…\n")
    stack.down()
    return 0


def _supervise(args: argparse.Namespace) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    LocalStack(_state_dir(args)).supervise(stop)
    return 0


def _down(args: argparse.Namespace) -> int:
    LocalStack(_state_dir(args)).down()
    return 0


def _member(args: argparse.Namespace) -> int:
    stack = LocalStack(_state_dir(args))
    if args.action == "kill":
        stack.kill_member(args.name)
    else:
        stack.start_member(args.name)
    return 0


def _status(args: argparse.Namespace) -> int:
    _print_status(LocalStack(_state_dir(args)), as_json=args.json)
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "audit": _audit,
    "capture": _capture,
    "dead": _dead_command,
    "down": _down,
    "env": _env_command,
    "member": _member,
    "migrate": _migrate_command,
    "mode": _mode_command,
    "network": network_cli.run,
    "run": _run,
    "sim": faults_cli.run,
    "supervise": _supervise,
    "status": _status,
    "up": _up,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except TrafficHaError as exc:
        sys.stderr.write(f"trafficha: {exc}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
