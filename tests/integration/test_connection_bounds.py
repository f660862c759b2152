"""The services' store clients stay within their bounds under a burst, against the real servers.

200 concurrent operations through one :func:`~trafficha.connections.redis_client` and one
:class:`~trafficha.store.DedupStore` pool never open more connections than ``REDIS_MAX_CONNECTIONS``
and ``DB_POOL_MAX`` (counted by the servers: ``INFO clients``, the processlist), every operation
succeeds (waiting for a free connection rather than failing), and once the client is closed the
servers' counts are back where they were.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as aioredis

from tests.conftest import Database
from tests.support.wait import eventually
from trafficha.config import Settings
from trafficha.connections import redis_client
from trafficha.secrets import Secret
from trafficha.store import DedupStore
from trafficha.store.db import connection
from trafficha.topology.servers import MariaDBServer, RedisServer

BURST = 200
REDIS_BOUND = 8
DB_BOUND = 5
HOLD = 0.05  # seconds each operation keeps its connection busy


class Peak:
    """Samples a count every few milliseconds while the burst runs; keeps the highest."""

    def __init__(self, count: Callable[[], Awaitable[int]]) -> None:
        self._count = count
        self.highest = 0

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[Peak]:
        stop = asyncio.Event()

        async def sample() -> None:
            while not stop.is_set():
                self.highest = max(self.highest, await self._count())
                await asyncio.sleep(0.01)

        task = asyncio.create_task(sample())
        try:
            yield self
        finally:
            stop.set()
            await task
            self.highest = max(self.highest, await self._count())


def back_to(count: Callable[[], Awaitable[int]], expected: int) -> Callable[[], Awaitable[bool]]:
    """The condition that the server's count is ``expected`` again (it notices a closed socket
    promptly, but not at once)."""

    async def check() -> bool:
        return await count() == expected

    return check


# --- Redis ------------------------------------------------------------------------------------


@pytest.fixture
async def redis_admin(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    """One connection of its own that counts the server's clients (itself included)."""
    admin = aioredis.Redis(host="127.0.0.1", port=redis_server.port, single_connection_client=True)
    yield admin
    await admin.aclose()


def redis_count(admin: aioredis.Redis) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        info = await admin.info("clients")
        return int(info["connected_clients"])

    return count


async def test_a_burst_through_a_redis_client_stays_within_its_bound_and_leaves_nothing(
    redis_server: RedisServer, redis_admin: aioredis.Redis, namespace: str
) -> None:
    count = redis_count(redis_admin)
    before = await count()
    settings = Settings(redis_addr=redis_server.addr, redis_max_connections=REDIS_BOUND)
    client = redis_client(settings)
    # The event hub's subscription holds one of the client's connections for good.
    pubsub = client.pubsub()
    await pubsub.subscribe(f"{namespace}:events")
    try:

        async def operation(i: int) -> None:
            # BLPOP on an empty list holds its connection for HOLD seconds.
            await client.blpop([f"{namespace}:empty:{i}"], timeout=HOLD)
            await client.set(f"{namespace}:k:{i}", i)

        async with Peak(count).watching() as peak:
            await asyncio.gather(*(operation(i) for i in range(BURST)))
        assert await client.get(f"{namespace}:k:{BURST - 1}") == str(BURST - 1).encode()
        # Bounded, and the bound was reached: the burst did queue for connections.
        assert peak.highest - before == REDIS_BOUND
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await client.aclose()
    await eventually(back_to(count, before), timeout=5, interval=0.05)


async def test_connects_and_disconnects_of_many_redis_clients_leave_the_count_as_it_was(
    redis_server: RedisServer, redis_admin: aioredis.Redis
) -> None:
    count = redis_count(redis_admin)
    before = await count()
    settings = Settings(redis_addr=redis_server.addr, redis_max_connections=REDIS_BOUND)

    async def one_client() -> None:
        client = redis_client(settings)
        try:
            await asyncio.gather(*(client.ping() for _ in range(20)))
        finally:
            await client.aclose()

    for _ in range(3):
        await asyncio.gather(*(one_client() for _ in range(20)))
    await eventually(back_to(count, before), timeout=5, interval=0.05)


# --- MariaDB ----------------------------------------------------------------------------------


def db_settings(database: Database, bound: int) -> Settings:
    return Settings(
        db_host=database.addr,
        db_user=database.user,
        db_password=Secret(database.password),
        db_name=database.name,
        db_pool_max=bound,
    )


def db_count(server: MariaDBServer, database: Database) -> Callable[[], Awaitable[int]]:
    """The sessions the server has open on this test's database."""
    admin = server.admin()

    def sessions() -> int:
        with admin.cursor() as cur:
            cur.execute(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = %s",
                (database.name,),
            )
            row = cur.fetchone()
        assert row is not None
        return int(row[0])

    async def count() -> int:
        return await asyncio.to_thread(sessions)

    return count


async def test_a_burst_through_a_store_pool_stays_within_its_bound_and_leaves_nothing(
    mariadb_server: MariaDBServer, database: Database
) -> None:
    count = db_count(mariadb_server, database)
    before = await count()
    store = await DedupStore.from_settings(db_settings(database, DB_BOUND), minsize=0)
    try:

        async def operation(i: int) -> int:
            async with connection(store.pool, "a burst") as conn, conn.cursor() as cur:
                await cur.execute("SELECT SLEEP(%s), %s", (HOLD, i))
                (_, value) = await cur.fetchone()
                return int(value)

        async with Peak(count).watching() as peak:
            results = await asyncio.gather(*(operation(i) for i in range(BURST)))
        assert results == list(range(BURST))
        assert peak.highest - before == DB_BOUND
        assert store.pool.size <= DB_BOUND
    finally:
        await store.close()
    await eventually(back_to(count, before), timeout=5, interval=0.05)


async def test_cancelled_queries_do_not_take_the_pool_past_its_bound(
    mariadb_server: MariaDBServer, database: Database
) -> None:
    count = db_count(mariadb_server, database)
    before = await count()
    store = await DedupStore.from_settings(db_settings(database, DB_BOUND), minsize=0)
    try:

        async def operation(i: int) -> None:
            # Every other one gives up mid-query, as a request past its timeout does.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(HOLD if i % 2 else None):
                    async with connection(store.pool, "a burst") as conn, conn.cursor() as cur:
                        await cur.execute("SELECT SLEEP(%s)", (HOLD * 4,))

        async with Peak(count).watching() as peak:
            await asyncio.gather(*(operation(i) for i in range(40)))
        # A session closed mid-query must not linger on the server beside its replacement.
        assert peak.highest - before <= DB_BOUND
    finally:
        await store.close()
    await eventually(back_to(count, before), timeout=5, interval=0.05)
