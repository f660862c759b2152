"""Whatever bytes the upstream sends, every dataset's parser answers records plus quarantined
rows, or a typed ``ProviderError``, never another exception (issue 14, point 3)."""

from __future__ import annotations

import re

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trafficha.datasets.registry import DATASETS
from trafficha.datasets.spec import Dataset
from trafficha.errors import ProviderError, ProviderPayloadError
from trafficha.providers.kec import parse_page

IDS = [d.kind for d in DATASETS]
DEPTH = 100_000


def success(dataset: Dataset[object], rows: bytes, **envelope: object) -> bytes:
    head = msgspec.json.encode({"code": "SUCCESS", "message": "ok", "count": 1, **envelope})
    return head[:-1] + b',"' + dataset.feed.list_key.encode() + b'":' + rows + b"}"


HOSTILE = {
    "deep nesting in the list": lambda d: success(d, b"[" * DEPTH + b"]" * DEPTH),
    "deep nesting in a row": lambda d: success(d, b'[{"x":' + b"[" * DEPTH + b"]" * DEPTH + b"}]"),
    "a list that is not a list": lambda d: success(d, b'{"vdsId":"1"}'),
    "a count that is not a number": lambda d: msgspec.json.encode(
        {"code": "SUCCESS", "message": "ok", "count": "many"}
    ),
    "truncated JSON": lambda d: success(d, b"[{")[:-3],
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("dataset", DATASETS, ids=IDS)
def test_a_hostile_body_is_a_payload_error(dataset: Dataset[object], case: str) -> None:
    with pytest.raises(ProviderPayloadError):
        dataset.parse(HOSTILE[case](dataset))


# Bad rows inside a usable envelope: each is quarantined with its reason, never raised.
BAD_ROWS = {
    # Where the decoder reads the string, the reason names the bytes; where it skips an unknown
    # key, the row misses its own required fields.
    "invalid UTF-8 in a row's string": (b'{"vdsId":"\xff\xfe"}', "invalid utf-8|missing"),
    "a row that is not an object": (b"1", "Expected `object`, got `int`"),
    "a row that is a list": (b"[]", "Expected `object`, got `array`"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
@pytest.mark.parametrize("dataset", DATASETS, ids=IDS)
def test_a_hostile_row_is_quarantined(dataset: Dataset[object], case: str) -> None:
    row, reason = BAD_ROWS[case]
    parsed = dataset.parse(success(dataset, b"[" + row + b"," + row + b"]", pageNo=2))
    assert list(parsed) == []
    assert [(r.page, r.row) for r in parsed.rejected] == [(2, 0), (2, 1)]
    assert all(re.search(reason, r.reason, re.IGNORECASE) for r in parsed.rejected), parsed.rejected


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b'<?xml version="1.0" encoding="UTF-8"?><response><code>SUCCESS</code></response>', "XML"),
        (b"\n<data><count>1</count></data>", "XML"),
        (b"<!DOCTYPE html><html><title>Request Blocked</title></html>", "an HTML page"),
        (b"<html><body>502</body></html>", "an HTML page"),
    ],
)
def test_markup_is_named_for_what_it_is(body: bytes, named: str) -> None:
    for dataset in DATASETS:
        with pytest.raises(ProviderPayloadError, match=f"^upstream sent {named} instead of JSON"):
            dataset.parse(body)


@pytest.mark.parametrize("field", ["count", "pageSize", "pageNo"])
def test_paging_figures_that_are_not_numbers_are_payload_errors(field: str) -> None:
    body = msgspec.json.encode({"code": "SUCCESS", "message": "ok", field: "x1"})
    with pytest.raises(ProviderPayloadError, match="paging figures"):
        parse_page(body)


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=400), dataset=st.sampled_from(DATASETS))
def test_any_bytes_give_records_or_a_provider_error(body: bytes, dataset: Dataset[object]) -> None:
    try:
        records = dataset.parse(body)
    except ProviderError:
        return
    assert isinstance(records, list)
    assert all(r.reason and r.excerpt is not None for r in records.rejected)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(JSONISH, max_size=4), extra=JSONISH, dataset=st.sampled_from(DATASETS))
def test_any_json_rows_give_records_or_a_provider_error(
    rows: list[object], extra: object, dataset: Dataset[object]
) -> None:
    body = success(dataset, msgspec.json.encode(rows), pageSize=extra)
    for candidate in (body, parse_page_body(extra)):
        try:
            parsed = dataset.parse(candidate)
        except ProviderError:
            continue
        # Nothing lost: every row of a usable envelope is a record or a quarantined row.
        if candidate is body:
            assert len(parsed) + len(parsed.rejected) == len(rows)
        try:
            parse_page(candidate)
        except ProviderError:
            continue


def parse_page_body(count: object) -> bytes:
    return msgspec.json.encode({"code": "SUCCESS", "message": "ok", "count": count})
