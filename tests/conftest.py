"""Real servers for the suite: one redis-server and one mariadbd per test session, on free
loopback ports, stopped by pid at the end. Each test gets its own key prefix and its own
database, so tests never see each other's data."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from trafficha.store import DedupStore
from trafficha.topology.processes import free_port
from trafficha.topology.servers import MariaDBServer, RedisServer, new_password

TESTS = Path(__file__).parent
# Every test in these directories carries the marker, so nobody decorates them one by one:
# ``make test-fast`` deselects them with ``-m "not integration and not e2e and not slow"``.
MARKER_BY_DIRECTORY = {"integration": "integration", "e2e": "e2e"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its directory; slow ones carry ``@pytest.mark.slow`` themselves."""
    for item in items:
        if not item.path.is_relative_to(TESTS):
            continue
        where = item.path.relative_to(TESTS)
        marker = MARKER_BY_DIRECTORY.get(where.parts[0])
        if marker is not None:
            item.add_marker(marker)


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

    def env(self) -> dict[str, str]:
        """The settings that point a service at this database."""
        return {
            "DB_HOST": self.addr,
            "DB_USER": self.user,
            "DB_PASSWORD": self.password,
            "DB_NAME": self.name,
        }


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


@contextmanager
def scratch_database(
    server: MariaDBServer, account: tuple[str, str], name: str
) -> Iterator[Database]:
    """An empty database of its own on the session's mariadbd, dropped afterwards."""
    user, password = account
    with server.admin() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        yield Database("127.0.0.1", server.port, user, password, name)
    finally:
        with server.admin() as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def database(
    mariadb_server: MariaDBServer, db_account: tuple[str, str], namespace: str
) -> Iterator[Database]:
    """An empty database for this test."""
    with scratch_database(mariadb_server, db_account, namespace) as db:
        yield db


@pytest.fixture
async def store(database: Database) -> AsyncIterator[DedupStore]:
    """A migrated store on this test's database."""
    async with await DedupStore.open(
        database.host, database.port, database.user, database.password, database.name
    ) as opened:
        await opened.migrate()
        yield opened


@pytest.fixture(scope="module")
def module_database(
    mariadb_server: MariaDBServer, db_account: tuple[str, str]
) -> Iterator[Database]:
    """One empty database shared by a module's tests (each keeps to its own keys)."""
    with scratch_database(mariadb_server, db_account, f"m{uuid.uuid4().hex[:12]}") as db:
        yield db


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).parent.parent
