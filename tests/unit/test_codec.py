"""Stream entry decoding across schema versions: the first step of a version bump, rehearsed
with a made-up version 2 (docs/stream.md, "Schema versioning")."""

from __future__ import annotations

from datetime import datetime

import msgspec
import pytest

from tests.support.records import accident, accident_batch
from trafficha import SCHEMA_VERSION, AccidentBatch, StreamEntry, decode_entry, encode_entry
from trafficha.models.domain import Accident
from trafficha.streams import codec
from trafficha.streams.codec import UndecodableEntryError


class AccidentBatchV2(msgspec.Struct, frozen=True, kw_only=True, tag="accidents", tag_field="kind"):
    """Version 2, made up: the envelope's ``fetched_at`` renamed ``collected_at``, an
    incompatible change that needs a new version."""

    producer: str
    epoch: int
    source: str
    collected_at: datetime
    batch_id: str
    records: tuple[Accident, ...]


def read_v2(body: bytes) -> StreamEntry:
    v2 = msgspec.msgpack.decode(body, type=AccidentBatchV2)
    return AccidentBatch(
        producer=v2.producer,
        epoch=v2.epoch,
        source="real" if v2.source == "real" else "sim",
        fetched_at=v2.collected_at,
        batch_id=v2.batch_id,
        records=v2.records,
    )


def wire(fields: dict[str, bytes | str | int]) -> dict[bytes, bytes]:
    """The fields as Redis returns them: bytes."""
    return {k.encode(): v if isinstance(v, bytes) else str(v).encode() for k, v in fields.items()}


def test_a_new_version_is_read_once_its_reader_is_registered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    current = accident_batch([accident(1), accident(2)])
    v2 = AccidentBatchV2(
        producer=current.producer,
        epoch=current.epoch,
        source=current.source,
        collected_at=current.fetched_at,
        batch_id=current.batch_id,
        records=current.records,
    )
    v2_entry = {**wire(encode_entry(current)), b"v": b"2", b"body": msgspec.msgpack.encode(v2)}

    # Today's consumer refuses version 2 before reading its body: the consumer dead-letters it.
    with pytest.raises(
        UndecodableEntryError, match=r"unknown schema version '2' \(this consumer reads 1\)"
    ):
        decode_entry(v2_entry)

    # Step 1 of a bump: register the reader; both versions decode to the same batch.
    monkeypatch.setitem(codec.READERS, b"2", read_v2)
    assert decode_entry(v2_entry) == current
    assert decode_entry(wire(encode_entry(current))) == current
    with pytest.raises(UndecodableEntryError, match=r"this consumer reads 1, 2\)"):
        decode_entry({**v2_entry, b"v": b"3"})
    # The producer still writes the version of the build.
    assert encode_entry(current)["v"] == SCHEMA_VERSION


def test_a_body_that_does_not_match_its_version_is_undecodable() -> None:
    fields = wire(encode_entry(accident_batch([accident(1)])))
    with pytest.raises(UndecodableEntryError, match="undecodable body"):
        decode_entry({**fields, b"body": msgspec.msgpack.encode({"kind": "accidents"})})
    with pytest.raises(UndecodableEntryError, match="missing fields"):
        decode_entry({b"kind": b"accidents"})
