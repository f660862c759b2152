"""The gateway's data-API upstreams and their passive outlier detection.

Upstreams are tried in preference order (the gateway's own member first). A failure — no
connection, a timeout, a broken answer or a 5xx — counts against the upstream that failed; after
``eject_after`` consecutive failures it is ejected for ``eject_for`` seconds and skipped while
another upstream is in. An upstream coming back is on probation: its next failure ejects it again
at once, its next success clears it. A success always resets the count. When every upstream is
ejected they are all tried anyway, in preference order: failing without trying helps no one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Upstream", "UpstreamPool"]


@dataclass(slots=True)
class Upstream:
    """One data-API base URL and its outlier state."""

    url: str
    failures: int = 0
    ejected_until: float = 0.0
    ejections: int = 0

    def ejected(self, now: float) -> bool:
        return now < self.ejected_until


class UpstreamPool:
    """Upstreams in preference order, with consecutive-failure ejection."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        eject_after: int,
        eject_for: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not urls:
            raise ValueError("no upstream")
        self.upstreams = tuple(Upstream(url.rstrip("/")) for url in urls)
        self._eject_after = eject_after
        self._eject_for = eject_for
        self._clock = clock
        # The common case is nobody ejected: the preference order as is, no list built.
        self._any_ejected = False

    def order(self) -> Sequence[Upstream]:
        """The upstreams to try for one request, in order."""
        if not self._any_ejected:
            return self.upstreams
        now = self._clock()
        live = [u for u in self.upstreams if not u.ejected(now)]
        if len(live) == len(self.upstreams):
            self._any_ejected = False
        return live or self.upstreams

    def succeeded(self, upstream: Upstream) -> None:
        upstream.failures = 0
        if upstream.ejected_until:
            # Answered while ejected (every upstream was out) or just back: it is in again.
            upstream.ejected_until = 0.0

    def failed(self, upstream: Upstream) -> bool:
        """Count a failure; True when it ejects the upstream."""
        now = self._clock()
        if upstream.ejected(now):
            # Tried because every upstream was out, or a request in flight since before the
            # ejection: the ejection stands as it is.
            return False
        upstream.failures += 1
        if upstream.failures < self._eject_after:
            return False
        upstream.ejected_until = now + self._eject_for
        upstream.ejections += 1
        # Probation once it is back: one more failure ejects it again.
        upstream.failures = self._eject_after - 1
        self._any_ejected = True
        return True

    def ejected(self) -> list[bool]:
        """Whether each upstream is ejected now, in preference order."""
        now = self._clock()
        return [u.ejected(now) for u in self.upstreams]
