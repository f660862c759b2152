"""The open-file limit every process raises, and the ingress maxconn it leaves room for."""

from __future__ import annotations

import os
import resource
import subprocess
import sys

from trafficha.limits import OPEN_FILES_WANTED, open_files_of, raise_open_files
from trafficha.topology.ingress import (
    MAXCONN_WANTED,
    STREAMS_PER_GATEWAY,
    Backend,
    haproxy_config,
    ingress_maxconn,
)

_RAISE = "from trafficha.limits import raise_open_files; print(raise_open_files())"


def _low_soft_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))


def test_a_process_started_with_debians_default_raises_its_soft_limit() -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    out = subprocess.run(
        [sys.executable, "-c", _RAISE],
        preexec_fn=_low_soft_limit,
        capture_output=True,
        text=True,
        check=True,
    )
    got = int(out.stdout)
    # Root may raise the hard limit too; anyone else gets up to it.
    assert got >= min(OPEN_FILES_WANTED, hard)
    assert got > 1024


def test_raising_never_lowers_and_is_what_proc_reports() -> None:
    before = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    assert raise_open_files(wanted=16) >= before
    assert open_files_of(os.getpid()) == resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    assert open_files_of(2**22 + 7) is None  # no such process


def test_the_ingress_maxconn_fits_the_open_files() -> None:
    assert ingress_maxconn(1024) == (1024 - 256) // 2
    assert ingress_maxconn(65_536) == MAXCONN_WANTED
    assert ingress_maxconn(100) == 256  # never below a usable floor
    config = haproxy_config(8080, [Backend("member1", 1), Backend("member2", 2)], maxconn=12_345)
    assert config.count("maxconn 12345") == 2  # global and frontend
    # The event-stream backend lets each gateway take far more streams than GETs.
    streams = config.split("backend gateways_events", 1)[1]
    assert streams.count(f"check maxconn {STREAMS_PER_GATEWAY}") == 2
    assert "maxconn 512" in config.split("backend gateways_events", 1)[0]
