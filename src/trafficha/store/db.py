"""The database toolbox every store module uses: errors, sessions, pooled connections, times.

Times: every DATETIME column holds UTC (each session sets ``time_zone='+00:00'``). Aware values
are converted to naive UTC on the way in (naive ones are taken to be KST, as
:func:`trafficha.kst.to_kst` does), truncated to milliseconds, and come back as aware KST.

Errors are :class:`StoreError`: :class:`StoreUnavailableError` when the server cannot be reached
or the transaction lost a lock race (retry later), :class:`StoreDataError` when the schema
rejects a value (retrying the same batch cannot succeed).

Nothing here knows a table: the schema (:mod:`.migrations`), the writes (:mod:`.dedup`) and the
reads (:mod:`.queries`, :mod:`.reads`) all build on this module, so none of them has to import
another just for a helper.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar, Final, Protocol, runtime_checkable

import aiomysql
import pymysql

from trafficha.errors import TrafficHaError
from trafficha.kst import KST, to_kst

__all__ = [
    "DATA_ERROR_CODES",
    "DEADLOCK",
    "SESSION_OPTIONS",
    "SQL_MODE",
    "UNAVAILABLE_ERROR_CODES",
    "PoolOwner",
    "StoreDataError",
    "StoreError",
    "StoreUnavailableError",
    "classify_error",
    "connection",
    "error_code",
    "from_db_time",
    "pool_of",
    "to_db_time",
]


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


def error_code(exc: BaseException) -> int | None:
    """The MariaDB (or client) error number a driver error carries, if any."""
    args = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def classify_error(exc: BaseException, doing: str) -> StoreError:
    """The :class:`StoreError` for a driver or socket error met while ``doing`` something."""
    if isinstance(exc, StoreError):
        return exc
    code = error_code(exc)
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
    code = error_code(exc)
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


# --- pools ----------------------------------------------------------------------------------


@runtime_checkable
class PoolOwner(Protocol):
    """Anything that owns an aiomysql pool (the dedup store does).

    The schema and read helpers accept one without importing the store class, which would
    make the store and its schema import each other.
    """

    @property
    def pool(self) -> aiomysql.Pool:
        """The underlying aiomysql pool."""
        ...


def pool_of(source: Any) -> Any:
    """``source``'s pool when it owns one, else ``source`` itself (a pool or a connection)."""
    return source.pool if isinstance(source, PoolOwner) else source
