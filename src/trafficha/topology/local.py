"""The local stack under a state directory: which processes, on which ports, with which secrets.

Central: redis-server, mariadbd and the traffic simulator (KEC's stand-in). Each member
(member1, member2): the OpenAPI proxy, the processor and the collector, each a real process.
The layout (ports, the database password, the source mode) is written to ``stack.json`` when
the stack is first started, so later commands (``down``, ``status``, ``member kill``) find the
same processes and ports.

Ports, from the ingress port P (8080 by default): simulator P+3 (the original's 8083); member N's
services at P+10N+1 (gateway), P+10N+2 (data API), P+10N+3 (proxy); Redis P+100, MariaDB P+101.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import msgspec

from trafficha.providers.real import endpoint_urls
from trafficha.topology.processes import ManagedProcess
from trafficha.topology.servers import MariaDBServer, RedisServer, new_password

DB_USER = "trafficuser"
DB_NAME = "trafficdb"
MEMBERS = ("member1", "member2")
# The simulator accepts this key, as the KEC portal accepts its demo key.
SIMULATOR_KEY = "test"
# Offsets of a member's HTTP services from P + 10 * member number.
_PORT_OFFSETS = {"gateway": 1, "data-api": 2, "proxy": 3}


def default_state_dir() -> Path:
    """``TRAFFICHA_STATE_DIR``, else ``.trafficha`` in the current directory."""
    return Path(os.environ.get("TRAFFICHA_STATE_DIR") or ".trafficha").resolve()


class StackLayout(msgspec.Struct, frozen=True, kw_only=True):
    """Ports and credentials of one local stack (kept in the state dir, mode 0600)."""

    ingress_port: int
    db_password: str
    mode: str = "auto"

    @property
    def redis_port(self) -> int:
        return self.ingress_port + 100

    @property
    def mariadb_port(self) -> int:
        return self.ingress_port + 101

    @property
    def simulator_port(self) -> int:
        return self.ingress_port + 3

    def member_port(self, member: str, service: str) -> int:
        return self.ingress_port + 10 * (MEMBERS.index(member) + 1) + _PORT_OFFSETS[service]


class ProcessStatus(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    member: str
    port: int | None
    pid: int | None

    @property
    def running(self) -> bool:
        return self.pid is not None


@dataclass(frozen=True)
class Service:
    """One ``trafficha run`` process of the stack."""

    member: str
    name: str
    port: int | None
    process: ManagedProcess


def _answers(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback, ours
        return bool(response.status == 200)


class LocalStack:
    """The processes of one local stack, started and stopped by pid."""

    def __init__(self, state_dir: Path, *, ingress_port: int = 8080) -> None:
        self.state_dir = state_dir
        self.layout_file = state_dir / "stack.json"
        self.layout = self._load_layout(ingress_port)
        self.redis = RedisServer(state_dir / "central", self.layout.redis_port)
        self.mariadb = MariaDBServer(state_dir / "central", self.layout.mariadb_port)
        self.simulator = self._service("central", "simulator", self.layout.simulator_port)
        self.members = {
            member: [
                self._service(member, "proxy", self.layout.member_port(member, "proxy")),
                self._service(member, "processor", None),
                self._service(member, "collector", None),
            ]
            for member in MEMBERS
        }

    def _service(self, member: str, name: str, port: int | None) -> Service:
        label = name if member == "central" else f"{member}-{name}"
        argv = [sys.executable, "-m", "trafficha.cli", "run", name]
        return Service(member, name, port, ManagedProcess(label, argv, self.state_dir / member))

    def _load_layout(self, ingress_port: int) -> StackLayout:
        if self.layout_file.exists():
            return msgspec.json.decode(self.layout_file.read_bytes(), type=StackLayout)
        return StackLayout(ingress_port=ingress_port, db_password=new_password())

    def _save_layout(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.layout_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(msgspec.json.format(msgspec.json.encode(self.layout)))

    def services(self) -> list[Service]:
        return [self.simulator, *(s for services in self.members.values() for s in services)]

    def processes(self) -> list[tuple[str, int | None, ManagedProcess]]:
        central: list[tuple[str, int | None, ManagedProcess]] = [
            ("central", self.layout.redis_port, self.redis.process),
            ("central", self.layout.mariadb_port, self.mariadb.process),
        ]
        return central + [(s.member, s.port, s.process) for s in self.services()]

    def up(self, *, mode: str = "auto") -> None:
        """Start whatever is not running yet (idempotent); returns when each answers."""
        self.layout = msgspec.structs.replace(self.layout, mode=mode)
        self._save_layout()
        if not self.redis.process.alive():
            self.redis.start()
        if not self.mariadb.process.alive():
            self.mariadb.start()
        self.mariadb.ensure_user(DB_USER, self.layout.db_password, database=DB_NAME)
        self._start(self.simulator)
        for member in self.members:
            self.start_member(member)

    def _start(self, service: Service) -> None:
        if service.process.alive():
            return
        env = self.service_env(service.member)
        if service.port is None:
            service.process.start(env=env)
            return
        env["PORT"] = str(service.port)
        health = f"http://127.0.0.1:{service.port}/healthz"
        service.process.start_and_wait(lambda _pid: _answers(health), timeout=60, env=env)

    def start_member(self, member: str) -> None:
        """Start every service of a member that is not running."""
        for service in self.members[member]:
            self._start(service)

    def kill_member(self, member: str) -> None:
        """SIGKILL every process of a member: an abrupt cluster loss."""
        for service in self.members[member]:
            service.process.kill()

    def down(self) -> None:
        """Stop every process of the stack, in reverse start order."""
        for _member, _port, process in reversed(self.processes()):
            process.stop()

    def status(self) -> list[ProcessStatus]:
        return [
            ProcessStatus(name=p.name, member=member, port=port, pid=p.pid())
            for member, port, p in self.processes()
        ]

    def service_env(self, member: str = "member1") -> dict[str, str]:
        """The environment a service of ``member`` runs with."""
        simulator = f"http://127.0.0.1:{self.layout.simulator_port}"
        own_first = sorted(MEMBERS, key=lambda m: m != member)
        proxies = [f"http://127.0.0.1:{self.layout.member_port(m, 'proxy')}" for m in own_first]
        (accidents,) = endpoint_urls([simulator], "accidents")
        (tollgate,) = endpoint_urls([simulator], "tollgate")
        (road,) = endpoint_urls([simulator], "road")
        (locations,) = endpoint_urls([simulator], "locations")
        return {
            **os.environ,
            "MEMBER_NAME": member if member in MEMBERS else "member1",
            "REDIS_ADDR": self.redis.addr,
            "DB_HOST": self.mariadb.addr,
            "DB_USER": DB_USER,
            "DB_PASSWORD": self.layout.db_password,
            "DB_NAME": DB_NAME,
            "DATA_SOURCE_MODE": self.layout.mode,
            # The simulator plays KEC: the proxies call it with the demo key, the collectors
            # call the proxies (their own member's first).
            "SIMULATOR_API_URL": simulator,
            "REAL_OPENAPI_URL": accidents,
            "TOLLGATE_API_URL": tollgate,
            "ROAD_STATUS_API_URL": road,
            "TOLLGATE_LOCATION_API_URL": locations,
            "REAL_OPENAPI_KEY": SIMULATOR_KEY,
            "OPENAPI_PROXY_URL": ",".join(proxies),
        }
