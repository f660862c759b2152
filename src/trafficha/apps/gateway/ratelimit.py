"""Per-client token buckets: ``rate`` requests per second, bursts of ``burst``.

A client is the first address of ``X-Forwarded-For`` (the ingress adds it) or else the peer
address; clients in the exempt networks (:class:`Exemptions`: loopback by default, the machine's
own operators and load tools) are never limited. The table is bounded: when it is full, buckets
idle long enough to have refilled are dropped first — a full bucket and a new one are the same,
so that loses nothing — and if that is not enough (a flood of distinct clients), the oldest
entries go.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Any, Final

__all__ = ["MAX_CLIENTS", "Exemptions", "TokenBuckets", "client_address"]

MAX_CLIENTS: Final = 10_000
# After an overflow, room is made down to this share of the table, so a flood of new clients
# costs one sweep per several thousand inserts rather than one per insert.
_REFILL_TO: Final = 0.9


def client_address(scope: Any) -> bytes:
    """The client a request counts against (bytes: no decoding on the hot path)."""
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            first: bytes = value.split(b",", 1)[0].strip()
            if first:
                return first
            break
    client = scope.get("client")
    return client[0].encode() if client else b"unknown"


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Exemptions:
    """Which clients are never limited; the answer per address is remembered (bounded)."""

    def __init__(self, networks: Sequence[Network], *, max_clients: int = MAX_CLIENTS) -> None:
        self._networks = tuple(networks)
        self._max = max_clients
        self._known: dict[bytes, bool] = {}

    def __contains__(self, client: bytes) -> bool:
        known = self._known.get(client)
        if known is None:
            known = self._lookup(client)
            if len(self._known) >= self._max:
                self._known.clear()  # a flood of addresses: start over, answers are cheap
            self._known[client] = known
        return known

    def _lookup(self, client: bytes) -> bool:
        if not self._networks:
            return False
        try:
            address = ipaddress.ip_address(client.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            return False  # not an address (a forged header): limited like anyone
        return any(address in network for network in self._networks)


class TokenBuckets:
    """A bounded table of token buckets, one per client."""

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = rate
        self._burst = burst if burst is not None else 2 * rate
        self._max = max_clients
        self._clock = clock
        self._refill_time = self._burst / rate
        # client -> [tokens, last update]; a list, updated in place, is the cheapest mutable cell.
        self._buckets: dict[bytes, list[float]] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, client: bytes) -> float:
        """Take a token: 0.0 when the request may go, else the seconds until one is available."""
        now = self._clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) >= self._max:
                self._evict(now)
            self._buckets[client] = [self._burst - 1.0, now]
            return 0.0
        tokens = min(self._burst, bucket[0] + (now - bucket[1]) * self._rate)
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0.0
        bucket[0] = tokens
        return (1.0 - tokens) / self._rate

    def _evict(self, now: float) -> None:
        idle = [c for c, (_, last) in self._buckets.items() if now - last >= self._refill_time]
        for client in idle:
            del self._buckets[client]
        excess = len(self._buckets) - int(self._max * _REFILL_TO)
        if excess > 0:
            # Insertion order: the oldest clients first. They start again with a full bucket.
            for client in list(islice(self._buckets, excess)):
                del self._buckets[client]
