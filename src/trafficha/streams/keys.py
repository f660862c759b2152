"""Redis key names of one pipeline, derived from the stream name so test runs never collide."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StreamKeys:
    """Every Redis key the pipeline uses, all derived from the stream and group names."""

    stream: str = "traffic-stream"
    group: str = "traffic-processor-group"

    @property
    def dead(self) -> str:
        """Dead letters: entries that were undecodable or delivered too often, with the reason."""
        return f"{self.stream}:dead"

    @property
    def quarantine(self) -> str:
        """Quarantined upstream rows: a bounded sample (stream of dataset, reason, row)."""
        return f"{self.stream}:quarantine"

    @property
    def quarantine_counts(self) -> str:
        """Quarantined upstream rows counted (hash: ``dataset|reason`` -> count)."""
        return f"{self.stream}:quarantine:counts"

    @property
    def produced(self) -> str:
        """Audit ledger, produced side: batch id -> record count (hash)."""
        return f"{self.stream}:produced"

    @property
    def lease(self) -> str:
        """The collector lease (value: the holder's random token)."""
        return f"{self.stream}:leader"

    @property
    def epoch(self) -> str:
        """Fencing epoch: INCR on every lease acquisition."""
        return f"{self.stream}:leader:epoch"

    @property
    def holder(self) -> str:
        """Who holds the lease (hash: producer, member, epoch), for status displays."""
        return f"{self.stream}:leader:holder"

    @property
    def data_version(self) -> str:
        """Counter bumped after every committed batch (API caches key on it)."""
        return f"{self.stream}:data-version"

    @property
    def events(self) -> str:
        """Pub/sub channel announcing commits and HA changes."""
        return f"{self.stream}:events"

    @property
    def events_log(self) -> str:
        """The same events in a capped stream: their entry ids let a viewer resume."""
        return f"{self.stream}:events:log"

    @property
    def freshness(self) -> str:
        """Last collection per kind (hash: kind -> JSON with time, count, source)."""
        return f"{self.stream}:freshness"

    @property
    def mode(self) -> str:
        """Runtime override of the collector's source mode (``trafficha mode``)."""
        return f"{self.stream}:mode"

    @property
    def source(self) -> str:
        """The collector's source state (JSON: mode, active source, switches, reason)."""
        return f"{self.stream}:source"

    @property
    def heartbeats(self) -> str:
        """Every service's last heartbeat (hash: member/service -> JSON)."""
        return f"{self.stream}:heartbeats"
