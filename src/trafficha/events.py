"""Events: a commit (new data version), a leader change, a source change, a change of the live
services.

Each published event goes, in one transaction, to the event log (a capped Redis stream whose
entry ids are the events' ids, the same for every reader) and to the pub/sub channel. The event
hubs of the data APIs and gateways follow the log, so a viewer that reconnects with the id of
the last event it saw (``Last-Event-ID``) resumes without a gap, on any member; tests and probes
await the channel instead of polling.
"""

from __future__ import annotations

from typing import Final

import msgspec
import redis.asyncio as aioredis

from trafficha.streams.keys import StreamKeys


class CommitEvent(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", tag="commit", tag_field="type"
):
    """A processor committed a batch: the data version moved."""

    kind: str
    batch_id: str
    inserted: int
    duplicates: int
    version: int
    # Rows whose shown content the batch changed (new, updated or cleared) where the dataset
    # counts them (incidents), else None: 0 means a dashboard has nothing to refetch.
    changed: int | None = None


class LeaderEvent(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", tag="leader", tag_field="type"
):
    """A collector acquired the lease."""

    holder: str
    epoch: int


class SourceEvent(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", tag="source", tag_field="type"
):
    """The collectors' source changed: a runtime mode change or an auto-mode switch."""

    mode: str
    active: str
    reason: str


class MembersEvent(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", tag="members", tag_field="type"
):
    """The set of live services changed (a member died or came back); sent by the data API."""

    alive: tuple[str, ...]
    down: tuple[str, ...]


Event = CommitEvent | LeaderEvent | SourceEvent | MembersEvent
_DECODER: msgspec.json.Decoder[Event] = msgspec.json.Decoder(Event)


# Events kept in the log: at a commit every few seconds, well over an hour of them, so a viewer
# away for a failover (or a laptop lid closed for a while) resumes instead of refetching.
EVENT_LOG_MAX: Final = 10_000
EVENT_FIELD: Final = b"e"


async def publish_event(redis: aioredis.Redis, keys: StreamKeys, event: Event) -> None:
    data = msgspec.json.encode(event)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(keys.events_log, {EVENT_FIELD: data}, maxlen=EVENT_LOG_MAX, approximate=True)
        pipe.publish(keys.events, data)
        await pipe.execute()


def decode_event(data: bytes) -> Event:
    return _DECODER.decode(data)
