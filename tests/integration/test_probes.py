"""The workers' kubelet probes (``PROBE_PORT``): liveness while the worker runs, readiness
only while its stores answer, problem documents otherwise."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Database
from tests.support.services import Services
from trafficha.topology.processes import free_port, wait_until
from trafficha.topology.servers import RedisServer


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    group = Services(tmp_path)
    yield group
    group.stop_all()


def _get(url: str) -> tuple[int, str, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], json.load(err)


def _worker_env(
    redis_port: int, namespace: str, database: Database | None = None
) -> dict[str, str]:
    env = {
        "REDIS_ADDR": f"127.0.0.1:{redis_port}",
        "STREAM_KEY": f"{namespace}:stream",
        "STREAM_GROUP": f"{namespace}:group",
        "MEMBER_NAME": "member2",
        "DATA_SOURCE_MODE": "sim",
    }
    if database is not None:
        env |= database.env()
    return env


def test_processor_is_live_and_ready_when_redis_and_mariadb_answer(
    services: Services, redis_server: RedisServer, database: Database, namespace: str
) -> None:
    running = services.start(
        "processor", _worker_env(redis_server.port, namespace, database), probes=True
    )
    assert running.url is not None
    status, media, body = _get(f"{running.url}/healthz")
    assert (status, media) == (200, "application/json")
    assert body == {"status": "ok", "service": "processor", "member": "member2"}
    status, _, body = _get(f"{running.url}/readyz")
    assert status == 200
    assert body == {"redis": True, "mariadb": True}


def test_collector_turns_unready_when_its_redis_dies_and_stays_live(
    services: Services, tmp_path: Path, namespace: str
) -> None:
    redis = RedisServer(tmp_path / "redis", free_port())
    redis.start()
    try:
        running = services.start("collector", _worker_env(redis.port, namespace), probes=True)
        assert running.url is not None
        assert _get(f"{running.url}/readyz")[0] == 200
    finally:
        redis.stop()
    url = running.url
    wait_until(lambda: _get(f"{url}/readyz")[0] == 503, timeout=10, what="readyz 503")
    status, media, body = _get(f"{url}/readyz")
    assert (status, media) == (503, "application/problem+json")
    assert body["status"] == 503
    assert body["detail"] == "not reachable: redis"
    # A store outage is no reason to restart the worker: liveness holds.
    assert _get(f"{url}/healthz")[0] == 200
    assert running.proc.poll() is None
