"""Chaos Toolkit actions on a running trafficha stack (``"type": "python"`` providers).

The stack is found through ``TRAFFICHA_STATE_DIR`` and ``TRAFFICHA_INGRESS_URL`` on every call
(see :mod:`.target`); ``state_dir`` and ``ingress_url`` arguments override them. Small state
files go to ``<state_dir>/chaos/``: ``last-kill.json`` (for ``collection_resumed_within``) and
``load.json`` / ``load.pid`` (the background load).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Literal

from chaoslib.exceptions import ActivityFailed  # type: ignore[import-untyped]

from trafficha.chaos import target
from trafficha.providers.modes import MODES, SourceStatus
from trafficha.topology.local import MEMBER_SERVICES, MEMBERS, LocalStack
from trafficha.topology.processes import ProcessError, pid_alive

__all__ = [
    "clear_faults",
    "ensure_leader",
    "inject_fault",
    "kill_member",
    "kill_service",
    "restart_redis",
    "set_mode",
    "start_load",
    "start_member",
    "stop_load",
    "wait_for",
]


def _member(member: str) -> str:
    if member not in MEMBERS:
        raise ActivityFailed(f"unknown member {member!r} (one of {', '.join(MEMBERS)})")
    return member


def _leader(stack: LocalStack) -> tuple[str | None, int]:
    """(member holding the lease or None, current epoch)."""
    keys = stack.keys()
    with stack.redis.client() as client:
        held = bool(client.exists(keys.lease))
        raw: Any = client.hgetall(keys.holder)
        epoch = int(client.get(keys.epoch) or 0)
    member = raw[b"holder"].decode().split("/", 1)[0] if held and b"holder" in raw else None
    return member, epoch


def kill_member(member: str, state_dir: str | None = None) -> dict[str, Any]:
    """SIGKILL every process of ``member`` (it stays down until ``start_member``). Records the
    kill time, the epoch and whether it led in ``<state_dir>/chaos/last-kill.json``."""
    stack = target.stack(state_dir)
    leader, epoch = _leader(stack)
    record = {
        "member": _member(member),
        "epoch": epoch,
        "leader": leader,
        "was_leader": leader == member,
        "killed_at": time.time(),
    }
    stack.kill_member(member)
    target.write_json(target.chaos_dir(state_dir) / "last-kill.json", record)
    return record


def start_member(member: str, state_dir: str | None = None) -> bool:
    """Start every process of ``member`` that is not running (waits until they answer). The
    last kill of that member is considered measured: its record moves to ``last-kill.done.json``."""
    stack = target.stack(state_dir)
    try:
        stack.start_member(_member(member))
    except ProcessError as exc:
        raise ActivityFailed(f"starting {member}: {exc}") from None
    chaos = target.chaos_dir(state_dir)
    record = target.read_json(chaos / "last-kill.json")
    if record and record.get("member") == member:
        (chaos / "last-kill.json").replace(chaos / "last-kill.done.json")
    return True


def ensure_leader(member: str, timeout_s: float = 20, state_dir: str | None = None) -> str:
    """Make ``member``'s collector the leader: if another member leads, kill that member until
    ``member`` takes the lease, then start it again. Returns the leader."""
    stack = target.stack(state_dir)
    leader, _ = _leader(stack)
    if leader == _member(member):
        return member
    others = [m for m in MEMBERS if m != member]
    for other in others:
        stack.kill_member(other)
    try:
        deadline = time.monotonic() + timeout_s
        while _leader(stack)[0] != member:
            if time.monotonic() >= deadline:
                raise ActivityFailed(f"{member} did not take the lease within {timeout_s:g} s")
            time.sleep(0.1)
    finally:
        for other in others:
            stack.start_member(other)
    return member


def kill_service(member: str, service: str, state_dir: str | None = None) -> int:
    """SIGKILL one process of ``member`` (``processor``, ``collector``, ...); the supervisor
    restarts it. Returns the pid killed."""
    stack = target.stack(state_dir)
    found = next((s for s in stack.members[_member(member)] if s.name == service), None)
    if found is None:
        raise ActivityFailed(f"unknown service {service!r} (one of {', '.join(MEMBER_SERVICES)})")
    pid = found.process.pid()
    if pid is None:
        raise ActivityFailed(f"{member}/{service} is not running")
    found.process.kill()
    return pid


def start_load(
    users: int | str = 40,
    duration_s: float = 30,
    viewers: int | str = 0,
    ingress_url: str | None = None,
    state_dir: str | None = None,
) -> int:
    """Start Locust's dashboard viewers (``loadtest/locustfile.py``; ``users`` of them, about
    half a request per second each) against the ingress for ``duration_s`` in a background
    process; counts go to ``<state_dir>/chaos/load.json``. With ``viewers``, that many open
    event streams too (:mod:`trafficha.chaos.audience`, a process of its own; counts in
    ``viewers.json``). Returns the Locust process's pid. A load still running from before is
    stopped first. (The counts may come as strings: an experiment's ``configuration`` from the
    environment.)"""
    users, viewers = int(users), int(viewers)
    stop_load(state_dir=state_dir)
    chaos = target.chaos_dir(state_dir)
    url = target.ingress_url(ingress_url, state_dir)
    common = ["--url", url, "--duration", str(duration_s)]
    if viewers > 0:
        _spawn(chaos, "viewers", ["trafficha.chaos.audience", *common, "--viewers", str(viewers)])
    return _spawn(chaos, "load", ["trafficha.chaos.load", *common, "--users", str(users)])


def _spawn(chaos: Path, name: str, argv: list[str]) -> int:
    """Start ``python -m argv… --out <name>.json`` in the background; returns once it has
    written its first counts."""
    out = chaos / f"{name}.json"
    out.unlink(missing_ok=True)
    with (chaos / f"{name}.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - argv is ours
            [sys.executable, "-m", *argv, "--out", str(out)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (chaos / f"{name}.pid").write_text(str(process.pid))
    deadline = time.monotonic() + 10
    while target.read_json(out) is None:
        if process.poll() is not None:
            raise ActivityFailed(f"the {name} exited with {process.returncode}; see {log.name}")
        if time.monotonic() >= deadline:
            raise ActivityFailed(f"the {name} did not start within 10 s")
        time.sleep(0.05)
    return process.pid


def stop_load(archive: bool = False, state_dir: str | None = None) -> dict[str, Any] | None:
    """Stop the background load and its viewers (SIGTERM; they write their final counts) and
    return the load's counts (the viewers' under ``viewers``). With ``archive`` the results
    move to ``load.last.json`` and ``viewers.last.json``, so a later ``load_failures`` or
    ``viewers_recovered`` no longer sees them (for rollbacks)."""
    chaos = target.chaos_dir(state_dir)
    results = {name: _stop(chaos, name, archive=archive) for name in ("load", "viewers")}
    load = results["load"]
    if load is not None and results["viewers"] is not None:
        load = {**load, "viewers": results["viewers"]}
    return load


def _stop(chaos: Path, name: str, *, archive: bool) -> dict[str, Any] | None:
    pid_file = chaos / f"{name}.pid"
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        pid = None
    if pid is not None and pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while pid_alive(pid):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            if time.monotonic() >= deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.05)
    pid_file.unlink(missing_ok=True)
    result: dict[str, Any] | None = target.read_json(chaos / f"{name}.json")
    if archive and result is not None:
        (chaos / f"{name}.json").replace(chaos / f"{name}.last.json")
    return result


def _admin(state_dir: str | None, method: str, path: str, body: object = None) -> Any:
    stack = target.stack(state_dir)
    url = f"http://127.0.0.1:{stack.layout.simulator_port}{path}"
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", errors="replace").strip()
        raise ActivityFailed(f"{method} {path}: HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ActivityFailed(f"{method} {url}: {getattr(exc, 'reason', exc)}") from None


def inject_fault(
    endpoint: str,
    *,
    outage: Literal["refuse", "503"] | None = None,
    latency_ms: int = 0,
    bad_key: bool = False,
    blocked: bool = False,
    malformed: bool = False,
    state_dir: str | None = None,
) -> Any:
    """Set the simulator's faults for ``endpoint`` (accidents, tollgate, road, locations, all)."""
    body = {
        "outage": outage,
        "latency_ms": latency_ms,
        "bad_key": bad_key,
        "blocked": blocked,
        "malformed": malformed,
    }
    return _admin(state_dir, "PUT", f"/admin/faults/{endpoint}", body)


def clear_faults(state_dir: str | None = None) -> Any:
    """Clear every simulator fault."""
    return _admin(state_dir, "DELETE", "/admin/faults")


def set_mode(mode: str, state_dir: str | None = None) -> str:
    """Set the collectors' source mode at runtime (``real``, ``sim``, ``auto``), or ``default``
    to drop the override."""
    if mode != "default" and mode not in MODES:
        raise ActivityFailed(f"unknown mode {mode!r} (one of {', '.join(MODES)}, default)")
    stack = target.stack(state_dir)
    from trafficha.connections import redis_client  # noqa: PLC0415 - only here

    async def apply() -> None:
        client = redis_client(stack.settings())
        try:
            await SourceStatus(client, stack.keys()).set_override(
                None if mode == "default" else mode  # type: ignore[arg-type]
            )
        finally:
            await client.aclose()

    asyncio.run(apply())
    return mode


def restart_redis(state_dir: str | None = None) -> int:
    """Stop the central redis-server (SIGTERM: it flushes its AOF) and start it again. Returns
    the new pid."""
    stack = target.stack(state_dir)
    if stack.redis.process.pid() is None:
        raise ActivityFailed("the central redis-server is not running")
    stack.redis.stop()
    try:
        stack.redis.start()
    except ProcessError as exc:
        raise ActivityFailed(f"redis-server did not come back: {exc}") from None
    pid = stack.redis.process.pid()
    assert pid is not None
    return pid


def wait_for(seconds: float) -> float:
    """Sleep ``seconds`` (only where no condition can be polled)."""
    time.sleep(seconds)
    return seconds
