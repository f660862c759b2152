"""The local stack under a state directory: which processes, on which ports, with which secrets.

The stack's layout is written to ``stack.json`` when it is first started, so ``down`` and
``status`` (later processes) find the same processes and ports.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import msgspec

from trafficha.topology.processes import ManagedProcess
from trafficha.topology.servers import MariaDBServer, RedisServer, new_password

DB_USER = "trafficuser"
DB_NAME = "trafficdb"
MEMBERS = ("member1", "member2")
MEMBER_SERVICES = ("collector", "processor")


def default_state_dir() -> Path:
    """``TRAFFICHA_STATE_DIR``, else ``.trafficha`` in the current directory."""
    return Path(os.environ.get("TRAFFICHA_STATE_DIR") or ".trafficha").resolve()


class StackLayout(msgspec.Struct, frozen=True, kw_only=True):
    """Ports and credentials of one local stack (kept in the state dir, mode 0600)."""

    ingress_port: int
    redis_port: int
    mariadb_port: int
    db_password: str
    mode: str = "sim"


class ProcessStatus(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    member: str
    port: int | None
    pid: int | None

    @property
    def running(self) -> bool:
        return self.pid is not None


class LocalStack:
    """The processes of one local stack, started and stopped by pid."""

    def __init__(self, state_dir: Path, *, ingress_port: int = 8080) -> None:
        self.state_dir = state_dir
        self.layout_file = state_dir / "stack.json"
        self.layout = self._load_layout(ingress_port)
        self.redis = RedisServer(state_dir / "central", self.layout.redis_port)
        self.mariadb = MariaDBServer(state_dir / "central", self.layout.mariadb_port)
        self.members = {
            member: {
                service: ManagedProcess(
                    f"{member}-{service}",
                    [sys.executable, "-m", "trafficha.cli", "run", service],
                    state_dir / member,
                )
                for service in MEMBER_SERVICES
            }
            for member in MEMBERS
        }

    def _load_layout(self, ingress_port: int) -> StackLayout:
        if self.layout_file.exists():
            return msgspec.json.decode(self.layout_file.read_bytes(), type=StackLayout)
        # Central stores sit 100 ports above the ingress, so stacks on other ports don't clash.
        return StackLayout(
            ingress_port=ingress_port,
            redis_port=ingress_port + 100,
            mariadb_port=ingress_port + 101,
            db_password=new_password(),
        )

    def _save_layout(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.layout_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(msgspec.json.format(msgspec.json.encode(self.layout)))

    def processes(self) -> list[tuple[str, int | None, ManagedProcess]]:
        central: list[tuple[str, int | None, ManagedProcess]] = [
            ("central", self.layout.redis_port, self.redis.process),
            ("central", self.layout.mariadb_port, self.mariadb.process),
        ]
        return central + [
            (member, None, process)
            for member, services in self.members.items()
            for process in services.values()
        ]

    def up(self, *, mode: str = "sim") -> None:
        """Start whatever is not running yet (idempotent)."""
        self.layout = msgspec.structs.replace(self.layout, mode=mode)
        self._save_layout()
        if not self.redis.process.alive():
            self.redis.start()
        if not self.mariadb.process.alive():
            self.mariadb.start()
        self.mariadb.ensure_user(DB_USER, self.layout.db_password, database=DB_NAME)
        for member in self.members:
            self.start_member(member)

    def start_member(self, member: str) -> None:
        """Start every service of a member that is not running."""
        env = {
            **os.environ,
            **self.service_env(),
            "MEMBER_NAME": member,
            "DATA_SOURCE_MODE": self.layout.mode,
        }
        for process in self.members[member].values():
            if not process.alive():
                process.start(env=env)

    def kill_member(self, member: str) -> None:
        """SIGKILL every process of a member: an abrupt cluster loss."""
        for process in self.members[member].values():
            process.kill()

    def down(self) -> None:
        """Stop every process of the stack, in reverse start order."""
        for _member, _port, process in reversed(self.processes()):
            process.stop()

    def status(self) -> list[ProcessStatus]:
        return [
            ProcessStatus(name=p.name, member=member, port=port, pid=p.pid())
            for member, port, p in self.processes()
        ]

    def service_env(self) -> dict[str, str]:
        """The environment a service of this stack runs with."""
        return {
            "REDIS_ADDR": self.redis.addr,
            "DB_HOST": self.mariadb.addr,
            "DB_USER": DB_USER,
            "DB_PASSWORD": self.layout.db_password,
            "DB_NAME": DB_NAME,
        }
