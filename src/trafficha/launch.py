"""``trafficha run <service>``: every service by name, the workers and the HTTP apps.

It sits above both layers: :mod:`trafficha.services.runner` runs the workers and knows no app,
:mod:`trafficha.apps.serve` serves the apps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from trafficha.apps.serve import run_data_api, run_gateway, run_proxy, run_simulator
from trafficha.config import Settings
from trafficha.errors import ConfigError
from trafficha.limits import raise_open_files
from trafficha.logs import configure_logging
from trafficha.services.runner import WORKERS

__all__ = ["SERVICES", "run"]

log = logging.getLogger(__name__)

SERVICES: dict[str, Callable[[Settings], Coroutine[Any, Any, None]]] = {
    **WORKERS,
    "data-api": run_data_api,
    "gateway": run_gateway,
    "proxy": run_proxy,
    "simulator": run_simulator,
}


def run(service: str, settings: Settings) -> None:
    """Run one service until SIGTERM or SIGINT."""
    if service not in SERVICES:
        raise ConfigError(f"unknown service {service!r}; one of {', '.join(sorted(SERVICES))}")
    configure_logging(settings, service)
    log.info("starting %s (open-file limit %d)", service, raise_open_files())
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(SERVICES[service](settings))
