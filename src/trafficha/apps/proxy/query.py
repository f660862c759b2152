"""The proxy's query parameters: which ones a dataset forwards, checked and normalized, and the
cache key they make."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import urlencode

import msgspec

from trafficha.datasets.spec import Dataset

__all__ = ["Query", "QueryError", "normalize_query"]

# Query parameter names that carry a caller's key: dropped, never forwarded nor cached.
_KEY_PARAMS: Final = frozenset({"key", "servicekey", "apikey", "api_key"})


class QueryError(ValueError):
    """A query parameter has a value the proxy does not accept."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class Query(msgspec.Struct, frozen=True):
    """A normalized query: the parameters forwarded upstream, and the cache key they make."""

    params: tuple[tuple[str, str], ...]
    cache_key: str


def normalize_query(spec: Dataset[Any], items: Iterable[tuple[str, str]]) -> Query:
    """Keep the parameters ``spec`` forwards, checked and normalized, sorted by name.

    Empty values count as absent; key parameters and unknown ones are dropped; ``type``
    defaults to ``json``. The cache key is the dataset name and the sorted query.

    Raises:
        QueryError: a value is malformed, or a parameter is given twice.
    """
    values: dict[str, str] = {}
    for name, raw in items:
        if name.lower() in _KEY_PARAMS:
            continue
        param = spec.param(name)
        value = raw.strip()
        if param is None or not value:
            continue
        if name in values:
            raise QueryError(name, "given more than once")
        try:
            values[name] = param.normalize(value)
        except ValueError as exc:
            raise QueryError(name, str(exc)) from None
    values.setdefault("type", "json")
    params = tuple(sorted(values.items()))
    cache_key = f"{spec.endpoint}?{urlencode(params)}"
    # The validators bound every value, so the key fits the 255-character column.
    assert len(cache_key) <= 255, cache_key
    return Query(params, cache_key)
