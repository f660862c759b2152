"""The dedup store: collected batches applied to MariaDB exactly once, rows deduplicated by key.

Every data table has one UNIQUE natural key, and a batch goes in as one transaction: the
``batch_ledger`` row first (a redelivered ``batch_id`` hits its primary key and the batch is
reported as already applied), then one multi-row ``INSERT … ON DUPLICATE KEY UPDATE`` per table,
then the dataset's ``after_rows`` statements (the incident feed clears what it no longer lists),
then the ledger row's counts, then the commit. Every duplicate bumps ``seen_count``, so a
duplicate always changes its row and MariaDB's affected-rows count is exactly
``inserted + 2 * duplicates`` (the driver does not set ``CLIENT_FOUND_ROWS``).

Times and errors follow :mod:`trafficha.store.db`: DATETIME columns hold naive UTC, values
come back as aware KST, and failures are :class:`~trafficha.store.db.StoreError`.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

import aiomysql
import msgspec
import pymysql

from trafficha.datasets.registry import by_kind
from trafficha.datasets.spec import Row, Statement, Table, TableRows
from trafficha.models.stream import Kind, StreamEntry
from trafficha.store.db import (
    DEADLOCK,
    SESSION_OPTIONS,
    StoreDataError,
    StoreError,
    StoreUnavailableError,
    classify_error,
    connection,
    error_code,
    from_db_time,
    to_db_time,
)
from trafficha.store.migrations import migrate as migrate_schema

if TYPE_CHECKING:
    from trafficha.config import Settings

__all__ = [
    "ApplyResult",
    "DedupStore",
    "LedgerEntry",
    "StreamEntry",
]


# --- results --------------------------------------------------------------------------------


class ApplyResult(msgspec.Struct, frozen=True, kw_only=True):
    """What :meth:`DedupStore.apply` did with a batch.

    ``records`` counts every row the batch carried (road: readings plus summaries); ``inserted``
    new rows and ``duplicates`` rows already stored (including repeats within the batch);
    ``changed`` the rows whose shown content changed (new, updated or cleared), counted where its
    dataset tells (``changed_rows``), else None. When ``already_applied`` is true the batch had
    been applied before and these are the stored counts of that first application (``changed``
    is not stored: None).
    """

    batch_id: str
    kind: Kind
    records: int
    inserted: int
    duplicates: int
    already_applied: bool
    changed: int | None = None


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


def table_rows(batch: StreamEntry) -> TableRows:
    """The rows of each table a batch writes, in statement order (its dataset knows them)."""
    return by_kind(batch.kind).table_rows(batch)


def _stored(statement: Statement) -> Statement:
    sql, args = statement
    return sql, tuple(to_db_time(a) if isinstance(a, datetime) else a for a in args)


def changed_rows(batch: StreamEntry) -> Statement | None:
    """The count of rows the batch changed (its dataset's ``changed_rows``), if it tells."""
    count = by_kind(batch.kind).changed_rows
    return None if count is None else _stored(count(batch))


def after_rows(batch: StreamEntry) -> list[Statement]:
    """The statements a batch runs after its rows (its dataset's ``after_rows``), with their
    datetimes as the store keeps them."""
    after = by_kind(batch.kind).after_rows
    if after is None:
        return []
    return [_stored(statement) for statement in after(batch)]


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
    # Rows carry aware datetimes; the store keeps naive UTC (see the module docstring).
    return "'" + to_db_time(value).isoformat(" ") + "'"


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

        The pool never holds more than ``maxsize`` (an ``acquire`` waits for one to come back);
        a free session unused for ``pool_recycle`` seconds is closed when the pool next hands
        one out.

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
    async def from_settings(
        cls, settings: Settings, *, minsize: int = 1, maxsize: int | None = None
    ) -> Self:
        """Open the store that ``DB_HOST``, ``DB_USER``, ``DB_PASSWORD`` and ``DB_NAME`` name.

        Its pool holds at most ``maxsize`` (``DB_POOL_MAX`` by default) sessions, recycled after
        ``DB_POOL_RECYCLE``.

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
            maxsize=maxsize or settings.db_pool_max,
            pool_recycle=max(1, int(settings.db_pool_recycle.total_seconds())),
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
        return await migrate_schema(self._pool)

    async def ping(self) -> bool:
        """Whether the server answers a query."""
        try:
            async with connection(self._pool, "ping") as conn, conn.cursor() as cur:
                await cur.execute("SELECT 1")
                row = await cur.fetchone()
        except (StoreError, RuntimeError):
            return False
        return bool(row == (1,))

    async def apply(self, batch: StreamEntry) -> ApplyResult:
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
        after = after_rows(batch)
        records = sum(len(rows) for _, rows in tables)
        for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
            try:
                return await self._apply_once(batch, kind, tables, after, records)
            except StoreUnavailableError as exc:
                if exc.code != DEADLOCK or attempt == DEADLOCK_ATTEMPTS:
                    raise
            await asyncio.sleep(0.005 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _apply_once(
        self,
        batch: StreamEntry,
        kind: Kind,
        tables: TableRows,
        after: list[Statement],
        records: int,
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
                if error_code(exc) != 1062:
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
            for sql, args in after:  # not rows of the batch: not counted
                await cur.execute(sql, args or None)
            changed = None
            if (tally := changed_rows(batch)) is not None:
                await cur.execute(tally[0], tally[1] or None)
                changed = int((await cur.fetchone())[0])
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
            changed=changed,
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
