"""The dedup store: collected batches applied to MariaDB exactly once, rows deduplicated by key.

Every data table has one UNIQUE natural key, and a batch goes in as one transaction: the
``batch_ledger`` row first (a redelivered ``batch_id`` hits its primary key and the batch is
reported as already applied), then one multi-row ``INSERT … ON DUPLICATE KEY UPDATE`` per table,
then the ledger row's counts, then the commit. Every duplicate bumps ``seen_count``, so a
duplicate always changes its row and MariaDB's affected-rows count is exactly
``inserted + 2 * duplicates`` (the driver does not set ``CLIENT_FOUND_ROWS``).

Times: every DATETIME column holds UTC (each session sets ``time_zone='+00:00'``). Aware values
are converted to naive UTC on the way in (naive ones are taken to be KST, as
:func:`trafficha.kst.to_kst` does), truncated to milliseconds, and come back as aware KST.

Errors are :class:`StoreError`: :class:`StoreUnavailableError` when the server cannot be reached
or the transaction lost a lock race (retry later), :class:`StoreDataError` when the schema
rejects a value (retrying the same batch cannot succeed).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Final, Self

import aiomysql
import msgspec
import pymysql

from trafficha.errors import TrafficHaError
from trafficha.kst import KST, to_kst
from trafficha.models.stream import (
    AccidentBatch,
    Kind,
    RoadBatch,
    TollgateBatch,
    TollgateListBatch,
)

if TYPE_CHECKING:
    from trafficha.config import Settings

__all__ = [
    "SESSION_OPTIONS",
    "SQL_MODE",
    "ApplyResult",
    "Batch",
    "DedupStore",
    "LedgerEntry",
    "StoreDataError",
    "StoreError",
    "StoreUnavailableError",
    "classify_error",
    "connection",
    "from_db_time",
    "to_db_time",
]

Batch = AccidentBatch | TollgateBatch | RoadBatch | TollgateListBatch

# --- errors ---------------------------------------------------------------------------------


class StoreError(TrafficHaError):
    """The store failed. ``code`` is the MariaDB (or client) error number when there is one.

    ``retryable`` tells a caller whether the same call may succeed later.
    """

    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class StoreUnavailableError(StoreError):
    """The server is unreachable, went away, or the transaction lost a lock race: retry later."""

    retryable = True


class StoreDataError(StoreError):
    """The schema rejected a value (too long, out of range, wrong type): permanent for this data."""


# Server errors caused by the values sent: retrying the same data cannot succeed.
DATA_ERROR_CODES: Final = frozenset(
    {
        1048,  # column cannot be null
        1062,  # duplicate entry (never expected on the data tables: they upsert)
        1264,  # out of range value
        1265,  # data truncated
        1292,  # incorrect (datetime …) value
        1300,  # invalid character string
        1364,  # field has no default value
        1366,  # incorrect value for column
        1367,  # illegal value
        1406,  # data too long
        1411,  # incorrect value for function
        1452,  # foreign key constraint fails
        1690,  # value out of range
        4025,  # CHECK constraint failed
    }
)
# Server errors that pass: lost lock races, shutdowns, read-only or not-ready nodes, overload.
UNAVAILABLE_ERROR_CODES: Final = frozenset(
    {
        1020,  # record changed since last read
        1040,  # too many connections
        1047,  # Galera node not ready (WSREP has not yet prepared node for application use)
        1053,  # server shutdown in progress
        1077,  # normal shutdown
        1152,  # aborted connection
        1158,  # communication errors
        1159,  # read timeout
        1160,  # write error
        1161,  # write timeout
        1205,  # lock wait timeout
        1213,  # deadlock
        1290,  # running with --read-only (a failover in progress)
        1317,  # query interrupted
        1836,  # read-only replica
        1927,  # connection killed
        4031,  # disconnected after client inactivity
    }
)
DEADLOCK: Final = 1213


def _error_code(exc: BaseException) -> int | None:
    args = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def classify_error(exc: BaseException, doing: str) -> StoreError:
    """The :class:`StoreError` for a driver or socket error met while ``doing`` something."""
    if isinstance(exc, StoreError):
        return exc
    code = _error_code(exc)
    kind: type[StoreError] = StoreError
    if code in DATA_ERROR_CODES:
        kind = StoreDataError
    elif (
        code in UNAVAILABLE_ERROR_CODES
        or isinstance(exc, OSError | pymysql.err.InterfaceError)
        # Client-side errors (2003 cannot connect, 2006 gone away, 2013 lost connection …).
        or (
            isinstance(exc, pymysql.err.OperationalError)
            and (code is None or not 1000 <= code < 2000)
        )
    ):
        kind = StoreUnavailableError
    elif isinstance(exc, pymysql.err.DataError | pymysql.err.IntegrityError) or (
        # Raised by the driver while escaping a value it cannot send (NaN, infinity).
        isinstance(exc, pymysql.err.ProgrammingError) and code is None
    ):
        kind = StoreDataError
    return kind(f"{doing}: {exc}", code=code)


# --- sessions and connections ---------------------------------------------------------------

SQL_MODE: Final = (
    "STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,"
    "NO_ENGINE_SUBSTITUTION"
)
SESSION_OPTIONS: Final[dict[str, Any]] = {
    "autocommit": False,
    "charset": "utf8mb4",
    # sql_notes=0: notes (an IF NOT EXISTS that found the table) are not raised as warnings;
    # real warnings still are, and strict mode turns data warnings into errors.
    "init_command": f"SET time_zone='+00:00', sql_mode='{SQL_MODE}', sql_notes=0",
}
"""Connection options of every store session (aiomysql ``connect``/``create_pool`` kwargs)."""


def _is_server_error(exc: BaseException) -> bool:
    """A clean error answer from the server: the session is intact and can be reused."""
    code = _error_code(exc)
    return (
        isinstance(exc, pymysql.err.MySQLError)
        and code is not None
        and 1000 <= code < 2000
        and code not in {1053, 1077, 1152, 1927, 4031}
    )


@asynccontextmanager
async def connection(pool: aiomysql.Pool, doing: str) -> AsyncIterator[aiomysql.Connection]:
    """A pooled connection, handed back with no transaction open.

    On a clean exit an open transaction (reads) is rolled back, so the next user gets a fresh
    snapshot. On a server error the transaction is rolled back; on anything else (lost
    connection, cancellation) the connection is closed rather than reused. Driver and socket
    errors come out as :class:`StoreError`.
    """
    try:
        conn = await pool.acquire()
    except (pymysql.err.MySQLError, OSError) as exc:
        raise classify_error(exc, doing) from exc
    try:
        yield conn
        if not conn.closed:
            # Always: the driver's in-transaction flag is not reliable after a plain SELECT,
            # and a snapshot left open would hide later commits from the next user.
            await conn.rollback()
    except BaseException as exc:
        await _discard_transaction(conn, keep=_is_server_error(exc) or isinstance(exc, StoreError))
        if isinstance(exc, pymysql.err.MySQLError | OSError):
            raise classify_error(exc, doing) from exc
        raise
    finally:
        pool.release(conn)


async def _discard_transaction(conn: aiomysql.Connection, *, keep: bool) -> None:
    if conn.closed:
        return
    if keep:
        try:
            await conn.rollback()
        except (pymysql.err.MySQLError, OSError):
            conn.close()
        return
    conn.close()


# --- times ----------------------------------------------------------------------------------


def to_db_time(value: datetime) -> datetime:
    """A datetime as the store keeps it: naive UTC, truncated to milliseconds."""
    utc = to_kst(value).astimezone(UTC)
    return utc.replace(tzinfo=None, microsecond=utc.microsecond // 1000 * 1000)


def from_db_time(value: datetime) -> datetime:
    """A stored (naive UTC) datetime as an aware KST datetime."""
    return value.replace(tzinfo=UTC).astimezone(KST)


# --- results --------------------------------------------------------------------------------


class ApplyResult(msgspec.Struct, frozen=True, kw_only=True):
    """What :meth:`DedupStore.apply` did with a batch.

    ``records`` counts every row the batch carried (road: readings plus summaries); ``inserted``
    new rows and ``duplicates`` rows already stored (including repeats within the batch). When
    ``already_applied`` is true the batch had been applied before and these are the stored
    counts of that first application.
    """

    batch_id: str
    kind: Kind
    records: int
    inserted: int
    duplicates: int
    already_applied: bool


class LedgerEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One applied batch, as the ``batch_ledger`` audit table records it (times in KST)."""

    batch_id: str
    kind: str
    source: str
    producer: str
    epoch: int
    records: int
    inserted: int
    duplicates: int
    fetched_at: datetime
    applied_at: datetime


# --- upsert statements ----------------------------------------------------------------------

MAX_STATEMENT_BYTES: Final = 4_000_000
DEADLOCK_ATTEMPTS: Final = 5

Row = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """How rows of one table are upserted."""

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


def _fresh(column: str) -> str:
    """Take the new value only when the new sighting is not older than the stored one."""
    return f"{column} = IF(VALUE(last_seen_at) >= last_seen_at, VALUE({column}), {column})"


ACCIDENTS: Final = Table(
    name="traffic_accidents",
    columns=(
        "incident_key",
        "occurred_at",
        "route_no",
        "route_name",
        "direction",
        "type_code",
        "type_name",
        "sms_text",
        "process_code",
        "process_name",
        "point_name",
        "lat",
        "lon",
        "late_length_km",
        "lanes_blocked",
        "shoulder_blocked",
        "source",
        "first_seen_at",
        "last_seen_at",
    ),
    key=("incident_key",),
    # Assignments run left to right and see earlier ones: last_seen_at must come last.
    updates=(
        *(
            _fresh(c)
            for c in (
                "sms_text",
                "process_code",
                "process_name",
                "lanes_blocked",
                "shoulder_blocked",
                "late_length_km",
                "type_name",
            )
        ),
        *(
            f"{c} = IF(VALUE(last_seen_at) >= last_seen_at AND VALUE(lat) IS NOT NULL"
            f" AND VALUE(lon) IS NOT NULL, VALUE({c}), {c})"
            for c in ("lat", "lon")
        ),
        "last_seen_at = GREATEST(last_seen_at, VALUE(last_seen_at))",
    ),
)

TOLLGATE: Final = Table(
    name="tollgate_traffic_history",
    columns=(
        "unit_code",
        "unit_name",
        "ex_div_code",
        "ex_div_name",
        "inout_type",
        "inout_name",
        "tm_type",
        "tm_name",
        "tcs_type",
        "tcs_name",
        "car_type",
        "traffic_amount",
        "slot_at",
    ),
    key=("unit_code", "slot_at", "inout_type", "tcs_type", "car_type", "ex_div_code", "tm_type"),
    updates=(
        # A count KEC reported once is not erased by a later blank.
        "traffic_amount = COALESCE(VALUE(traffic_amount), traffic_amount)",
        *(
            f"{c} = VALUE({c})"
            for c in ("unit_name", "ex_div_name", "inout_name", "tm_name", "tcs_name")
        ),
    ),
)

ROAD_STATUS: Final = Table(
    name="road_traffic_status",
    columns=(
        "vds_id",
        "conzone_id",
        "conzone_name",
        "route_no",
        "route_name",
        "direction",
        "speed",
        "traffic_amount",
        "share_ratio",
        "time_avg",
        "grade",
        "std_at",
    ),
    key=("vds_id", "std_at"),
)

ROUTE_SUMMARY: Final = Table(
    name="road_route_summary",
    columns=(
        "route_no",
        "route_name",
        "collected_at",
        "total_sections",
        "smooth_sections",
        "slow_sections",
        "congested_sections",
        "avg_speed",
        "avg_traffic_amount",
    ),
    key=("route_no", "collected_at"),
)


TOLLGATE_LIST: Final = Table(
    name="tollgates",
    columns=("unit_code", "unit_name", "route_no", "route_name", "lat", "lon"),
    key=("unit_code",),
    updates=(
        "unit_name = VALUE(unit_name)",
        "route_no = COALESCE(VALUE(route_no), route_no)",
        "route_name = COALESCE(VALUE(route_name), route_name)",
        # A location KEC once gave is kept when a later list has none (a third have none).
        "lat = IF(VALUE(lat) IS NULL OR VALUE(lon) IS NULL, lat, VALUE(lat))",
        "lon = IF(VALUE(lat) IS NULL OR VALUE(lon) IS NULL, lon, VALUE(lon))",
    ),
)


def table_rows(batch: Batch) -> list[tuple[Table, list[Row]]]:
    """The rows of each table a batch writes, in statement order."""
    if isinstance(batch, AccidentBatch):
        seen = to_db_time(batch.fetched_at)
        return [
            (
                ACCIDENTS,
                [
                    (
                        a.incident_key,
                        to_db_time(a.occurred_at),
                        a.route_no,
                        a.route_name,
                        a.direction,
                        a.type_code,
                        a.type_name,
                        a.sms_text,
                        a.process_code,
                        a.process_name,
                        a.point_name,
                        a.lat,
                        a.lon,
                        a.late_length_km,
                        a.lanes_blocked,
                        a.shoulder_blocked,
                        batch.source,
                        seen,
                        seen,
                    )
                    for a in batch.records
                ],
            )
        ]
    if isinstance(batch, TollgateListBatch):
        rows: list[Row] = [
            (t.unit_code, t.unit_name, t.route_no, t.route_name, t.lat, t.lon)
            for t in batch.records
        ]
        return [(TOLLGATE_LIST, rows)]
    if isinstance(batch, TollgateBatch):
        return [
            (
                TOLLGATE,
                [
                    (
                        t.unit_code,
                        t.unit_name,
                        t.ex_div_code,
                        t.ex_div_name,
                        t.inout_type,
                        t.inout_name,
                        t.tm_type,
                        t.tm_name,
                        t.tcs_type,
                        t.tcs_name,
                        t.car_type,
                        t.traffic_amount,
                        to_db_time(t.slot_at),
                    )
                    for t in batch.records
                ],
            )
        ]
    return [
        (
            ROAD_STATUS,
            [
                (
                    r.vds_id,
                    r.conzone_id,
                    r.conzone_name,
                    r.route_no,
                    r.route_name,
                    r.direction,
                    r.speed,
                    r.traffic_amount,
                    r.share_ratio,
                    r.time_avg,
                    r.grade,
                    to_db_time(r.std_at),
                )
                for r in batch.records
            ],
        ),
        (
            ROUTE_SUMMARY,
            [
                (
                    s.route_no,
                    s.route_name,
                    to_db_time(s.collected_at),
                    s.total_sections,
                    s.smooth_sections,
                    s.slow_sections,
                    s.congested_sections,
                    s.avg_speed,
                    s.avg_traffic_amount,
                )
                for s in batch.summaries
            ],
        ),
    ]


# SQL literals are rendered here rather than by the driver's per-value escaping: a batch is
# thousands of values, and the driver's generic path costs several times more per value. The
# escapes are those of MariaDB string literals (valid while NO_BACKSLASH_ESCAPES is off, which
# SQL_MODE guarantees).
_ESCAPES: Final = str.maketrans(
    {
        "\0": "\\0",
        "\n": "\\n",
        "\r": "\\r",
        "\x1a": "\\Z",
        "'": "\\'",
        '"': '\\"',
        "\\": "\\\\",
    }
)


def _str_literal(value: str) -> str:
    return "'" + value.translate(_ESCAPES) + "'"


def _float_literal(value: float) -> str:
    if not math.isfinite(value):
        raise StoreDataError(f"not a finite number: {value!r}")
    return repr(value)


def _datetime_literal(value: datetime) -> str:
    return "'" + value.isoformat(" ") + "'"


_LITERALS: Final[dict[type, Callable[[Any], str]]] = {
    str: _str_literal,
    int: str,
    bool: lambda value: "1" if value else "0",
    float: _float_literal,
    datetime: _datetime_literal,
    type(None): lambda _value: "NULL",
}


def _row_literal(row: Row) -> str:
    return "(" + ",".join([_LITERALS[type(value)](value) for value in row]) + ")"


def upsert_statements(table: Table, rows: Sequence[Row]) -> Iterator[tuple[str, int]]:
    """``(sql, row count)`` per statement: one, unless it would pass ~4 MB."""
    ordered = sorted(rows, key=table.sort_key)  # stable: repeats keep their batch order
    budget = MAX_STATEMENT_BYTES - len(table.head) - len(table.tail)
    chunk: list[str] = []
    size = 0
    for row in ordered:
        literal = _row_literal(row)
        if chunk and size + len(literal) + 1 > budget:
            yield table.head + ",".join(chunk) + table.tail, len(chunk)
            chunk, size = [], 0
        chunk.append(literal)
        size += len(literal) + 1
    if chunk:
        yield table.head + ",".join(chunk) + table.tail, len(chunk)


# --- the store ------------------------------------------------------------------------------

_LEDGER_COLUMNS: Final = (
    "batch_id, kind, source, producer, epoch, records, inserted, duplicates, fetched_at, applied_at"
)


class DedupStore:
    """Applies batches to MariaDB exactly once, over an aiomysql pool it owns.

    Open it with :meth:`open` or :meth:`from_settings`, close it with :meth:`close` (or use it
    as an async context manager).
    """

    def __init__(self, pool: aiomysql.Pool) -> None:
        self._pool = pool
        self._closed = False

    @classmethod
    async def open(
        cls,
        host: str,
        port: int,
        user: str,
        password: str,
        db: str,
        *,
        minsize: int = 1,
        maxsize: int = 5,
        connect_timeout: float = 10.0,
        pool_recycle: int = 3600,
    ) -> Self:
        """Connect a pool of ``minsize``..``maxsize`` sessions.

        Raises:
            StoreUnavailableError: the server cannot be reached.
            StoreError: the server refused (bad credentials, unknown database).
        """
        try:
            pool = await aiomysql.create_pool(
                minsize=minsize,
                maxsize=maxsize,
                pool_recycle=pool_recycle,
                host=host,
                port=port,
                user=user,
                password=password,
                db=db,
                connect_timeout=connect_timeout,
                **SESSION_OPTIONS,
            )
        except (pymysql.err.MySQLError, OSError) as exc:
            raise classify_error(exc, f"connecting to MariaDB at {host}:{port}") from exc
        return cls(pool)

    @classmethod
    async def from_settings(cls, settings: Settings, *, minsize: int = 1, maxsize: int = 5) -> Self:
        """Open the store that ``DB_HOST``, ``DB_USER``, ``DB_PASSWORD`` and ``DB_NAME`` name.

        Raises the same errors as :meth:`open`.
        """
        host, _, port = settings.db_host.rpartition(":")
        password = settings.db_password.reveal() if settings.db_password else ""
        return await cls.open(
            host,
            int(port),
            settings.db_user,
            password,
            settings.db_name,
            minsize=minsize,
            maxsize=maxsize,
        )

    @property
    def pool(self) -> aiomysql.Pool:
        """The underlying aiomysql pool (for the read queries)."""
        return self._pool

    async def close(self) -> None:
        """Close every connection (waits for the ones in use to come back). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._pool.close()
        await self._pool.wait_closed()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def migrate(self) -> list[int]:
        """Apply the missing schema migrations; returns the versions applied.

        Safe to run from several processes at once: they take turns under a named lock.

        Raises:
            StoreError: a statement failed, or the account may not create tables.
        """
        from trafficha.store.migrations import migrate  # noqa: PLC0415 - migrations imports us

        return await migrate(self._pool)

    async def ping(self) -> bool:
        """Whether the server answers a query."""
        try:
            async with connection(self._pool, "ping") as conn, conn.cursor() as cur:
                await cur.execute("SELECT 1")
                row = await cur.fetchone()
        except (StoreError, RuntimeError):
            return False
        return bool(row == (1,))

    async def apply(self, batch: Batch) -> ApplyResult:
        """Apply a batch in one transaction; a batch_id seen before is not applied again.

        Deadlocks (the other transaction wins a lock race on a shared key) are retried a few
        times, since the server has rolled the whole transaction back.

        Raises:
            StoreDataError: a value was rejected; nothing of the batch was written.
            StoreUnavailableError: the server is unreachable or the transaction kept losing
                lock races; nothing of the batch was written.
            StoreError: anything else the server refused; nothing of the batch was written.
        """
        kind = batch.kind
        tables = table_rows(batch)
        records = sum(len(rows) for _, rows in tables)
        for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
            try:
                return await self._apply_once(batch, kind, tables, records)
            except StoreUnavailableError as exc:
                if exc.code != DEADLOCK or attempt == DEADLOCK_ATTEMPTS:
                    raise
            await asyncio.sleep(0.005 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _apply_once(
        self, batch: Batch, kind: Kind, tables: list[tuple[Table, list[Row]]], records: int
    ) -> ApplyResult:
        doing = f"applying {kind} batch {batch.batch_id!r}"
        async with connection(self._pool, doing) as conn, conn.cursor() as cur:
            try:
                await cur.execute(
                    f"INSERT INTO batch_ledger ({_LEDGER_COLUMNS}) "  # noqa: S608 - constant
                    "VALUES (%s, %s, %s, %s, %s, %s, 0, 0, %s, UTC_TIMESTAMP(3))",
                    (
                        batch.batch_id,
                        kind,
                        batch.source,
                        batch.producer,
                        batch.epoch,
                        records,
                        to_db_time(batch.fetched_at),
                    ),
                )
            except pymysql.err.IntegrityError as exc:
                if _error_code(exc) != 1062:
                    raise
                await conn.rollback()
                stored = (await _read_ledger(cur, [batch.batch_id])).get(batch.batch_id)
                if stored is None:  # pragma: no cover - the key clash proves the row exists
                    raise StoreError(f"{doing}: ledger row vanished", code=1062) from exc
                return ApplyResult(
                    batch_id=stored.batch_id,
                    kind=kind,
                    records=stored.records,
                    inserted=stored.inserted,
                    duplicates=stored.duplicates,
                    already_applied=True,
                )
            inserted = duplicates = 0
            for table, rows in tables:
                for sql, count in upsert_statements(table, rows):
                    await cur.execute(sql)
                    affected = int(cur.rowcount)
                    dups = affected - count
                    if not 0 <= dups <= count:
                        raise StoreError(
                            f"{doing}: {table.name} reported {affected} affected rows "
                            f"for {count} rows"
                        )
                    duplicates += dups
                    inserted += count - dups
            await cur.execute(
                "UPDATE batch_ledger SET inserted = %s, duplicates = %s WHERE batch_id = %s",
                (inserted, duplicates, batch.batch_id),
            )
            await conn.commit()
        return ApplyResult(
            batch_id=batch.batch_id,
            kind=kind,
            records=records,
            inserted=inserted,
            duplicates=duplicates,
            already_applied=False,
        )

    async def ledger(self, batch_ids: Iterable[str] | None = None) -> dict[str, LedgerEntry]:
        """The ledger rows of ``batch_ids`` (all rows when None), by batch_id."""
        ids = None if batch_ids is None else list(dict.fromkeys(batch_ids))
        if ids is not None and not ids:
            return {}
        async with connection(self._pool, "reading the batch ledger") as conn, conn.cursor() as cur:
            return await _read_ledger(cur, ids)


async def _read_ledger(cur: aiomysql.Cursor, ids: list[str] | None) -> dict[str, LedgerEntry]:
    chunks: list[list[str] | None] = (
        [None] if ids is None else [ids[i : i + 1000] for i in range(0, len(ids), 1000)]
    )
    out: dict[str, LedgerEntry] = {}
    for chunk in chunks:
        sql = f"SELECT {_LEDGER_COLUMNS} FROM batch_ledger"  # noqa: S608 - constant
        if chunk is not None:
            sql += " WHERE batch_id IN (" + ", ".join(["%s"] * len(chunk)) + ")"
        await cur.execute(sql + " ORDER BY applied_at, batch_id", chunk)
        for row in await cur.fetchall():
            entry = LedgerEntry(
                batch_id=row[0],
                kind=row[1],
                source=row[2],
                producer=row[3],
                epoch=int(row[4]),
                records=int(row[5]),
                inserted=int(row[6]),
                duplicates=int(row[7]),
                fetched_at=from_db_time(row[8]),
                applied_at=from_db_time(row[9]),
            )
            out[entry.batch_id] = entry
    return out
