"""MariaDB accounts: the statements that create an account with exactly the privileges it needs.

Shared by the local topology (``trafficha up`` makes a loopback app account and a read-only one)
and ``trafficha migrate --reader`` (which makes the data API's read-only account on a cluster).
Names and passwords travel as query parameters; only the privilege list and the database name,
which come from our code and from a validated setting, are spliced in.
"""

from __future__ import annotations

from typing import Final

import aiomysql
import pymysql

from trafficha.store.db import classify_error

Statement = tuple[str, tuple[str, ...]]

READ_ONLY: Final = "SELECT"


def account_statements(
    user: str,
    password: str,
    *,
    host: str,
    database: str | None = None,
    privileges: str = "ALL PRIVILEGES",
) -> list[Statement]:
    """Create (or re-password) ``user@host`` with ``privileges`` on ``database`` (on every
    database when ``None``); privileges granted earlier and not listed are revoked, so running
    the statements again converges rather than accumulates."""
    scope = f"`{database}`.*" if database else "*.*"
    statements: list[Statement] = []
    if database:
        statements.append(
            (
                f"CREATE DATABASE IF NOT EXISTS `{database}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
                (),
            )
        )
    statements += [
        ("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", (user, host, password)),
        ("ALTER USER %s@%s IDENTIFIED BY %s", (user, host, password)),
        ("REVOKE ALL PRIVILEGES, GRANT OPTION FROM %s@%s", (user, host)),
        (f"GRANT {privileges} ON {scope} TO %s@%s", (user, host)),
    ]
    return statements


async def ensure_account(
    pool: aiomysql.Pool,
    user: str,
    password: str,
    *,
    host: str,
    database: str,
    privileges: str,
) -> None:
    """Run :func:`account_statements` on a connection of ``pool``, whose account needs the
    ``CREATE USER`` privilege and every privilege it grants, with ``GRANT OPTION``.

    Raises:
        StoreError: the connecting account may not create or grant (MariaDB's error 1044,
            1045 or 1227 in ``code``), or the server failed.
    """
    statements = account_statements(
        user, password, host=host, database=database, privileges=privileges
    )
    try:
        async with pool.acquire() as conn, conn.cursor() as cur:
            for sql, args in statements:
                await cur.execute(sql, args)
            await conn.commit()
    except (pymysql.MySQLError, OSError) as exc:
        raise classify_error(exc, f"creating account {user}") from None
