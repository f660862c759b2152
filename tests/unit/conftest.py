"""The unit tests start no server: a test here that asks for the session's redis-server or
mariadbd (directly or through a fixture built on them) fails before anything starts. Such a test
belongs in tests/integration."""

from __future__ import annotations

import pytest

SERVER_FIXTURES = frozenset({"redis_server", "mariadb_server"})


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture is set up (the default hook sets them up), so no server starts.
    used = SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if used:
        pytest.fail(
            f"{item.nodeid} needs {', '.join(sorted(used))}: a unit test starts no server; "
            "move it to tests/integration",
            pytrace=False,
        )
