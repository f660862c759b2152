"""The stack's commands on a real stack: `status --json`, `up` again, `member kill/start`,
the supervisor, `mode`, `audit`."""

from __future__ import annotations

import json
import os
import resource
import shlex
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

from tests.support.stack import running_stack, trafficha
from trafficha.limits import OPEN_FILES_WANTED
from trafficha.topology.ingress import ingress_maxconn
from trafficha.topology.local import (
    DB_NAME,
    DB_READER,
    DB_USER,
    MEMBER_SERVICES,
    MEMBERS,
    LocalStack,
)
from trafficha.topology.processes import pid_alive, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    state = tmp_path_factory.mktemp("cli") / "stack"
    with running_stack(state) as stack:
        # The supervisor of a detached stack.
        assert stack.supervisor.pid() is not None
        yield stack


def status(stack: LocalStack) -> dict[str, Any]:
    out = trafficha("status", "--json", "--state-dir", str(stack.state_dir))
    assert out.returncode == 0, out.stderr
    report: dict[str, Any] = json.loads(out.stdout)
    return report


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in report["processes"]}


def test_status_reports_every_process_and_the_pipeline(stack: LocalStack) -> None:
    report = status(stack)
    processes = by_name(report)
    assert set(processes) == {
        "redis-server",
        "mariadbd",
        "simulator",
        "ingress",
        *(f"{m}-{s}" for m in MEMBERS for s in MEMBER_SERVICES),
    }
    assert all(p["pid"] and pid_alive(p["pid"]) for p in processes.values())
    assert all(p["healthy"] in (True, None) for p in processes.values())
    # Each process runs with the open-file limit an audience needs (as far as the hard limit
    # lets it), and the ingress with the maxconn that limit leaves room for.
    wanted = min(OPEN_FILES_WANTED, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    # (The store servers set their own from maxclients and max_connections.)
    ours = {n: p for n, p in processes.items() if n not in ("redis-server", "mariadbd")}
    assert all(p["openFiles"] >= wanted for p in ours.values()), ours
    assert processes["ingress"]["maxConnections"] >= ingress_maxconn(wanted)
    pipeline = report["pipeline"]
    assert pipeline["leader"]["epoch"] >= 1
    assert pipeline["leader"]["member"] in MEMBERS
    assert pipeline["dataVersion"] >= 1
    assert {c["kind"] for c in pipeline["collections"]} >= {"accidents", "road"}
    assert pipeline["source"]["mode"] == report["mode"] == "sim"
    assert {f"{h['member']}/{h['service']}" for h in pipeline["heartbeats"]} >= {
        "member1/collector",
        "member2/processor",
        "member1/data-api",
        "member2/gateway",
    }
    assert (stack.state_dir / "stack.json").stat().st_mode & 0o077 == 0  # holds passwords
    # Logs, the AOF and the data files: nobody else may list the state dir, nor read a log.
    assert stack.state_dir.stat().st_mode & 0o077 == 0
    logs = list(stack.state_dir.glob("*/*.log"))
    assert len(logs) >= len(MEMBERS) * len(MEMBER_SERVICES)
    assert all(log.stat().st_mode & 0o077 == 0 for log in logs), logs
    assert "quarantined" in report  # the counts per dataset and reason (none from the simulator)
    # Through the public ingress, /api/ha/status leaves out the services' pids and ports.
    ingress = f"http://127.0.0.1:{stack.layout.ingress_port}/api/ha/status"
    with urllib.request.urlopen(ingress, timeout=5) as response:
        public = json.loads(response.read())
    served = [s for m in public["members"] for s in m["services"]]
    assert served
    assert {(s["pid"], s["port"]) for s in served} == {(None, None)}


def test_up_again_changes_nothing(stack: LocalStack) -> None:
    before = {n: p["pid"] for n, p in by_name(status(stack)).items()}
    again = trafficha("up", "--detach", "--state-dir", str(stack.state_dir))
    assert again.returncode == 0, again.stderr
    assert {n: p["pid"] for n, p in by_name(status(stack)).items()} == before


def test_accounts_have_least_privileges(stack: LocalStack) -> None:
    layout = stack.layout
    reader = pymysql.connect(
        host="127.0.0.1",
        port=layout.mariadb_port,
        user=DB_READER,
        password=layout.reader_password,
        database=DB_NAME,
    )
    with reader, reader.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM traffic_accidents")
        with pytest.raises(pymysql.err.OperationalError, match="command denied"):
            cur.execute("DELETE FROM traffic_accidents")
    app = pymysql.connect(
        host="127.0.0.1", port=layout.mariadb_port, user=DB_USER, password=layout.db_password
    )
    with app, app.cursor() as cur:
        cur.execute("SHOW DATABASES")
        assert {row[0] for row in cur.fetchall()} == {DB_NAME, "information_schema"}


def test_a_crashed_service_is_restarted_but_a_killed_member_stays_down(
    stack: LocalStack,
) -> None:
    processor = next(s for s in stack.members["member2"] if s.name == "processor").process
    pid = processor.pid()
    assert pid is not None
    processor.kill()  # a crash: the supervisor brings it back
    wait_until(lambda: processor.pid() not in (None, pid), timeout=15, what="the restart")

    assert (
        trafficha("member", "kill", "member1", "--state-dir", str(stack.state_dir)).returncode == 0
    )
    processes = by_name(status(stack))
    assert all(processes[f"member1-{s}"]["pid"] is None for s in MEMBER_SERVICES)
    # Stays down: the supervisor leaves a member killed on purpose alone.
    with pytest.raises(Exception, match="did not become ready"):
        wait_until(
            lambda: by_name(status(stack))["member1-collector"]["pid"] is not None,
            timeout=3,
            what="member1",
        )
    assert (
        trafficha("member", "start", "member1", "--state-dir", str(stack.state_dir)).returncode == 0
    )
    assert all(by_name(status(stack))[f"member1-{s}"]["pid"] for s in MEMBER_SERVICES)


def test_mode_switches_at_runtime_and_audit_finds_nothing_lost(stack: LocalStack) -> None:
    state = str(stack.state_dir)
    shown = json.loads(trafficha("mode", "real", "--state-dir", state).stdout)
    assert shown["mode"] in ("sim", "real")  # the collector applies it at its next poll
    wait_until(
        lambda: json.loads(trafficha("mode", "--state-dir", state).stdout)["active"] == "real",
        timeout=30,
        what="the switch to real",
    )
    back = json.loads(trafficha("mode", "default", "--state-dir", state).stdout)
    assert back is not None
    audit = trafficha("audit", "--json", "--state-dir", state)
    report = json.loads(audit.stdout)
    assert audit.returncode == 0, report
    assert report["applied_batches"] >= 2
    assert report["lost"] == []


def test_env_gives_a_custom_service_the_stacks_settings(stack: LocalStack) -> None:
    # What examples/README.md tells users to do: eval the exports, then run their own service.
    check = (
        "import asyncio\n"
        "from trafficha import DedupStore, latest_accidents, load_settings, redis_client\n"
        "async def main() -> None:\n"
        "    settings = load_settings()\n"
        "    redis = redis_client(settings)\n"
        "    assert await redis.ping()\n"
        "    await redis.aclose()\n"
        "    async with await DedupStore.from_settings(settings) as store:\n"
        "        rows = await latest_accidents(store, 5)\n"
        "    print(settings.db_user, len(rows))\n"
        "asyncio.run(main())\n"
    )
    cli = f"{shlex.quote(sys.executable)} -m trafficha.cli"
    state = shlex.quote(str(stack.state_dir))
    script = (
        f'eval "$({cli} env --state-dir {state} --service data-api)" && '
        f"{shlex.quote(sys.executable)} -c {shlex.quote(check)}"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "DB_"))}
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60, env=environ, check=False
    )
    assert result.returncode == 0, result.stderr
    user, rows = result.stdout.split()
    assert user == DB_READER
    assert int(rows) > 0  # the stack has collected incidents: the settings reach its database
    exports = trafficha("env", "--state-dir", str(stack.state_dir)).stdout
    assert f"export REDIS_ADDR=127.0.0.1:{stack.layout.redis_port}\n" in exports
    assert f"export DB_USER={DB_USER}\n" in exports
