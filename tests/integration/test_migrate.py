"""``trafficha migrate``: the schema job of a cluster deployment, with the data API's
read-only account (``--reader``), against the session's real mariadbd."""

from __future__ import annotations

import os
import subprocess
import sys

import pymysql
import pytest

from tests.conftest import Database
from trafficha.cli import READER_PASSWORD_ENV
from trafficha.store import MIGRATIONS
from trafficha.topology.servers import MariaDBServer, new_password

ACCESS_DENIED = {1044, 1045, 1142}


def _migrate(
    database: Database, user: str, password: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "DB_HOST": database.addr,
        "DB_USER": user,
        "DB_PASSWORD": password,
        "DB_NAME": database.name,
        **env,
    }
    if READER_PASSWORD_ENV not in env:
        environ.pop(READER_PASSWORD_ENV, None)
    return subprocess.run(
        [sys.executable, "-m", "trafficha.cli", "migrate", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _connect(database: Database, user: str, password: str) -> pymysql.connections.Connection:
    return pymysql.connect(
        host=database.host, port=database.port, user=user, password=password, database=database.name
    )


@pytest.fixture
def admin(mariadb_server: MariaDBServer) -> tuple[str, str]:
    """An account that may create users and grant, as the cluster job's root account."""
    user, password = "trafficha_admin", new_password()
    mariadb_server.ensure_user(user, password)
    with mariadb_server.admin() as conn, conn.cursor() as cur:
        cur.execute("GRANT ALL PRIVILEGES ON *.* TO %s@'127.0.0.1' WITH GRANT OPTION", (user,))
    return user, password


def test_migrate_applies_the_schema_and_creates_a_read_only_account(
    database: Database, admin: tuple[str, str], namespace: str
) -> None:
    reader, first = f"r{namespace[:10]}", new_password()
    result = _migrate(database, *admin, "--reader", reader, **{READER_PASSWORD_ENV: first})
    assert result.returncode == 0, result.stderr
    versions = ", ".join(str(m.version) for m in MIGRATIONS)
    assert f"migrations applied: {versions}" in result.stdout
    assert f"read-only account {reader}@% on {database.name}" in result.stdout
    assert first not in result.stdout + result.stderr

    with _connect(database, reader, first) as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM schema_migrations")
        assert cur.fetchone() == (len(MIGRATIONS),)
        with pytest.raises(pymysql.err.OperationalError) as denied:
            cur.execute("DELETE FROM schema_migrations")
        assert denied.value.args[0] in ACCESS_DENIED

    # Again, with a rotated password: nothing to migrate, the old password stops working.
    second = new_password()
    result = _migrate(database, *admin, "--reader", reader, **{READER_PASSWORD_ENV: second})
    assert result.returncode == 0, result.stderr
    assert "migrations applied: none (up to date)" in result.stdout
    with _connect(database, reader, second) as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM traffic_accidents")
    with pytest.raises(pymysql.err.OperationalError) as rejected:
        _connect(database, reader, first)
    assert rejected.value.args[0] == 1045


def test_reader_without_a_password_is_a_clear_error(
    database: Database, admin: tuple[str, str]
) -> None:
    result = _migrate(database, *admin, "--reader", "nobody")
    assert result.returncode == 1
    assert result.stderr == f"trafficha: {READER_PASSWORD_ENV}: required with --reader\n"


def test_an_account_that_may_not_grant_gets_a_clear_error(
    database: Database, db_account: tuple[str, str], namespace: str
) -> None:
    # The suite's account has every privilege but GRANT OPTION, like the app's own account.
    password = new_password()
    result = _migrate(
        database, *db_account, "--reader", f"r{namespace[:10]}", **{READER_PASSWORD_ENV: password}
    )
    assert result.returncode == 1
    assert result.stderr.startswith("trafficha: ")
    assert "Traceback" not in result.stderr
    assert password not in result.stderr
    assert "creating account" in result.stderr
