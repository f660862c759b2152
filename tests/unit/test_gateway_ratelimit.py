"""The gateway's per-client token buckets with a fake clock: burst, refill, Retry-After, and a
bounded table. The rate limit through a running gateway is tests/integration/test_gateway.py."""

from __future__ import annotations

import pytest

from trafficha.apps.gateway.ratelimit import Exemptions, TokenBuckets
from trafficha.config import load_settings
from trafficha.errors import ConfigError


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


def test_exempt_networks_are_never_limited_and_the_rest_are() -> None:
    settings = load_settings({})
    exempt = Exemptions(settings.rate_limit_exempt, max_clients=3)
    assert settings.gateway_rate_limit == 50  # a realistic default: a dashboard needs a dozen
    for loopback in (b"127.0.0.1", b"127.8.9.10", b"::1"):
        assert loopback in exempt
    for public in (b"203.0.113.7", b"10.0.0.1", b"::ffff:203.0.113.7", b"not-an-ip", b""):
        assert public not in exempt
    # Remembered per address, bounded: more addresses than the table holds still answer right.
    assert [b"127.0.0.%d" % n in exempt for n in range(10)] == [True] * 10
    assert b"198.51.100.1" not in Exemptions(())


def test_exempt_networks_are_checked_at_start() -> None:
    assert load_settings({"GATEWAY_RATE_LIMIT_EXEMPT": "none"}).rate_limit_exempt == ()
    both = load_settings({"GATEWAY_RATE_LIMIT_EXEMPT": "10.0.0.0/8, 192.0.2.1"})
    assert [str(n) for n in both.rate_limit_exempt] == ["10.0.0.0/8", "192.0.2.1/32"]
    with pytest.raises(ConfigError, match="GATEWAY_RATE_LIMIT_EXEMPT"):
        load_settings({"GATEWAY_RATE_LIMIT_EXEMPT": "10.0.0.0/33"})
