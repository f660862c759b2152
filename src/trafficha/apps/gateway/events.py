"""``/api/events`` served by the gateway itself, from its own event hub, in raw ASGI.

Forwarded, every open stream held one of the gateway's connections to a data API
(``CONNECTIONS_PER_UPSTREAM``) for as long as the viewer stayed: a few hundred viewers starved
ordinary GETs. The gateway's hub (:class:`~trafficha.apps.data_api.hub.EventHub`) follows the
event log over a small Redis pool of its own, so the stream does not depend on any data API
being up, and a viewer costs a buffer and one waiting task.

A commit reaches thousands of viewers at once, so their frames are written from the fan-out
itself (:class:`_Viewer`) rather than by a task per viewer woken through a queue: measured with
2,500 viewers on a gateway, the wake-ups held its loop for about 125 ms a commit, and ordinary
GETs queued behind them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Coroutine
from typing import Any, Final, cast

from litestar.types import Message, Receive, Send

from trafficha.apps.data_api.hub import QUEUE_SIZE, EventHub, EventId, Item, is_repeat

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


def _body(data: bytes, *, more: bool = True) -> Message:
    return {"type": "http.response.body", "body": data, "more_body": more}


def _send_now(send: Send, message: Message) -> bool:
    """Send without waiting, from code that cannot await (the hub's fan-out). A server's
    ``send`` waits only while the socket's buffer is over its high-water mark, so one step
    of the coroutine sends; if it would wait instead, nothing was written and the viewer is
    too slow (False). An error (the connection broke) is False too: the viewer is let go."""
    step = cast(Coroutine[Any, Any, None], send(message))  # ASGI's send is an async def
    try:
        step.send(None)
    except StopIteration:
        return True
    except Exception:  # whatever a broken connection raises ends this viewer
        return False
    step.close()
    return False


class _Viewer:
    """One stream the fan-out writes to. Until its opening frames (hello, replay) are out, what
    it is offered waits in a bounded backlog; then each frame is sent as it is offered."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._backlog: deque[Item] | None = deque()
        self.high: EventId | None = None  # the newest log id of the replay
        self.ended = asyncio.Event()

    def offer(self, item: Item) -> bool:
        if self._backlog is not None:
            if len(self._backlog) >= QUEUE_SIZE:
                return False
            self._backlog.append(item)
            return True
        event_id, data = item
        return is_repeat(event_id, self.high) or _send_now(self._send, _body(data))

    def end(self) -> None:
        self.ended.set()

    async def open(self, opening: list[bytes]) -> None:
        """Send the opening frames, then what came meanwhile; from then on, sent as offered."""
        for data in opening:
            await self._send(_body(data))
        assert self._backlog is not None
        while self._backlog and not self.ended.is_set():
            event_id, data = self._backlog.popleft()
            if not is_repeat(event_id, self.high):
                await self._send(_body(data))
        # No await between the last look at the backlog and this: nothing is left in it.
        self._backlog = None


async def serve_events(hub: EventHub, scope: Any, receive: Receive, send: Send) -> None:
    """Stream the hub to one viewer until either side ends: the viewer going away (uvicorn
    then drops what is sent, so its disconnect is awaited apart) or the hub dropping it."""

    async def gone() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    viewer = _Viewer(send)
    watching = asyncio.ensure_future(gone())
    waiting: list[asyncio.Future[Any]] = [watching]
    try:
        await send({"type": "http.response.start", "status": 200, "headers": list(_HEADERS)})
        opening, viewer.high = await hub.join(viewer, _last_event_id(scope))
        await viewer.open(opening)
        waiting.append(asyncio.ensure_future(viewer.ended.wait()))
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if not watching.done():
            # Dropped by the hub: end the response, unless the viewer goes first.
            waiting.append(asyncio.ensure_future(send(_body(b"", more=False))))
            await asyncio.wait((watching, waiting[-1]), return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.leave(viewer)
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
