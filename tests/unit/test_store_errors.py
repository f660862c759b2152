"""The store's error classification: which driver errors are worth a retry (the store is
unavailable), which are the data's fault, and which are neither. No server: the errors are made
here; tests/integration/test_store.py has the ones a real mariadbd raises."""

from __future__ import annotations

import pymysql
import pytest

from trafficha.store import StoreDataError, StoreError, StoreUnavailableError, classify_error


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (pymysql.err.OperationalError(1213, "Deadlock found"), StoreUnavailableError),
        (pymysql.err.OperationalError(1205, "Lock wait timeout"), StoreUnavailableError),
        (pymysql.err.OperationalError(2013, "Lost connection"), StoreUnavailableError),
        (pymysql.err.OperationalError(2006, "Server has gone away"), StoreUnavailableError),
        (pymysql.err.OperationalError(1290, "read-only"), StoreUnavailableError),
        (pymysql.err.InterfaceError(0, ""), StoreUnavailableError),
        (ConnectionResetError("reset"), StoreUnavailableError),
        (pymysql.err.DataError(1406, "Data too long"), StoreDataError),
        (pymysql.err.OperationalError(1366, "Incorrect integer value"), StoreDataError),
        (pymysql.err.DataError(1264, "Out of range"), StoreDataError),
        (pymysql.err.ProgrammingError(1146, "no such table"), StoreError),
        (pymysql.err.OperationalError(1045, "Access denied"), StoreError),
    ],
)
def test_errors_are_classified(exc: Exception, kind: type[StoreError]) -> None:
    error = classify_error(exc, "testing")
    assert type(error) is kind
    assert str(error).startswith("testing: ")
