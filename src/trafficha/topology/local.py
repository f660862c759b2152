"""The local stack under a state directory: which processes, on which ports, with which secrets.

The stack's layout is written to ``stack.json`` when it is first started, so ``down`` and
``status`` (later processes) find the same processes and ports.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from trafficha.topology.processes import ManagedProcess
from trafficha.topology.servers import MariaDBServer, RedisServer, new_password

DB_USER = "trafficuser"
DB_NAME = "trafficdb"


def default_state_dir() -> Path:
    """``TRAFFICHA_STATE_DIR``, else ``.trafficha`` in the current directory."""
    return Path(os.environ.get("TRAFFICHA_STATE_DIR") or ".trafficha").resolve()


class StackLayout(msgspec.Struct, frozen=True, kw_only=True):
    """Ports and credentials of one local stack (kept in the state dir, mode 0600)."""

    ingress_port: int
    redis_port: int
    mariadb_port: int
    db_password: str


class ProcessStatus(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    member: str
    port: int
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

    def processes(self) -> list[tuple[str, int, ManagedProcess]]:
        return [
            ("central", self.layout.redis_port, self.redis.process),
            ("central", self.layout.mariadb_port, self.mariadb.process),
        ]

    def up(self) -> None:
        """Start whatever is not running yet (idempotent)."""
        self._save_layout()
        if not self.redis.process.alive():
            self.redis.start()
        if not self.mariadb.process.alive():
            self.mariadb.start()
        self.mariadb.ensure_user(DB_USER, self.layout.db_password, database=DB_NAME)

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
