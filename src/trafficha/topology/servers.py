"""Real redis-server and mariadbd processes on loopback, each under its own data directory.

Used by ``trafficha up`` for the central stores and by the test suite, so both run the same
servers the same way.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
from pathlib import Path
from typing import Any

import pymysql
import redis

from trafficha.store.accounts import account_statements
from trafficha.topology.processes import ManagedProcess, ProcessError, find_binary

LOOPBACK = "127.0.0.1"

REDIS_MAX_CLIENTS = 1024
"""redis-server's ``maxclients``: the connection budget (docs/operations.md) stays well under it."""
MARIADB_MAX_CONNECTIONS = 500
"""mariadbd's ``max_connections`` (it keeps one more for a SUPER account such as root)."""


class RedisServer:
    """A redis-server with AOF on (nothing acknowledged is lost on restart) and noeviction."""

    def __init__(self, base_dir: Path, port: int, *, password: str | None = None) -> None:
        self.port = port
        self.password = password
        self.data_dir = base_dir / "redis"
        argv = [
            find_binary("redis-server"),
            "--bind",
            LOOPBACK,
            "--port",
            str(port),
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--maxmemory-policy",
            "noeviction",
            "--maxclients",
            str(REDIS_MAX_CLIENTS),
            "--protected-mode",
            "no",
            "--daemonize",
            "no",
        ]
        if password:
            argv += ["--requirepass", password]
        self.process = ManagedProcess("redis-server", argv, base_dir / "run")

    @property
    def addr(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def client(self) -> redis.Redis:
        return redis.Redis(host=LOOPBACK, port=self.port, password=self.password, socket_timeout=2)

    def start(self, timeout: float = 20.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Ask for the server's pid: another server already on the port must not pass for ours.
        self.process.start_and_wait(self._answers_as, timeout=timeout)

    def _answers_as(self, pid: int) -> bool:
        with self.client() as client:
            return bool(client.info("server")["process_id"] == pid)

    def stop(self) -> None:
        self.process.stop()


class MariaDBServer:
    """A mariadbd with its own data directory, created with mariadb-install-db on first start.

    The root account is reachable only through the unix socket; services use a password user.
    """

    def __init__(self, base_dir: Path, port: int) -> None:
        self.port = port
        self.data_dir = base_dir / "mariadb"
        self.socket = base_dir / "run" / "mariadb.sock"
        run_as = ["--user=root"] if os.geteuid() == 0 else []
        self._run_as = run_as
        self.process = ManagedProcess(
            "mariadbd",
            [
                find_binary("mariadbd"),
                "--no-defaults",
                f"--datadir={self.data_dir}",
                f"--socket={self.socket}",
                f"--port={port}",
                f"--bind-address={LOOPBACK}",
                "--skip-name-resolve",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=256M",
                # Interleaved auto-increment: concurrent multi-row upserts don't serialise on a
                # table lock (safe: no statement-based binlog).
                "--innodb-autoinc-lock-mode=2",
                f"--max-connections={MARIADB_MAX_CONNECTIONS}",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
                "--sql-mode=STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION",
                f"--log-error={base_dir / 'run' / 'mariadb-error.log'}",
                f"--pid-file={self.data_dir / 'mariadbd.pid'}",
                *run_as,
            ],
            base_dir / "run",
            # InnoDB flushes and closes its files on SIGTERM: give it that time on every stop
            # path (trafficha down too) rather than SIGKILL it into crash recovery.
            stop_timeout=30,
        )

    @property
    def addr(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def _install(self) -> None:
        if (self.data_dir / "mysql").is_dir():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(  # noqa: S603 - fixed argv
            [
                find_binary("mariadb-install-db"),
                "--no-defaults",
                f"--datadir={self.data_dir}",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
                *self._run_as,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ProcessError(f"mariadb-install-db failed: {result.stderr.strip()[-500:]}")

    def admin(self, database: str | None = None) -> pymysql.connections.Connection[Any]:
        """A root connection over the unix socket."""
        return pymysql.connect(
            unix_socket=str(self.socket),
            user="root",
            database=database,
            autocommit=True,
            charset="utf8mb4",
        )

    def start(self, timeout: float = 60.0) -> None:
        self._install()
        self.socket.parent.mkdir(parents=True, exist_ok=True)
        # The socket is ours alone, so an answer on it is our server's.
        self.process.start_and_wait(self._answers, timeout=timeout)

    def _answers(self, _pid: int) -> bool:
        # mariadbd creates its socket only once it accepts connections; probing with a plain
        # socket avoids the half-open client sockets a refused login attempt leaves behind.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.connect(str(self.socket))
        with self.admin() as conn:
            return bool(conn.open)

    def ensure_user(
        self,
        user: str,
        password: str,
        *,
        database: str | None = None,
        privileges: str = "ALL PRIVILEGES",
    ) -> None:
        """Create (or re-password) a loopback user with exactly ``privileges`` on ``database``
        (on every database when ``None``)."""
        statements = account_statements(
            user, password, host=LOOPBACK, database=database, privileges=privileges
        )
        with self.admin() as conn, conn.cursor() as cur:
            for sql, args in statements:
                cur.execute(sql, args)

    def stop(self) -> None:
        self.process.stop()


def new_password() -> str:
    """A random password for a locally created account."""
    return secrets.token_urlsafe(18)
