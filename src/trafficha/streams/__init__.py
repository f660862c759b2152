"""Redis Streams transport: fenced producer, at-least-once consumer, key names and codec."""

from trafficha.streams.codec import UndecodableEntryError, decode_entry, encode_entry
from trafficha.streams.consumer import ConsumerStats, RetryableError, StreamConsumer
from trafficha.streams.deadletters import (
    DeadLetter,
    UnknownDeadLetterError,
    dead_letters,
    replay_dead_letters,
)
from trafficha.streams.keys import StreamKeys
from trafficha.streams.producer import NotLeaderError, StreamProducer, ensure_group

__all__ = [
    "ConsumerStats",
    "DeadLetter",
    "NotLeaderError",
    "RetryableError",
    "StreamConsumer",
    "StreamKeys",
    "StreamProducer",
    "UndecodableEntryError",
    "UnknownDeadLetterError",
    "dead_letters",
    "decode_entry",
    "encode_entry",
    "ensure_group",
    "replay_dead_letters",
]
