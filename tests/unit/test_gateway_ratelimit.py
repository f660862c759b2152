"""The gateway's per-client token buckets with a fake clock: burst, refill, Retry-After, and a
bounded table. The rate limit through a running gateway is tests/integration/test_gateway.py."""

from __future__ import annotations

import pytest

from trafficha.apps.gateway.ratelimit import TokenBuckets


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_buckets_burst_refill_and_retry_after() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(5.0, clock=clock)
    assert [buckets.take(b"x") for _ in range(10)] == [0.0] * 10
    wait = buckets.take(b"x")
    assert wait == pytest.approx(0.2)
    assert buckets.take(b"y") == 0.0  # another client, its own bucket
    clock.now += 0.2
    assert buckets.take(b"x") == 0.0
    assert buckets.take(b"x") > 0


def test_token_bucket_table_is_bounded() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(1.0, max_clients=100, clock=clock)
    for i in range(100):
        buckets.take(f"idle-{i}".encode())
    clock.now += 2.0  # a full refill: these buckets are as good as new ones
    buckets.take(b"busy")
    buckets.take(b"busy")
    assert len(buckets) == 1  # the idle ones went, the busy one stayed
    for i in range(1000):
        buckets.take(f"flood-{i}".encode())
    assert len(buckets) <= 100
