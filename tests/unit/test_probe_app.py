"""The workers' probe app in process (aiohttp's test server, no worker, no store): liveness
follows the worker, and a store check that hangs counts as down. The probes of real workers
against real stores are tests/integration/test_probes.py."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from trafficha.services.probes import probe_app


async def test_a_stopped_worker_fails_liveness() -> None:
    alive = True

    async def answers() -> bool:
        return True

    app = probe_app(
        service="collector", member="member1", alive=lambda: alive, checks={"redis": answers}
    )
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200
        alive = False
        response = await client.get("/healthz")
        assert response.status == 503
        assert response.content_type == "application/problem+json"
        assert (await response.json())["detail"] == "the collector has stopped"
        assert (await client.get("/readyz")).status == 503


async def test_a_check_that_hangs_counts_as_down() -> None:
    async def hangs() -> bool:
        await asyncio.Event().wait()
        return True

    app = probe_app(
        service="processor", member="member1", alive=lambda: True, checks={"mariadb": hangs}
    )
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/readyz")
        assert response.status == 503
        assert (await response.json())["detail"] == "not reachable: mariadb"
