"""The HTTP services as processes: each app served by uvicorn, a member's with its heartbeat."""

from __future__ import annotations

from trafficha.config import Settings
from trafficha.services.runner import serve_app


async def run_simulator(settings: Settings) -> None:
    from trafficha.apps.simulator import create_app  # noqa: PLC0415 - only this service needs it

    # Central, not a member's: no heartbeat.
    await serve_app(create_app(settings), settings)


async def run_proxy(settings: Settings) -> None:
    from trafficha.apps.proxy import create_app  # noqa: PLC0415 - only this service needs it

    await serve_app(create_app(settings), settings, heartbeat="proxy")


async def run_data_api(settings: Settings) -> None:
    from trafficha.apps.data_api import create_app  # noqa: PLC0415 - only this service needs it

    await serve_app(create_app(settings), settings, heartbeat="data-api")


async def run_gateway(settings: Settings) -> None:
    from trafficha.apps.gateway import create_app  # noqa: PLC0415 - only this service needs it

    await serve_app(create_app(settings), settings, heartbeat="gateway")
