"""A stream entry's fields as Redis returns them (bytes) decode to the batch that was encoded.
No server; the entries through a real redis-server are tests/integration/test_streams.py."""

from __future__ import annotations

from tests.support.records import accident, accident_batch
from trafficha.streams import decode_entry, encode_entry


async def test_entry_round_trip_keeps_every_field() -> None:
    batch = accident_batch([accident(1), accident(2)])
    fields = {
        k.encode(): (v if isinstance(v, bytes) else str(v).encode())
        for k, v in encode_entry(batch).items()
    }
    assert decode_entry(fields) == batch
