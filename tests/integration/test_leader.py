"""The collector lease against a real redis-server: one leader, fencing, fast takeover."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as aioredis

from tests.support.records import accident, accident_batch
from trafficha.leader import LeaderLease
from trafficha.streams import NotLeaderError, StreamKeys, StreamProducer

pytestmark = pytest.mark.integration

TTL_MS = 600


@pytest.fixture
def keys(namespace: str) -> StreamKeys:
    return StreamKeys(stream=f"{namespace}:stream", group=f"{namespace}:group")


async def test_only_one_instance_holds_the_lease(
    redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    a = LeaderLease(redis_client, keys, "member1/a", ttl_ms=TTL_MS)
    b = LeaderLease(redis_client, keys, "member2/b", ttl_ms=TTL_MS)
    assert await a.try_acquire()
    assert not await b.try_acquire()
    assert a.is_leader
    assert not b.is_leader
    holder = await redis_client.hgetall(keys.holder)
    assert holder == {b"holder": b"member1/a", b"epoch": str(a.epoch).encode()}
    # Renewal and release work only for the owner.
    assert await a.renew()
    assert not await b.renew()
    await b.release()
    assert await redis_client.get(keys.lease) == a.token.encode()  # type: ignore[union-attr]
    await a.release()
    assert await redis_client.get(keys.lease) is None


async def test_a_dead_leader_is_replaced_within_ttl_plus_one_interval_with_a_higher_epoch(
    redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    producer = StreamProducer(redis_client, keys)
    await producer.ensure_group()
    dead = LeaderLease(redis_client, keys, "member1/dead", ttl_ms=TTL_MS)
    assert await dead.try_acquire()
    died_at = time.monotonic()  # it never renews again: a SIGKILLed or paused process
    old_token, old_epoch = dead.token, dead.epoch
    assert old_epoch is not None

    acquired: asyncio.Queue[int] = asyncio.Queue()

    async def on_acquired(epoch: int) -> None:
        await acquired.put(epoch)

    standby = LeaderLease(
        redis_client, keys, "member2/standby", ttl_ms=TTL_MS, on_acquired=on_acquired
    )
    task = asyncio.create_task(standby.run())
    try:
        new_epoch = await asyncio.wait_for(acquired.get(), timeout=5)
        took_over_after = time.monotonic() - died_at
        assert new_epoch > old_epoch
        assert took_over_after <= (TTL_MS + TTL_MS / 3) / 1000 + 0.1, took_over_after
        # The former leader's fenced publish is refused: it cannot write after losing the lease.
        with pytest.raises(NotLeaderError):
            await producer.publish(
                accident_batch([accident(1)], epoch=old_epoch), lease_token=old_token
            )
        assert await redis_client.xlen(keys.stream) == 0
        # The new leader's publish goes through.
        assert standby.token is not None
        await producer.publish(
            accident_batch([accident(2)], epoch=new_epoch), lease_token=standby.token
        )
        assert await redis_client.xlen(keys.stream) == 1
        # The former leader notices its loss at its next renewal.
        lost: list[int] = []

        async def on_lost(epoch: int) -> None:
            lost.append(epoch)

        dead._on_lost = on_lost
        assert not await dead.renew()
        assert lost == [old_epoch]
        assert not dead.is_leader
    finally:
        standby.stop()
        await task


async def test_a_running_leader_keeps_the_lease_and_hands_it_over_on_stop(
    redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    epochs: list[tuple[str, int]] = []
    changed = asyncio.Event()

    def recorder(name: str) -> LeaderLease:
        async def on_acquired(epoch: int) -> None:
            epochs.append((name, epoch))
            changed.set()

        return LeaderLease(redis_client, keys, name, ttl_ms=TTL_MS, on_acquired=on_acquired)

    a, b = recorder("a"), recorder("b")
    task_a = asyncio.create_task(a.run())
    await asyncio.wait_for(changed.wait(), timeout=5)
    changed.clear()
    task_b = asyncio.create_task(b.run())
    # Across several TTLs the leader renews: no change of leader happens.
    deadline = time.monotonic() + 3 * TTL_MS / 1000
    while time.monotonic() < deadline:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout=deadline - time.monotonic())
    assert epochs == [("a", epochs[0][1])]
    a.stop()
    await task_a  # releases: b takes over at its next poll, without waiting for the TTL
    await asyncio.wait_for(changed.wait(), timeout=TTL_MS / 1000)
    assert epochs[1] == ("b", epochs[0][1] + 1)
    b.stop()
    await task_b
