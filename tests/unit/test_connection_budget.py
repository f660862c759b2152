"""The connection budget: every client of the local stack is bounded, and the bounds added up
stay under the servers' limits with headroom.

The bounds come from each service's settings as ``trafficha up`` configures it; the limits from
the argv :mod:`trafficha.topology.servers` starts the servers with. Raising a bound (or adding a
client) past the budget fails here; so does a budget table in docs/operations.md that no longer
matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from trafficha.config import Settings
from trafficha.connections import HEARTBEAT_MAX_CONNECTIONS, HUB_MAX_CONNECTIONS
from trafficha.topology import local, servers
from trafficha.topology.local import MEMBER_SERVICES, MEMBERS, LocalStack
from trafficha.topology.servers import MARIADB_MAX_CONNECTIONS, REDIS_MAX_CLIENTS

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "trafficha"
OPERATIONS = ROOT / "docs" / "operations.md"

HEADROOM = 0.20
"""Share of each server's limit the budget leaves free (reconnect races, a test, a human)."""


@dataclass(frozen=True)
class Clients:
    """The store clients one process holds."""

    redis: int = 0
    """Redis clients bounded by ``REDIS_MAX_CONNECTIONS``."""
    heartbeat: int = 0
    """Heartbeat clients, bounded by :data:`HEARTBEAT_MAX_CONNECTIONS`."""
    hub: int = 0
    """Gateway event-hub clients, bounded by :data:`HUB_MAX_CONNECTIONS`."""
    db: int = 0
    """MariaDB pools bounded by ``DB_POOL_MAX``."""


PROCESSES: dict[str, Clients] = {
    # The cache's client; the runner's heartbeat client.
    "proxy": Clients(redis=1, heartbeat=1, db=1),
    # One client for the consumer, its heartbeat and its probes.
    "processor": Clients(redis=1, db=1),
    # One client for versions, the event hub (its one subscription included) and readiness.
    "data-api": Clients(redis=1, heartbeat=1, db=1),
    # Its event hub's client (however many viewers), its heartbeat.
    "gateway": Clients(hub=1, heartbeat=1),
    # One client for the lease, the stream, its heartbeat and its probes.
    "collector": Clients(redis=1),
}
"""Every process of a member (the simulator and HAProxy use neither store)."""

ADMIN_CLIENTS = 4
"""CLI commands and tools at once (status, mode, dead, audit, a chaos probe, a backup), each
with one client of each kind, bounded by the same settings."""
ADMIN_SESSIONS = 4
"""Unbounded single connections: redis-cli, ``RedisServer.client()``, root over the socket."""


@dataclass(frozen=True)
class Budget:
    rows: list[tuple[str, int, int]]
    """(what, Redis connections, MariaDB sessions), for the table."""

    @property
    def redis(self) -> int:
        return sum(r for _, r, _ in self.rows)

    @property
    def db(self) -> int:
        return sum(d for _, _, d in self.rows)


def process_bounds(clients: Clients, settings: Settings) -> tuple[int, int]:
    redis = clients.redis * settings.redis_max_connections
    redis += clients.heartbeat * HEARTBEAT_MAX_CONNECTIONS
    redis += clients.hub * HUB_MAX_CONNECTIONS
    return redis, clients.db * settings.db_pool_max


def budget(stack: LocalStack) -> Budget:
    rows = []
    for service in MEMBER_SERVICES:
        redis = db = 0
        for member in MEMBERS:
            r, d = process_bounds(PROCESSES[service], stack.settings(member, service))
            redis, db = redis + r, db + d
        rows.append((f"{service} (× {len(MEMBERS)} members)", redis, db))
    admin = stack.settings()
    rows.append(
        (
            f"CLI and tools ({ADMIN_CLIENTS} clients + {ADMIN_SESSIONS} single sessions)",
            ADMIN_CLIENTS * admin.redis_max_connections + ADMIN_SESSIONS,
            ADMIN_CLIENTS * admin.db_pool_max + ADMIN_SESSIONS,
        )
    )
    return Budget(rows)


def budget_table(b: Budget) -> str:
    def share(used: int, limit: int) -> str:
        return f"{round(100 * used / limit)} %"

    lines = [
        "| Clients | Redis connections | MariaDB sessions |",
        "| --- | ---: | ---: |",
        *(f"| {what} | {r} | {d} |" for what, r, d in b.rows),
        f"| **Total** | **{b.redis}** | **{b.db}** |",
        f"| Server limit | {REDIS_MAX_CLIENTS} (`maxclients`) "
        f"| {MARIADB_MAX_CONNECTIONS} (`max_connections`) |",
        f"| Share of the limit | {share(b.redis, REDIS_MAX_CLIENTS)} "
        f"| {share(b.db, MARIADB_MAX_CONNECTIONS)} |",
    ]
    return "\n".join(lines) + "\n"


def within(b: Budget) -> bool:
    return (
        b.redis <= (1 - HEADROOM) * REDIS_MAX_CLIENTS
        and b.db <= (1 - HEADROOM) * MARIADB_MAX_CONNECTIONS
    )


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalStack:
    """A local stack's configuration (nothing started, no binaries needed), with the bounds
    at the defaults the stack runs with."""
    for module in (local, servers):
        monkeypatch.setattr(module, "find_binary", lambda name: f"/usr/bin/{name}")
    for name in ("REDIS_MAX_CONNECTIONS", "DB_POOL_MAX"):
        monkeypatch.delenv(name, raising=False)
    return LocalStack(tmp_path)


def test_every_member_process_is_counted() -> None:
    assert set(PROCESSES) == set(MEMBER_SERVICES)


def test_the_servers_are_started_with_the_limits_the_budget_uses(stack: LocalStack) -> None:
    redis_argv = stack.redis.process.argv
    assert redis_argv[redis_argv.index("--maxclients") + 1] == str(REDIS_MAX_CLIENTS)
    assert f"--max-connections={MARIADB_MAX_CONNECTIONS}" in stack.mariadb.process.argv


def test_the_bounds_stay_under_the_servers_limits_with_headroom(stack: LocalStack) -> None:
    b = budget(stack)
    assert b.redis <= (1 - HEADROOM) * REDIS_MAX_CLIENTS, budget_table(b)
    assert b.db <= (1 - HEADROOM) * MARIADB_MAX_CONNECTIONS, budget_table(b)


@pytest.mark.parametrize(
    ("name", "value"), [("REDIS_MAX_CONNECTIONS", "100"), ("DB_POOL_MAX", "40")]
)
def test_a_bound_raised_past_the_budget_fails_the_check(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert not within(budget(stack))


def test_operations_md_shows_the_budget_checked_here(stack: LocalStack) -> None:
    text = OPERATIONS.read_text(encoding="utf-8")
    assert "## Connection budget" in text
    expected = budget_table(budget(stack))
    assert expected in text, f"docs/operations.md's budget table should read:\n{expected}"


# Clients made anywhere else would escape the bounds (and this budget).
_UNBOUNDED = re.compile(r"\b(?:aioredis|redis)\.(?:Strict)?Redis\(|create_pool\(|\.from_url\(")
_ALLOWED = {
    "connections.py",  # the bounded Redis client
    "store/dedup.py",  # the bounded MariaDB pool
    "topology/servers.py",  # the admin's single synchronous connection
}


def test_services_make_store_clients_only_through_the_bounded_constructors() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in sorted(SRC.rglob("*.py"))
        if str(path.relative_to(SRC)) not in _ALLOWED
        and _UNBOUNDED.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
