"""Real servers for the suite: one redis-server and one mariadbd per test session, on free
loopback ports, stopped by pid at the end. Each test gets its own key prefix and its own
database, so tests never see each other's data."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from trafficha.topology.processes import free_port
from trafficha.topology.servers import MariaDBServer, RedisServer, new_password


@dataclass(frozen=True)
class Database:
    """A database of the test's own on the session's mariadbd."""

    host: str
    port: int
    user: str
    password: str
    name: str

    @property
    def addr(self) -> str:
        return f"{self.host}:{self.port}"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"), free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mariadb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBServer]:
    server = MariaDBServer(tmp_path_factory.mktemp("mariadb"), free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def db_account(mariadb_server: MariaDBServer) -> tuple[str, str]:
    user, password = "trafficha_test", new_password()
    mariadb_server.ensure_user(user, password)
    return user, password


@pytest.fixture
def namespace() -> str:
    """A unique prefix for stream, group and key names of one test."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis_client(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis(host="127.0.0.1", port=redis_server.port)
    yield client
    await client.aclose()


@pytest.fixture
def database(
    mariadb_server: MariaDBServer, db_account: tuple[str, str], namespace: str
) -> Iterator[Database]:
    """An empty database for this test, dropped afterwards."""
    user, password = db_account
    with mariadb_server.admin() as conn, conn.cursor() as cur:
        cur.execute(
            f"CREATE DATABASE `{namespace}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    yield Database("127.0.0.1", mariadb_server.port, user, password, namespace)
    with mariadb_server.admin() as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{namespace}`")


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).parent.parent
