"""The gateway's upstream pool with a fake clock: ejection after consecutive failures, probation
on return, and everyone tried when everyone is ejected. The pool in front of real data APIs is
tests/integration/test_gateway.py."""

from __future__ import annotations

from trafficha.apps.gateway.upstreams import UpstreamPool


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_pool_ejects_after_consecutive_failures_and_probes_on_return() -> None:
    clock = FakeClock()
    pool = UpstreamPool(["http://a", "http://b"], eject_after=2, eject_for=10, clock=clock)
    a, b = pool.upstreams

    assert not pool.failed(a)
    pool.succeeded(a)  # a success resets the count
    assert not pool.failed(a)
    assert pool.failed(a)  # two in a row: out
    assert list(pool.order()) == [b]
    assert not pool.failed(a)  # a late failure does not extend the ejection
    clock.now += 9.9
    assert list(pool.order()) == [b]
    clock.now += 0.2
    assert list(pool.order()) == [a, b]
    assert pool.failed(a)  # probation: one failure is enough now
    assert a.ejections == 2
    clock.now += 10.1
    pool.succeeded(a)
    assert not pool.failed(a)  # cleared by the success: two needed again
    assert pool.ejected() == [False, False]


def test_pool_tries_everyone_when_everyone_is_ejected() -> None:
    clock = FakeClock()
    pool = UpstreamPool(["http://a", "http://b"], eject_after=1, eject_for=10, clock=clock)
    a, b = pool.upstreams
    assert pool.failed(b)
    assert list(pool.order()) == [a]
    assert pool.failed(a)
    assert list(pool.order()) == [a, b]  # preference order, rather than failing untried
    pool.succeeded(b)  # an answer while ejected brings it back at once
    assert list(pool.order()) == [b]
