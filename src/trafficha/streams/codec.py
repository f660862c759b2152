"""Stream entry encoding: msgpack body plus a few plain fields for humans and dead letters.

Fields of an entry: ``v`` (schema version), ``kind``, ``batch`` (batch id), ``epoch``, ``n``
(record count) and ``body`` (the msgspec-encoded batch). The version travels outside the body so
a consumer can refuse a version it does not know before trying to decode it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Union

import msgspec

from trafficha.datasets.registry import entry_types
from trafficha.errors import TrafficHaError
from trafficha.models.stream import SCHEMA_VERSION, RoadBatch, StreamEntry

_ENCODER: Final = msgspec.msgpack.Encoder()
# The tagged union of every registered dataset's batch (the tag is the kind).
_ENTRY_UNION: Final[Any] = Union[entry_types()]  # noqa: UP007 - built from a runtime tuple

# Every schema version this build reads -> how to turn such a body into today's batch. The
# producer writes SCHEMA_VERSION only. A version bump first adds the next version's reader here
# (its own structs, converted to these), rolls out, and only then writes it: consumers never stop
# (docs/stream.md, "Schema versioning").
READERS: Final[dict[bytes, Callable[[bytes], StreamEntry]]] = {
    str(SCHEMA_VERSION).encode(): msgspec.msgpack.Decoder(_ENTRY_UNION).decode,
}


# The fields of an entry, in the order encode_entry writes them. A dead letter carries these
# beside its own (reason, consumer, origin_id); a replay copies exactly these back.
ENTRY_FIELDS: Final = ("v", "kind", "batch", "epoch", "n", "body")


class UndecodableEntryError(TrafficHaError):
    """A stream entry that cannot become a batch: the reason goes to the dead-letter stream."""


def record_count(batch: StreamEntry) -> int:
    """Records a batch carries (a road batch's route summaries count as records)."""
    extra = len(batch.summaries) if isinstance(batch, RoadBatch) else 0
    return len(batch.records) + extra


def encode_entry(batch: StreamEntry) -> dict[str, bytes | str | int]:
    """The stream fields for one batch."""
    return {
        "v": SCHEMA_VERSION,
        "kind": batch.kind,
        "batch": batch.batch_id,
        "epoch": batch.epoch,
        "n": record_count(batch),
        "body": _ENCODER.encode(batch),
    }


def decode_entry(fields: dict[bytes, bytes]) -> StreamEntry:
    """The batch of a stream entry.

    Its datetimes are aware and in UTC (msgpack timestamps carry no zone): the same instants
    the producer sent, unambiguous; convert with :func:`trafficha.to_kst` to show them in KST.

    Raises:
        UndecodableEntryError: missing fields, an unknown schema version or a body that does
            not decode (the message says which).
    """
    version = fields.get(b"v")
    if version is None or b"body" not in fields:
        raise UndecodableEntryError("missing fields: not a trafficha batch entry")
    read = READERS.get(version)
    if read is None:
        known = ", ".join(v.decode() for v in sorted(READERS))
        raise UndecodableEntryError(
            f"unknown schema version {version.decode(errors='replace')!r} "
            f"(this consumer reads {known})"
        )
    try:
        return read(fields[b"body"])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise UndecodableEntryError(f"undecodable body: {exc}") from None
