"""Events on the pub/sub channel: a commit (new data version), a leader change, a source change,
a change of the live services.

The data API relays them as server-sent events; tests and probes await them instead of polling.
"""

from __future__ import annotations

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


async def publish_event(redis: aioredis.Redis, keys: StreamKeys, event: Event) -> None:
    await redis.publish(keys.events, msgspec.json.encode(event))


def decode_event(data: bytes) -> Event:
    return _DECODER.decode(data)
