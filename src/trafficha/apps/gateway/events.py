"""``/api/events`` served by the gateway itself, from its own event hub, in raw ASGI.

Forwarded, every open stream held one of the gateway's connections to a data API
(``CONNECTIONS_PER_UPSTREAM``) for as long as the viewer stayed: a few hundred viewers starved
ordinary GETs. The gateway's hub (:class:`~trafficha.apps.data_api.hub.EventHub`) follows the
event log over a small Redis pool of its own, so a viewer costs a queue and two tasks, and the
stream does not depend on any data API being up.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from litestar.types import Receive, Send

from trafficha.apps.data_api.hub import EventHub

__all__ = ["EVENTS_PATH", "serve_events"]

EVENTS_PATH: Final = "/api/events"
_HEADERS: Final = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]
_LAST_EVENT_ID: Final = b"last-event-id"
_ID_MAX: Final = 64


def _last_event_id(scope: Any) -> str | None:
    for name, value in scope["headers"]:
        if name == _LAST_EVENT_ID:
            # An id is ASCII digits and a dash; anything else is read as "no id".
            text: str = value[:_ID_MAX].decode("latin-1")
            return text
    return None


async def serve_events(hub: EventHub, scope: Any, receive: Receive, send: Send) -> None:
    """Stream the hub to one viewer until either side ends: the viewer going away (uvicorn
    then drops what is sent, so its disconnect is awaited apart) or the hub dropping it."""
    stream = hub.stream(_last_event_id(scope))  # an async generator: closed below

    async def pump() -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(_HEADERS)})
        async for chunk in stream:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def gone() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    pumping = asyncio.ensure_future(pump())
    watching = asyncio.ensure_future(gone())
    try:
        await asyncio.wait((pumping, watching), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pumping, watching):
            task.cancel()
        await asyncio.gather(pumping, watching, return_exceptions=True)
        await stream.aclose()  # type: ignore[attr-defined]
    if pumping.done() and not pumping.cancelled() and (exc := pumping.exception()) is not None:
        raise exc
