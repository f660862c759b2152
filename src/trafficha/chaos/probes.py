"""Chaos Toolkit probes of a running trafficha stack (``"type": "python"`` providers).

Arguments are JSON-typed, results JSON-able; a failed check raises
:class:`chaoslib.exceptions.ActivityFailed` with what was wrong. The stack is found through
``TRAFFICHA_STATE_DIR`` and ``TRAFFICHA_INGRESS_URL`` on every call (see :mod:`.target`);
``state_dir`` and ``ingress_url`` arguments override them.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import msgspec
import pymysql
import redis
from chaoslib.exceptions import ActivityFailed  # type: ignore[import-untyped]

from trafficha.chaos import target
from trafficha.datasets.registry import DATASETS
from trafficha.providers.modes import SourceState
from trafficha.services.audit import audit_from_settings
from trafficha.services.freshness import Collection
from trafficha.topology.local import DB_NAME, DB_USER, LocalStack

__all__ = [
    "collection_resumed_within",
    "data_fresh",
    "ingress_serves",
    "leader_member_is",
    "leader_present",
    "load_failures",
    "nothing_lost_or_doubled",
    "pending_drained",
    "simulator_incidents_stored",
    "source_active_is",
    "viewers_recovered",
]

T = TypeVar("T")

# Incidents served this recently may still be between the proxy and MariaDB.
IN_FLIGHT_S = 15.0


def _get(url: str, timeout: float = 5.0) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) URLs we build
            body: bytes = response.read()
            if response.status != 200:
                raise ActivityFailed(f"GET {url}: HTTP {response.status}")
            return body
    except urllib.error.HTTPError as exc:
        raise ActivityFailed(f"GET {url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ActivityFailed(f"GET {url}: {getattr(exc, 'reason', exc)}") from None


def _redis(stack: LocalStack) -> redis.Redis:
    return stack.redis.client()


def _leader(stack: LocalStack) -> tuple[str, int] | None:
    """(member, epoch) of the lease holder, or None when no lease is held now."""
    keys = stack.keys()
    with _redis(stack) as client:
        if not client.exists(keys.lease):
            return None
        raw: Any = client.hgetall(keys.holder)
    if not raw or b"holder" not in raw:
        return None
    return raw[b"holder"].decode().split("/", 1)[0], int(raw[b"epoch"])


def _db(stack: LocalStack) -> Any:
    host, _, port = stack.mariadb.addr.rpartition(":")
    return pymysql.connect(
        host=host,
        port=int(port),
        user=DB_USER,
        password=stack.layout.db_password,
        database=DB_NAME,
        connect_timeout=5,
    )


def _retrying(timeout_s: float, check: Callable[[], T]) -> T:
    """``check()``, retried every 0.5 s while it raises ActivityFailed, for ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return check()
        except ActivityFailed:
            if time.monotonic() >= deadline:
                raise
        time.sleep(0.5)


def ingress_serves(
    timeout_s: float = 0, ingress_url: str | None = None, state_dir: str | None = None
) -> bool:
    """The original's five endpoints answer 200 with JSON through the ingress (retried for up
    to ``timeout_s``)."""
    base = target.ingress_url(ingress_url, state_dir)

    def check() -> bool:
        for path in target.ENDPOINTS:
            body = _get(base + path)
            try:
                json.loads(body)
            except ValueError:
                raise ActivityFailed(f"GET {base}{path}: not JSON") from None
        return True

    return _retrying(timeout_s, check)


def data_fresh(
    max_age_s: float = 30,
    kinds: list[str] | None = None,
    timeout_s: float = 0,
    state_dir: str | None = None,
) -> bool:
    """Each kind's last collection succeeded and is no older than its polling interval plus
    ``max_age_s`` (road flow is polled every few minutes, incidents every few seconds); waits
    up to ``timeout_s`` for it."""
    stack = target.stack(state_dir)
    settings = stack.settings()
    intervals = {d.kind: d.interval(settings) for d in DATASETS}

    def check() -> bool:
        try:
            with _redis(stack) as client:
                raw: Any = client.hgetall(stack.keys().freshness)
        except redis.RedisError as exc:
            raise ActivityFailed(f"reading the last collections: {exc}") from None
        collections = {k.decode(): msgspec.json.decode(v, type=Collection) for k, v in raw.items()}
        now = datetime.now(UTC)
        stale = []
        for kind in kinds if kinds is not None else ["accidents", "road"]:
            last = collections.get(kind)
            limit = intervals.get(kind, timedelta(0)) + timedelta(seconds=max_age_s)
            if last is None:
                stale.append(f"{kind}: never collected")
            elif not last.ok:
                stale.append(f"{kind}: last collection failed ({last.error})")
            elif now - last.at > limit:
                age = (now - last.at).total_seconds()
                stale.append(f"{kind}: {age:.0f} s old (limit {limit.total_seconds():.0f} s)")
        if stale:
            raise ActivityFailed("data not fresh: " + "; ".join(stale))
        return True

    return _retrying(timeout_s, check)


def leader_present(state_dir: str | None = None) -> str:
    """The member whose collector holds the lease now."""
    leader = _leader(target.stack(state_dir))
    if leader is None:
        raise ActivityFailed("no collector holds the lease")
    return leader[0]


def leader_member_is(member: str, timeout_s: float = 0, state_dir: str | None = None) -> bool:
    """``member`` holds the lease (waiting up to ``timeout_s`` for it)."""
    stack = target.stack(state_dir)
    deadline = time.monotonic() + timeout_s
    while True:
        leader = _leader(stack)
        if leader is not None and leader[0] == member:
            return True
        if time.monotonic() >= deadline:
            raise ActivityFailed(f"the leader is {leader[0] if leader else 'nobody'}, not {member}")
        time.sleep(0.1)


def pending_drained(timeout_s: float = 30, state_dir: str | None = None) -> bool:
    """The processor group's pending count reaches 0 within ``timeout_s``."""
    stack = target.stack(state_dir)
    keys = stack.keys()
    deadline = time.monotonic() + timeout_s
    pending = -1
    with _redis(stack) as client:
        while True:
            try:
                groups: Any = client.xinfo_groups(keys.stream)
                group = next((g for g in groups if g["name"].decode() == keys.group), None)
                pending = int(group["pending"]) if group else 0
            except redis.RedisError as exc:
                pending = -1
                if time.monotonic() >= deadline:
                    raise ActivityFailed(f"reading the group's pending count: {exc}") from None
            if pending == 0:
                return True
            if time.monotonic() >= deadline:
                raise ActivityFailed(f"{pending} entries still pending after {timeout_s:g} s")
            time.sleep(0.1)


def nothing_lost_or_doubled(state_dir: str | None = None) -> bool:
    """The audit: every produced batch applied once with its record count (or still in the
    stream), and no incident stored twice."""
    stack = target.stack(state_dir)
    report = asyncio.run(audit_from_settings(stack.settings()))
    if not report.ok:
        raise ActivityFailed(
            f"audit failed: lost {list(report.lost)[:10]}, "
            f"miscounted {list(report.miscounted)[:10]}"
        )
    conn = _db(stack)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT incident_key, COUNT(*) FROM traffic_accidents "
                "GROUP BY incident_key HAVING COUNT(*) > 1 LIMIT 10"
            )
            doubled = list(cur.fetchall())
    finally:
        conn.close()
    if doubled:
        raise ActivityFailed(f"incidents stored more than once: {doubled}")
    return True


def simulator_incidents_stored(since_s: float | None = None, state_dir: str | None = None) -> int:
    """Every incident the simulator served (its ``/admin/served`` ground truth; in the last
    ``since_s`` seconds if given) is in ``traffic_accidents`` exactly once, except those last
    served within the last 15 s, which may be in flight. Returns how many were checked."""
    stack = target.stack(state_dir)
    url = f"http://127.0.0.1:{stack.layout.simulator_port}/admin/served?kind=accidents"
    served = json.loads(_get(url))
    now = datetime.now(UTC)
    settled = now - timedelta(seconds=IN_FLIGHT_S)
    since = None if since_s is None else now - timedelta(seconds=since_s)
    wanted = []
    for incident in served["incidents"]:
        last = datetime.fromisoformat(incident["served_last_at"])
        if last > settled or (since is not None and last < since):
            continue
        wanted.append(incident["incident_key"])
    if not wanted:
        return 0
    conn = _db(stack)
    try:
        with conn.cursor() as cur:
            marks = ",".join(["%s"] * len(wanted))
            cur.execute(
                "SELECT incident_key, COUNT(*) FROM traffic_accidents "  # noqa: S608 - placeholders only
                f"WHERE incident_key IN ({marks}) GROUP BY incident_key",
                wanted,
            )
            counts = {row[0]: int(row[1]) for row in cur.fetchall()}
    finally:
        conn.close()
    missing = [k for k in wanted if k not in counts]
    doubled = [k for k, n in counts.items() if n != 1]
    if missing or doubled:
        raise ActivityFailed(
            f"of {len(wanted)} served incidents, missing {missing[:10]} ({len(missing)}), "
            f"stored more than once {doubled[:10]}"
        )
    return len(wanted)


def collection_resumed_within(max_gap_s: float = 5, state_dir: str | None = None) -> float:
    """Seconds from the last member kill (recorded by ``actions.kill_member``) to the first
    stream entry of a later epoch (or, when the killed member did not lead, any entry after the
    kill). Fails above ``max_gap_s``. Returns 0.0 when no kill is pending measurement."""
    stack = target.stack(state_dir)
    record = target.read_json(target.chaos_dir(state_dir) / "last-kill.json")
    if not record:
        return 0.0
    killed_at = float(record["killed_at"])
    min_epoch = int(record["epoch"]) + (1 if record.get("was_leader") else 0)
    keys = stack.keys()
    deadline = killed_at + max(max_gap_s * 3, 15)
    with _redis(stack) as client:
        while True:
            start = f"{int(killed_at * 1000)}-0"
            rows: Any = client.xrange(keys.stream, min=start, count=1000)
            for entry_id, fields in rows:
                if int(fields.get(b"epoch", 0)) >= min_epoch:
                    gap = int(entry_id.decode().split("-")[0]) / 1000 - killed_at
                    if gap > max_gap_s:
                        raise ActivityFailed(
                            f"collection resumed {gap:.2f} s after the kill (limit {max_gap_s:g})"
                        )
                    return round(gap, 3)
            if time.time() > deadline:
                raise ActivityFailed(
                    f"no collection of epoch >= {min_epoch} since the kill "
                    f"{time.time() - killed_at:.1f} s ago"
                )
            time.sleep(0.1)


def source_active_is(source: str, timeout_s: float = 30, state_dir: str | None = None) -> bool:
    """The collectors' active source is ``source`` (``real`` or ``sim``), waiting up to
    ``timeout_s`` (the auto mode switches after failures, and probes back periodically)."""
    stack = target.stack(state_dir)
    deadline = time.monotonic() + timeout_s
    state = None
    with _redis(stack) as client:
        while True:
            raw: Any = client.get(stack.keys().source)
            state = None if raw is None else msgspec.json.decode(raw, type=SourceState)
            if state is not None and state.active == source:
                return True
            if time.monotonic() >= deadline:
                now = state.active if state else "unknown"
                raise ActivityFailed(f"active source is {now}, not {source}")
            time.sleep(0.25)


def viewers_recovered(max_back_s: float = 5.0, state_dir: str | None = None) -> float:
    """The last background viewers (``actions.start_load`` with ``viewers``): every stream that
    broke streamed again within ``max_back_s`` and resumed after its last event id. Returns the
    worst time without a stream (s); 0 when no viewers' result is pending."""
    result = target.read_json(target.chaos_dir(state_dir) / "viewers.json")
    if not result:
        return 0.0
    if int(result["viewers"]) == 0:
        raise ActivityFailed(f"no viewer was connected: {result}")
    if int(result["not_back"]):
        raise ActivityFailed(
            f"{result['not_back']} of {result['broke']} broken streams never came back"
        )
    worst = float(result["worst_back_s"])
    if worst > max_back_s:
        raise ActivityFailed(f"a viewer was without its stream {worst:.1f} s (> {max_back_s} s)")
    if int(result["resumed"]) < int(result["could_resume"]):
        raise ActivityFailed(
            f"{result['could_resume'] - result['resumed']} streams came back without resuming"
            " after their last event id (events missed)"
        )
    return worst


def load_failures(max_failures: int = 0, state_dir: str | None = None) -> int:
    """Failed requests of the last background load (``actions.start_load``); fails above
    ``max_failures``. 0 when no load result is pending."""
    result = target.read_json(target.chaos_dir(state_dir) / "load.json")
    if not result:
        return 0
    failed = int(result["failed"])
    if result.get("done") and int(result["ok"]) == 0:
        # A load that sent nothing proves nothing: that is a failure too.
        raise ActivityFailed(f"the background load made no successful request: {result}")
    if failed > max_failures:
        raise ActivityFailed(
            f"{failed} of {result['ok'] + failed} requests failed: {result['errors'][:5]}"
        )
    return failed
