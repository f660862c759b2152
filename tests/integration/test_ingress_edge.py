"""The ingress's own answers are problem documents, ``/metrics`` stays on the members' ports and
no ``Server`` header goes out (issue 15, point 5): a real HAProxy with the stack's config in
front of a real service of ours (the simulator, whose ``/healthz`` the checks use)."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.services import Services
from trafficha.limits import raise_open_files
from trafficha.topology.ingress import (
    ERROR_STATUSES,
    Backend,
    haproxy_config,
    ingress_maxconn,
    problem_response,
    write_error_files,
)
from trafficha.topology.processes import find_binary, free_port, wait_until

pytestmark = pytest.mark.integration


def exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP/1.1 exchange: status, headers (lower-case names) and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    return int(status_line.split()[1]), headers, body


def get(port: int, target: str, *extra: str) -> tuple[int, dict[str, str], bytes]:
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *extra]
    return exchange(port, ("\r\n".join(lines) + "\r\n\r\n").encode())


@pytest.fixture
def ingress(tmp_path: Path) -> Iterator[tuple[int, Services]]:
    services = Services(tmp_path)
    haproxy: subprocess.Popen[bytes] | None = None
    try:
        backend = services.start("simulator", {"SIMULATOR_API_KEYS": "test"}, http=True)
        assert backend.url is not None
        port = free_port()
        config = tmp_path / "haproxy.cfg"
        errors = write_error_files(tmp_path / "errors")
        backend_port = int(backend.url.rsplit(":", 1)[1])
        maxconn = ingress_maxconn(raise_open_files())
        backends = [Backend("sim", backend_port)]
        config.write_text(haproxy_config(port, backends, error_files=errors, maxconn=maxconn))
        with (tmp_path / "haproxy.log").open("wb") as log:
            haproxy = subprocess.Popen(
                [find_binary("haproxy"), "-db", "-f", str(config)], stdout=log, stderr=log
            )
        started = haproxy
        wait_until(
            lambda: get(port, "/healthz")[0] == 200,
            timeout=15,
            what="the ingress to reach its backend",
            alive=lambda: started.poll() is None,
        )
        yield port, services
    finally:
        if haproxy is not None:
            haproxy.terminate()
            haproxy.wait(timeout=10)
        services.stop_all()


def assert_problem(status: int, headers: dict[str, str], body: bytes, expected: int) -> None:
    assert status == expected
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert (problem["status"], problem["type"]) == (expected, "about:blank")
    assert "server" not in headers


def test_every_errorfile_is_a_whole_answer_with_a_problem_document() -> None:
    for status in ERROR_STATUSES:
        head, _, body = problem_response(status).partition(b"\r\n\r\n")
        assert head.startswith(f"HTTP/1.1 {status} ".encode())
        assert f"Content-Length: {len(body)}".encode() in head
        assert json.loads(body)["status"] == status


def test_the_ingress_answers_its_own_errors_as_problem_documents(
    ingress: tuple[int, Services],
) -> None:
    port, services = ingress
    ok, headers, _ = get(port, "/healthz")
    assert ok == 200
    assert "server" not in headers  # neither HAProxy's nor uvicorn's

    # A request line beyond the 16 KB buffer, a header name that is not a token, raw non-ASCII:
    # refused at the ingress, never reaching a member. HAProxy 2.6 answers these parse errors
    # from its H1 layer with its built-in page, ignoring errorfile 400 (haproxy/haproxy#3032,
    # fixed in 3.2), so they are 400s but not yet problem documents.
    raw = b"GET /\xed\x95\x9c HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    for status, headers, _ in (
        get(port, "/api/road/status?x=" + "a" * 20_000),
        get(port, "/healthz", "Bad Header: x"),
        exchange(port, raw),
    ):
        assert status == 400
        assert "server" not in headers

    # The members' /metrics is theirs: not through the ingress.
    assert_problem(*get(port, "/metrics"), expected=404)
    assert_problem(*get(port, "/metrics/anything"), expected=404)
    # Nor their readiness, which names the gateways' upstream URLs (and is not the data API's
    # /readyz that the published schema describes); liveness is the same shape everywhere.
    assert_problem(*get(port, "/readyz"), expected=404)
    status, _, body = get(port, "/healthz")
    assert status == 200
    assert set(json.loads(body)) == {"status", "service", "member"}

    # No gateway left: HAProxy's 503 is a problem document too.
    services.stop_all()
    wait_until(lambda: get(port, "/healthz")[0] == 503, timeout=10, what="the backend to go")
    assert_problem(*get(port, "/healthz"), expected=503)
