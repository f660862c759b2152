"""`trafficha up --detach`, `status --json` and `down` against real servers in a temp state dir."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pymysql
import pytest

from trafficha.topology.local import DB_NAME, DB_USER
from trafficha.topology.processes import free_port, pid_alive

pytestmark = pytest.mark.integration


def trafficha(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trafficha.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_up_status_down(tmp_path: Path) -> None:
    state = tmp_path / "stack"
    port = free_port()
    up = trafficha("up", "--detach", "--port", str(port), "--state-dir", str(state))
    assert up.returncode == 0, up.stderr
    try:
        status = json.loads(trafficha("status", "--json", "--state-dir", str(state)).stdout)
        processes = {p["name"]: p for p in status["processes"]}
        assert set(processes) == {"redis-server", "mariadbd"}
        assert all(p["pid"] and pid_alive(p["pid"]) for p in processes.values())
        layout = json.loads((state / "stack.json").read_text())
        assert (state / "stack.json").stat().st_mode & 0o077 == 0  # holds the DB password
        # The service account works over TCP with the password from the layout.
        conn = pymysql.connect(
            host="127.0.0.1",
            port=layout["mariadb_port"],
            user=DB_USER,
            password=layout["db_password"],
            database=DB_NAME,
        )
        conn.close()
        # A second `up` is idempotent: same pids.
        assert trafficha("up", "--detach", "--state-dir", str(state)).returncode == 0
        again = json.loads(trafficha("status", "--json", "--state-dir", str(state)).stdout)
        assert again == status
    finally:
        down = trafficha("down", "--state-dir", str(state))
    assert down.returncode == 0, down.stderr
    assert all(not pid_alive(p["pid"]) for p in processes.values())
    final = json.loads(trafficha("status", "--json", "--state-dir", str(state)).stdout)
    assert all(p["pid"] is None for p in final["processes"])
