"""A custom service written against the public API only, as another team would write one.

Nothing here runs: ``mypy --strict`` checks it (``make typecheck``), so a change that breaks the
types a custom service relies on fails the build. ``tests/unit/test_public_api.py`` checks that
misuse of the same API is rejected.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, TypeVar, assert_type, cast

from litestar import Litestar

import trafficha
from trafficha import (
    ACCIDENTS,
    Accident,
    AccidentBatch,
    ApplyResult,
    Collector,
    Dataset,
    DedupStore,
    LeaderLease,
    Provider,
    RetryableError,
    Settings,
    StoredAccident,
    StreamConsumer,
    StreamEntry,
    StreamKeys,
    StreamProducer,
    create_data_api_app,
    decode_entry,
    encode_entry,
    latest_accidents,
    load_settings,
    now_kst,
    parse_accidents,
    redis_client,
    stream_keys,
)

RecordT = TypeVar("RecordT")


class ReplayProvider:
    """Satisfies :class:`trafficha.Provider` structurally, without inheriting from it."""

    source: Literal["sim"] = "sim"

    def __init__(self, accidents: list[Accident]) -> None:
        self.accidents = accidents

    async def fetch(self, dataset: Dataset[RecordT]) -> list[RecordT]:
        # Only incidents are replayed; the typed handle narrows what the caller gets back.
        return cast(list[RecordT], list(self.accidents)) if dataset is ACCIDENTS else []

    async def aclose(self) -> None:
        return None


def plug_in(provider: Provider, settings: Settings) -> Collector:
    return Collector(
        redis_client(settings),
        stream_keys(settings),
        provider,
        holder="custom/collector-1",
        intervals={"accidents": 10.0},
    )


async def on_batch(batch: StreamEntry) -> None:
    if isinstance(batch, AccidentBatch):
        for accident in batch.records:
            assert_type(accident, Accident)
            assert_type(accident.occurred_at.isoformat(), str)
        return
    raise RetryableError(f"{batch.kind} is handled elsewhere")


async def custom_service() -> None:
    settings = load_settings()
    assert_type(settings, Settings)
    assert_type(settings.collect_interval, timedelta)
    redis = redis_client(settings)
    own = StreamKeys(stream=settings.stream_key, group="custom-group")
    consumer = StreamConsumer(redis, own, "custom-1", on_batch, max_deliveries=3)
    assert_type(await consumer.read_new(), int)
    lease = LeaderLease(redis, own, "custom/leader-1", ttl_ms=3000)
    assert_type(await lease.try_acquire(), bool)
    producer = StreamProducer(redis, own, maxlen=1000)
    batch = AccidentBatch(
        producer="custom",
        epoch=1,
        source="sim",
        fetched_at=now_kst(),
        batch_id="b-1",
        records=tuple(parse_accidents(b"")),
    )
    assert_type(await producer.publish(batch), str)
    assert_type(encode_entry(batch)["kind"], bytes | str | int)
    raw: dict[bytes, bytes] = {b"v": b"1", b"kind": b"accidents", b"body": b""}
    assert_type(decode_entry(raw), StreamEntry)
    async with await DedupStore.from_settings(settings) as store:
        assert_type(await store.apply(batch), ApplyResult)
        rows = await latest_accidents(store, 10, route_no="0010")
        assert_type(rows, list[StoredAccident])
    replay = ReplayProvider([])
    plug_in(replay, settings)
    assert_type(await replay.fetch(ACCIDENTS), list[Accident])
    assert_type(create_data_api_app(settings), Litestar)
    assert_type(trafficha.__version__, str)
    await redis.aclose()
