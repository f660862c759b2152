"""What one dataset is, in one place: the descriptor every part of the pipeline loops over.

A :class:`Dataset` holds everything that differs between KEC datasets: where KEC serves it and
how its envelope looks (:class:`Feed`), how a payload parses into domain records, the stream
batch it travels in, the tables it lands in (:class:`Table`, natural key included), which
settings give its URL, key, collection interval and proxy TTL, which query parameters the proxy
forwards, and how the simulator answers it. The collector, the providers, the proxy, the
simulator and the store know no dataset by name.

This module imports nothing of trafficha but models and config, so every layer may use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import msgspec

from trafficha.config import Settings
from trafficha.models.quarantine import Parsed
from trafficha.models.stream import StreamEntry
from trafficha.secrets import Secret

if TYPE_CHECKING:
    from trafficha.sim.world import TrafficWorld

__all__ = [
    "LIST",
    "PAGE_PARAMS",
    "PAGING_KEYS",
    "ROUTE_NO_PARAM",
    "STATUS_KEYS",
    "UNIT_CODE_PARAM",
    "Dataset",
    "Feed",
    "PageSpec",
    "Param",
    "Row",
    "SimRequest",
    "Statement",
    "Table",
    "TableRows",
    "fresh",
    "integer_param",
    "pattern_param",
]

RecordT = TypeVar("RecordT")
Row = tuple[object, ...]
TableRows = list[tuple["Table", list[Row]]]
Statement = tuple[str, tuple[object, ...]]
"""One SQL statement and its arguments (datetimes aware: the store converts them)."""

LIST: Final = "<list>"  # where the list goes in an envelope's key order
PAGING_KEYS: Final = ("count", "pageNo", "numOfRows", "pageSize")
STATUS_KEYS: Final = ("message", "code")


# --- the upstream side ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Feed:
    """One KEC endpoint: its path, envelope, paging and the parameters we always send.

    Attributes:
        path: the path under the portal (``/openapi/...``).
        list_key: the key holding the rows (the documented one; the dataset's parser also
            looks under the keys KEC has moved lists to before).
        keys: envelope keys in wire order, :data:`LIST` marking the list.
        max_rows: the most rows a page holds, whatever ``numOfRows`` asks; 0 = no paging.
        params: parameters the collector always sends.
        page_rows: the ``numOfRows`` the collector asks for.
    """

    path: str
    list_key: str
    keys: tuple[str, ...]
    max_rows: int
    params: Mapping[str, str] = field(default_factory=dict)
    page_rows: int = 100

    @property
    def paging(self) -> bool:
        """Whether the feed pages (and so sends ``pageNo``/``numOfRows``/``pageSize``)."""
        return self.max_rows > 0


@dataclass(frozen=True, slots=True)
class PageSpec:
    """The page a request gets: honoured ``numOfRows``, ``pageNo``, page count, row slice."""

    page_no: int
    num_of_rows: int
    page_count: int
    total: int

    @property
    def rows(self) -> slice:
        """The slice of the full list on this page."""
        start = (self.page_no - 1) * self.num_of_rows
        return slice(start, start + self.num_of_rows)

    @property
    def first_row(self) -> int:
        """The 1-based position of the page's first row in the full list."""
        return (self.page_no - 1) * self.num_of_rows + 1


# --- query parameters the proxy forwards ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    """A query parameter an endpoint forwards: how a value is checked and normalized."""

    name: str
    normalize: Callable[[str], str]


def integer_param(name: str, low: int, high: int) -> Param:
    """A decimal integer within bounds, normalized without leading zeros."""

    def check(value: str) -> str:
        if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
            raise ValueError(f"must be an integer from {low} to {high}")
        return str(int(value))

    return Param(name, check)


def pattern_param(
    name: str, regex: str, expected: str, *, fold: Callable[[str], str] = str
) -> Param:
    """A value matching ``regex`` once folded (``str.upper`` for case-free codes)."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        folded = fold(value)
        if not compiled.fullmatch(folded):
            raise ValueError(f"must be {expected}")
        return folded

    return Param(name, check)


def _json_only(value: str) -> str:
    if value.lower() != "json":
        raise ValueError("must be json (the proxy validates every payload as JSON)")
    return "json"


PAGE_PARAMS: Final = (
    Param("type", _json_only),
    # KEC caps pages below these; the bounds only keep nonsense out of the cache key.
    integer_param("numOfRows", 1, 10_000),
    integer_param("pageNo", 1, 100_000),
)
"""The parameters every endpoint takes."""
ROUTE_NO_PARAM: Final = pattern_param("routeNo", r"[0-9]{1,4}", "a route number of 1 to 4 digits")
UNIT_CODE_PARAM: Final = pattern_param("unitCode", r"[0-9A-Za-z]{1,6}", "a tollgate code")


# --- the store side -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table:
    """How rows of one table are upserted: columns in row order, the natural key, updates."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    # None: every non-key column takes the new value.
    updates: tuple[str, ...] | None = None

    @property
    def on_duplicate(self) -> str:
        updates = self.updates
        if updates is None:
            updates = tuple(f"{c} = VALUE({c})" for c in self.columns if c not in self.key)
        # Every duplicate changes its row, so affected-rows counts duplicates exactly.
        return ", ".join([*updates, "seen_count = seen_count + 1"])

    @property
    def head(self) -> str:
        columns = ", ".join(self.columns)
        return f"INSERT INTO {self.name} ({columns}) VALUES "  # noqa: S608 - constant names

    @property
    def tail(self) -> str:
        return f" ON DUPLICATE KEY UPDATE {self.on_duplicate}"

    def sort_key(self, row: Row) -> tuple[Any, ...]:
        # Rows go in natural-key order so concurrent batches lock shared keys in the same order.
        index = self.columns.index
        return tuple(row[index(column)] for column in self.key)


def fresh(column: str) -> str:
    """Take the new value only when the new sighting is not older than the stored one."""
    return f"{column} = IF(VALUE(last_seen_at) >= last_seen_at, VALUE({column}), {column})"


# --- the simulator side ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimRequest:
    """What a simulated KEC request asks: its query parameters, the clock, and a per-process
    cache a dataset may keep derived records in (the tollgate feed's hourly sums)."""

    world: TrafficWorld
    params: Mapping[str, str]
    now: datetime
    cache: dict[str, Any]


# --- the descriptor -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class Dataset(Generic[RecordT]):
    """One KEC dataset, end to end.

    Attributes:
        kind: the stream kind and ledger kind (``accidents``); unique.
        endpoint: the name of its upstream endpoint in the simulator's fault API, the proxy's
            metrics and the provider's messages (``locations`` for the tollgate list).
        title: what it is, Korean first.
        feed: where and how KEC serves it.
        parse: a payload's body to domain records, with the rows it quarantined (raises
            ``ProviderError`` for an unusable envelope).
        batch_type: the stream batch that carries one collection's records (its msgspec tag
            is ``kind``).
        table_rows: a batch of this dataset to the rows of each table it writes, in statement
            order; datetimes stay aware (the store converts them).
        url_setting: the name of the setting holding its own KEC URL (``road_status_api_url``);
            the local stack points it at the simulator by that name.
        key: the setting holding its KEC key.
        interval: the setting holding its collection interval.
        proxy_ttl: the setting holding how long the proxy serves a cached copy.
        cache_table: the proxy's cache table.
        proxy_params: the parameters the proxy forwards besides :data:`PAGE_PARAMS`.
        sim_records: every record the simulator answers a request with, before paging.
        wire_rows: one page of records back into KEC wire rows.
        incidents: whether its records are incidents the simulator keeps ground truth of.
        batch_extras: fields of the batch computed from its records (the road batch's route
            summaries).
        after_rows: statements a batch runs after its rows, in the same transaction and so
            exactly once per batch (the incident feed marks what it no longer lists cleared).
        changed_rows: a ``SELECT COUNT(*)`` run last in the batch's transaction: the rows whose
            shown content the batch changed (new, updated or cleared), for the commit event;
            None where a dataset does not tell (its commits always refetch).
    """

    kind: str
    endpoint: str
    title: str
    feed: Feed
    parse: Callable[[bytes], Parsed[RecordT]]
    batch_type: type[StreamEntry]
    table_rows: Callable[[Any], TableRows]
    url_setting: str
    key: Callable[[Settings], Secret | None]
    interval: Callable[[Settings], timedelta]
    proxy_ttl: Callable[[Settings], timedelta]
    cache_table: str
    proxy_params: tuple[Param, ...]
    sim_records: Callable[[SimRequest], Sequence[RecordT]]
    wire_rows: Callable[[Sequence[RecordT], PageSpec], Sequence[msgspec.Struct]]
    incidents: bool = False
    batch_extras: Callable[[Sequence[RecordT]], Mapping[str, Any]] | None = None
    after_rows: Callable[[Any], Sequence[Statement]] | None = None
    changed_rows: Callable[[Any], Statement] | None = None

    def __repr__(self) -> str:
        return f"Dataset({self.kind!r}, {self.feed.path!r})"

    def url(self, settings: Settings) -> str:
        """Its own KEC URL in ``settings``."""
        return str(getattr(settings, self.url_setting))

    @property
    def params(self) -> tuple[Param, ...]:
        """Every parameter the proxy forwards for it."""
        return (*PAGE_PARAMS, *self.proxy_params)

    def param(self, name: str) -> Param | None:
        """The forwarded parameter called ``name``, if any."""
        return next((p for p in self.params if p.name == name), None)

    def make_batch(self, envelope: Mapping[str, Any], records: Sequence[RecordT]) -> StreamEntry:
        """The stream batch of one collection."""
        extras = self.batch_extras(records) if self.batch_extras is not None else {}
        return self.batch_type(**envelope, **extras, records=tuple(records))
