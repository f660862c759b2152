"""The local HA stack under a state directory: every process, its port, its secrets.

Central: redis-server (AOF, a password), mariadbd (an app user with rights on ``trafficdb`` only,
a read-only user for the data API) and the traffic simulator (KEC's stand-in). Each member
(member1, member2): OpenAPI proxy, processor, data API, gateway and collector. In front: HAProxy.

Ports, from the ingress port P (8080 by default): simulator P+3 (the original's 8083); member N's
gateway P+10N+1, data API P+10N+2, proxy P+10N+3; Redis P+100, MariaDB P+101.

The layout (ports, generated passwords, the source mode) is written to ``stack.json`` (mode
0600) when the stack is first started, so later commands find the same processes. A supervisor
restarts any process that dies, except those of a member killed on purpose
(``trafficha member kill``), which stay down until ``trafficha member start``.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import msgspec

from trafficha.config import Settings, env_name, load_settings
from trafficha.connections import stream_keys
from trafficha.datasets.registry import DATASETS
from trafficha.limits import open_files_of, raise_open_files
from trafficha.streams.keys import StreamKeys
from trafficha.topology.ingress import Backend, haproxy_config, ingress_maxconn, write_error_files
from trafficha.topology.processes import (
    ManagedProcess,
    ProcessError,
    find_binary,
    free_port,
    wait_until,
)
from trafficha.topology.servers import MariaDBServer, RedisServer, new_password

log = logging.getLogger(__name__)

DB_USER: Final = "trafficuser"
DB_READER: Final = "trafficreader"
DB_NAME: Final = "trafficdb"
MEMBERS: Final = ("member1", "member2")
# Start order within a member: the proxy before the collector that reads through it, the
# data API before the gateway that forwards to it.
MEMBER_SERVICES: Final = ("proxy", "processor", "data-api", "gateway", "collector")
# The simulator accepts this key, as the KEC portal accepts its demo key.
SIMULATOR_KEY: Final = "test"
_PORT_OFFSETS: Final = {"gateway": 1, "data-api": 2, "proxy": 3}
# What the app user may do: its data and migrations, in its own database only.
APP_PRIVILEGES: Final = "SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, REFERENCES"


def default_state_dir() -> Path:
    """``TRAFFICHA_STATE_DIR``, else ``.trafficha`` at the repository root (or here)."""
    if env := os.environ.get("TRAFFICHA_STATE_DIR"):
        return Path(env).resolve()
    here = Path.cwd().resolve()
    root = next((p for p in (here, *here.parents) if (p / "pyproject.toml").exists()), here)
    return root / ".trafficha"


def default_mode() -> str:
    """``auto`` when a real KEC key is configured, else ``sim``."""
    return "auto" if os.environ.get("REAL_OPENAPI_KEY") else "sim"


class StackLayout(msgspec.Struct, frozen=True, kw_only=True):
    """Ports and credentials of one local stack (kept in the state dir, mode 0600)."""

    ingress_port: int
    db_password: str
    reader_password: str
    redis_password: str
    mode: str = "sim"

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

    def ports(self) -> list[int]:
        """Every port the stack listens on."""
        members = [self.member_port(m, s) for m in MEMBERS for s in _PORT_OFFSETS]
        return [
            self.ingress_port,
            self.simulator_port,
            *members,
            self.redis_port,
            self.mariadb_port,
        ]


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_ingress_port() -> int:
    """An ingress port P whose whole block of stack ports is free now (for side-by-side stacks
    in tests and benchmarks)."""
    for _ in range(50):
        base = free_port()
        layout = StackLayout(
            ingress_port=base, db_password="", reader_password="", redis_password=""
        )
        if layout.mariadb_port < 65536 and all(_port_free(p) for p in layout.ports()):
            return base
    raise ProcessError("no free block of ports for a stack")


class ProcessStatus(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    name: str
    member: str
    port: int | None
    pid: int | None
    healthy: bool | None = None
    # The process's soft open-file limit (its sockets); for the ingress, its maxconn as well.
    open_files: int | None = None
    max_connections: int | None = None

    @property
    def running(self) -> bool:
        return self.pid is not None


@dataclass(frozen=True)
class Service:
    """One supervised process of the stack: ``trafficha run NAME``, or HAProxy."""

    member: str
    name: str
    port: int | None
    process: ManagedProcess

    @property
    def health_url(self) -> str | None:
        if self.port is None:
            return None
        path = "/ingress/healthz" if self.name == "ingress" else "/healthz"
        return f"http://127.0.0.1:{self.port}{path}"


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 within a second."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback, ours
            return bool(response.status == 200)
    except OSError:
        return False


class LocalStack:
    """The processes of one local stack, started, supervised and stopped by pid."""

    def __init__(self, state_dir: Path, *, ingress_port: int = 8080) -> None:
        self.state_dir = state_dir
        self.layout_file = state_dir / "stack.json"
        self.layout = self._load_layout(ingress_port)
        central = state_dir / "central"
        self.redis = RedisServer(
            central, self.layout.redis_port, password=self.layout.redis_password
        )
        self.mariadb = MariaDBServer(central, self.layout.mariadb_port)
        self.simulator = self._service("central", "simulator", self.layout.simulator_port)
        self.members = {
            member: [
                self._service(
                    member,
                    name,
                    self.layout.member_port(member, name) if name in _PORT_OFFSETS else None,
                )
                for name in MEMBER_SERVICES
            ]
            for member in MEMBERS
        }
        self.ingress_config = state_dir / "ingress" / "haproxy.cfg"
        self.ingress = Service(
            "ingress",
            "ingress",
            self.layout.ingress_port,
            ManagedProcess(
                "ingress",
                [find_binary("haproxy"), "-db", "-f", str(self.ingress_config)],
                state_dir / "ingress",
            ),
        )
        self.supervisor = ManagedProcess(
            "supervisor",
            [sys.executable, "-m", "trafficha.cli", "supervise", "--state-dir", str(state_dir)],
            state_dir / "run",
        )

    # --- layout ---------------------------------------------------------------------------

    def _service(self, member: str, name: str, port: int | None) -> Service:
        label = name if member == "central" else f"{member}-{name}"
        argv = [sys.executable, "-m", "trafficha.cli", "run", name]
        return Service(member, name, port, ManagedProcess(label, argv, self.state_dir / member))

    def _load_layout(self, ingress_port: int) -> StackLayout:
        if self.layout_file.exists():
            return msgspec.json.decode(self.layout_file.read_bytes(), type=StackLayout)
        return StackLayout(
            ingress_port=ingress_port,
            db_password=new_password(),
            reader_password=new_password(),
            redis_password=new_password(),
        )

    def _save_layout(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        # Logs, the AOF and the data files are the operator's: nobody else may even list them.
        self.state_dir.chmod(0o700)
        fd = os.open(self.layout_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(msgspec.json.format(msgspec.json.encode(self.layout)))

    def services(self) -> list[Service]:
        """Every supervised service, in start order."""
        members = [s for services in self.members.values() for s in services]
        return [self.simulator, *members, self.ingress]

    def processes(self) -> list[tuple[str, int | None, ManagedProcess]]:
        central: list[tuple[str, int | None, ManagedProcess]] = [
            ("central", self.layout.redis_port, self.redis.process),
            ("central", self.layout.mariadb_port, self.mariadb.process),
        ]
        return central + [(s.member, s.port, s.process) for s in self.services()]

    # --- lifecycle ------------------------------------------------------------------------

    def up(self, *, mode: str | None = None) -> None:
        """Start whatever is not running yet (idempotent); returns when each one answers."""
        self.layout = msgspec.structs.replace(self.layout, mode=mode or self.layout.mode)
        self._save_layout()
        if not self.redis.process.alive():
            self.redis.start()
        if not self.mariadb.process.alive():
            self.mariadb.start()
        self.mariadb.ensure_user(
            DB_USER, self.layout.db_password, database=DB_NAME, privileges=APP_PRIVILEGES
        )
        self.mariadb.ensure_user(
            DB_READER, self.layout.reader_password, database=DB_NAME, privileges="SELECT"
        )
        self._write_ingress_config()
        for service in self.services():
            if service.member in MEMBERS and self.member_killed(service.member):
                continue
            self._start(service)

    def _write_ingress_config(self) -> None:
        self.ingress_config.parent.mkdir(parents=True, exist_ok=True)
        backends = [Backend(m, self.layout.member_port(m, "gateway")) for m in MEMBERS]
        errors = write_error_files(self.ingress_config.parent / "errors")
        config = haproxy_config(
            self.layout.ingress_port,
            backends,
            error_files=errors,
            maxconn=ingress_maxconn(raise_open_files()),
        )
        self.ingress_config.write_text(config)

    def _start(self, service: Service) -> None:
        if service.process.alive():
            return
        raise_open_files()  # inherited: every process of the stack holds sockets by the thousand
        env = self.service_env(service.member, service.name)
        if service.port is not None:
            env["PORT"] = str(service.port)
        url = service.health_url
        if url is None:
            service.process.start(env=env)
        else:
            service.process.start_and_wait(lambda _pid: answers(url), timeout=60, env=env)

    def _marker(self, member: str) -> Path:
        return self.state_dir / member / "killed"

    def member_killed(self, member: str) -> bool:
        return self._marker(member).exists()

    def start_member(self, member: str) -> None:
        """Start every service of a member that is not running, and supervise it again."""
        self._marker(member).unlink(missing_ok=True)
        for service in self.members[member]:
            self._start(service)

    def kill_member(self, member: str) -> None:
        """SIGKILL every process of a member: an abrupt cluster loss. It stays down."""
        # The marker first: the supervisor must not see the deaths before it knows why.
        self._marker(member).parent.mkdir(parents=True, exist_ok=True)
        self._marker(member).touch()
        for service in self.members[member]:
            service.process.kill()

    def down(self) -> None:
        """Stop the supervisor, then every process, in reverse start order."""
        self.supervisor.stop()
        for _member, _port, process in reversed(self.processes()):
            process.stop()

    def supervise_once(self) -> list[str]:
        """Restart every dead service that should run; returns the names restarted."""
        restarted = []
        for service in self.services():
            if service.member in MEMBERS and self.member_killed(service.member):
                continue
            if not service.process.alive():
                log.warning("%s is down; restarting it", service.process.name)
                try:
                    self._start(service)
                except ProcessError:
                    log.exception("restarting %s failed", service.process.name)
                    continue
                restarted.append(service.process.name)
        return restarted

    def supervise(self, stop: threading.Event, interval: float = 0.5) -> None:
        """Restart crashed services every ``interval`` seconds until ``stop`` is set."""
        # Liveness is polled: the services are not this process's children once detached.
        while not stop.wait(interval):
            self.supervise_once()

    def wait_for_data(self, timeout: float = 120.0) -> None:
        """Return once the ingress answers and a batch has been committed."""
        deadline = time.monotonic() + timeout
        ingress = self.ingress.health_url
        assert ingress is not None
        wait_until(lambda: answers(ingress), timeout=timeout, what="the ingress")
        key = self.keys().data_version
        with self.redis.client() as client:
            wait_until(
                lambda: int(client.get(key) or 0) > 0,
                timeout=max(1.0, deadline - time.monotonic()),
                what="the first commit",
            )

    def status(self, *, check_health: bool = False) -> list[ProcessStatus]:
        out = []
        for member, port, process in self.processes():
            pid = process.pid()
            healthy = None
            if check_health and pid is not None and port is not None:
                service = next((s for s in self.services() if s.process is process), None)
                url = service.health_url if service else None
                healthy = answers(url) if url else None
            out.append(
                ProcessStatus(
                    name=process.name,
                    member=member,
                    port=port,
                    pid=pid,
                    healthy=healthy,
                    open_files=open_files_of(pid) if pid is not None else None,
                    max_connections=self._ingress_maxconn() if process.name == "ingress" else None,
                )
            )
        return out

    def _ingress_maxconn(self) -> int | None:
        """The ``maxconn`` the ingress runs with, from its generated configuration."""
        try:
            text = self.ingress_config.read_text(encoding="utf-8")
        except OSError:
            return None
        found = re.search(r"^\s*maxconn (\d+)$", text, re.M)
        return int(found[1]) if found else None

    # --- configuration of the services ---------------------------------------------------

    def settings(self, member: str = "member1", service: str = "") -> Settings:
        """The settings a service of this stack runs with."""
        return load_settings(self.service_env(member, service))

    def keys(self) -> StreamKeys:
        return stream_keys(self.settings())

    def service_env(self, member: str = "member1", service: str = "") -> dict[str, str]:
        """The environment a service of ``member`` runs with."""
        others_last = sorted(MEMBERS, key=lambda m: m != member)

        def member_urls(name: str) -> str:
            ports = (self.layout.member_port(m, name) for m in others_last)
            return ",".join(f"http://127.0.0.1:{p}" for p in ports)

        env = {
            **os.environ,
            "MEMBER_NAME": member if member in MEMBERS else "member1",
            "REDIS_ADDR": self.redis.addr,
            "REDIS_PASSWORD": self.layout.redis_password,
            "DB_HOST": self.mariadb.addr,
            "DB_USER": DB_USER,
            "DB_PASSWORD": self.layout.db_password,
            "DB_NAME": DB_NAME,
            "DATA_SOURCE_MODE": self.layout.mode,
            "SIMULATOR_API_URL": f"http://127.0.0.1:{self.layout.simulator_port}",
            # Collectors read through the proxies, their own member's first.
            "OPENAPI_PROXY_URL": member_urls("proxy"),
            # Gateways forward to the data APIs, their own member's first.
            "DATA_API_SERVICE_URL": member_urls("data-api"),
        }
        if service == "data-api":
            # The data API only reads: it gets the read-only account.
            env["DB_USER"], env["DB_PASSWORD"] = DB_READER, self.layout.reader_password
        if not os.environ.get("REAL_OPENAPI_KEY"):
            # No real key: the simulator plays KEC for the proxies, with its demo key.
            simulator = env["SIMULATOR_API_URL"].rstrip("/")
            for dataset in DATASETS:
                env[env_name(dataset.url_setting)] = simulator + dataset.feed.path
            env["REAL_OPENAPI_KEY"] = SIMULATOR_KEY
        return env
