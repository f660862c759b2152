"""The harness itself: real servers answer, tests are isolated, stops are by pid."""

from __future__ import annotations

import os
import signal

import aiomysql
import pytest
import redis.asyncio as aioredis

from tests.conftest import Database
from trafficha.topology.processes import ProcessError, free_port, pid_alive
from trafficha.topology.servers import MariaDBServer, RedisServer

pytestmark = pytest.mark.integration


async def test_redis_answers_and_keeps_an_append_only_file(
    redis_client: aioredis.Redis, redis_server: RedisServer, namespace: str
) -> None:
    assert await redis_client.ping()
    await redis_client.set(f"{namespace}:k", "v")
    assert await redis_client.get(f"{namespace}:k") == b"v"
    config = await redis_client.config_get("appendonly")
    assert config["appendonly"] == "yes"
    assert (await redis_client.config_get("maxmemory-policy"))["maxmemory-policy"] == "noeviction"


async def test_each_test_gets_an_empty_database_of_its_own(
    database: Database, mariadb_server: MariaDBServer
) -> None:
    conn = await aiomysql.connect(
        host=database.host,
        port=database.port,
        user=database.user,
        password=database.password,
        db=database.name,
    )
    try:
        async with conn.cursor() as cur:
            await cur.execute("SHOW TABLES")
            assert await cur.fetchall() == ()
            await cur.execute("CREATE TABLE probe (id INT PRIMARY KEY)")
            await cur.execute("SELECT @@sql_mode, @@character_set_server")
            sql_mode, charset = (await cur.fetchall())[0]
            assert "STRICT_ALL_TABLES" in sql_mode
            assert charset == "utf8mb4"
    finally:
        conn.close()
    with mariadb_server.admin() as admin, admin.cursor() as cur:
        cur.execute("SHOW DATABASES LIKE %s", (database.name,))
        assert cur.fetchall()


def test_a_server_is_stopped_by_its_pid_and_restarts_with_its_data(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    server = RedisServer(tmp_path, free_port())
    server.start()
    pid = server.process.pid()
    assert pid is not None
    server.client().set("durable", "yes")
    server.stop()
    assert not pid_alive(pid)
    assert not server.process.pid_file.exists()
    server.start()
    try:
        # AOF: what was acknowledged before the stop is there after the restart.
        assert server.client().get("durable") == b"yes"
    finally:
        server.stop()


def test_a_stale_pid_file_never_signals_a_stranger(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    server = RedisServer(tmp_path, free_port())
    server.process.pid_file.parent.mkdir(parents=True)
    # Our own pid, recorded as if it were redis-server: the executable does not match.
    server.process.pid_file.write_text(f"{os.getpid()} /usr/bin/redis-server\n")
    assert server.process.pid() is None
    server.process.stop(sig=signal.SIGKILL)  # must not kill the test runner
    assert pid_alive(os.getpid())


def test_a_server_that_cannot_start_fails_clearly(
    tmp_path: object, redis_server: RedisServer
) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    clash = RedisServer(tmp_path, redis_server.port)  # the port is taken
    with pytest.raises(
        ProcessError, match=r"redis-server (exited while starting|did not become ready)"
    ):
        clash.start()
