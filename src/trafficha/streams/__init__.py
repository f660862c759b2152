"""Redis Streams transport: fenced producer, at-least-once consumer, key names and codec."""

from trafficha.streams.codec import UndecodableEntryError, decode_entry, encode_entry
from trafficha.streams.consumer import ConsumerStats, RetryableError, StreamConsumer
from trafficha.streams.keys import StreamKeys
from trafficha.streams.producer import NotLeaderError, StreamProducer, ensure_group

__all__ = [
    "ConsumerStats",
    "NotLeaderError",
    "RetryableError",
    "StreamConsumer",
    "StreamKeys",
    "StreamProducer",
    "UndecodableEntryError",
    "decode_entry",
    "encode_entry",
    "ensure_group",
]
