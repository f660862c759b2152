"""Server-sent events: one Redis subscription per process, fanned out to every client.

The hub subscribes once to the events channel and copies each event, encoded once as an SSE
frame, into every client's bounded queue; a client whose queue is full is too slow and is
dropped (its stream ends; a browser's EventSource reconnects and starts with a fresh hello).
It also reads the heartbeats every second and sends a ``members`` event of its own when the set
of live services changes. So a connection costs a queue, never a Redis connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Final

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from trafficha.aio import sleep_unless
from trafficha.apps.data_api.ha import alive_and_down, hello
from trafficha.events import Event, MembersEvent, decode_event
from trafficha.services.hastatus import HaState, read_ha_state
from trafficha.services.heartbeat import read_heartbeats
from trafficha.streams.keys import StreamKeys

log = logging.getLogger(__name__)

__all__ = ["EventHub", "frame"]

QUEUE_SIZE: Final = 256
KEEPALIVE: Final = 15.0
MEMBERS_EVERY: Final = 1.0
# How long the subscription waits for a message before the client's health check runs.
LISTEN_TIMEOUT: Final = 5.0
BACKOFF_MAX: Final = 5.0
# A hello without HA state beats one that waits out the Redis client's retries.
HELLO_TIMEOUT: Final = 2.0
# Tells a browser's EventSource how soon to reconnect (milliseconds) after a stream ends.
RETRY: Final = b"retry: 2000\n\n"
KEEPALIVE_FRAME: Final = b": keep-alive\n\n"
_DROP: Final = b""


def frame(event: str, data: bytes) -> bytes:
    """One SSE message; ``data`` is compact JSON, so it holds no newline."""
    return b"event: " + event.encode() + b"\ndata: " + data + b"\n\n"


def _event_frame(event: Event) -> bytes:
    tag = event.__struct_config__.tag
    assert isinstance(tag, str)
    return frame(tag, msgspec.json.encode(event))


class EventHub:
    """The process's one subscription and its clients' queues (run in the app's lifespan)."""

    def __init__(self, redis: aioredis.Redis, keys: StreamKeys, served_by: str) -> None:
        self._redis = redis
        self._keys = keys
        self._served_by = served_by
        self._clients: set[asyncio.Queue[bytes]] = set()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._alive: frozenset[str] | None = None
        # Called with every relayed event, in the loop (the learned network listens for commits).
        self.listeners: list[Callable[[Event], None]] = []
        self.subscribed = asyncio.Event()
        self.relayed = 0
        self.dropped = 0

    @property
    def clients(self) -> int:
        return len(self._clients)

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="sse-listen"),
            asyncio.create_task(self._watch_members(), name="sse-members"),
        ]

    async def close(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for queue in list(self._clients):
            self._drop(queue)

    # --- fan-out -----------------------------------------------------------------------------

    def broadcast(self, data: bytes) -> None:
        for queue in list(self._clients):
            try:
                queue.put_nowait(data)
            except asyncio.QueueFull:
                self.dropped += 1
                log.info("dropping a slow event-stream client (%d frames behind)", QUEUE_SIZE)
                self._drop(queue)

    def _drop(self, queue: asyncio.Queue[bytes]) -> None:
        self._clients.discard(queue)
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(_DROP)

    async def stream(self) -> AsyncIterator[bytes]:
        """One client's event stream: hello, then events and keep-alives, until it goes."""
        queue: asyncio.Queue[bytes] = asyncio.Queue(QUEUE_SIZE)
        # Subscribed before the hello is read: nothing that happens after the hello is lost.
        self._clients.add(queue)
        try:
            yield RETRY + await self._hello()
            while True:
                try:
                    async with asyncio.timeout(KEEPALIVE):
                        data = await queue.get()
                except TimeoutError:
                    yield KEEPALIVE_FRAME
                    continue
                if data == _DROP:
                    return
                yield data
        finally:
            self._clients.discard(queue)

    async def _hello(self) -> bytes:
        state: HaState | None
        try:
            async with asyncio.timeout(HELLO_TIMEOUT):
                state = await read_ha_state(self._redis, self._keys)
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("event stream hello without HA state: %s", exc)
            state = None
        return frame("hello", msgspec.json.encode(hello(state, self._served_by)))

    # --- sources -----------------------------------------------------------------------------

    async def _listen(self) -> None:
        """Relay the events channel; resubscribe with backoff after a Redis failure."""
        backoff = 0.1
        while not self._stop.is_set():
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self._keys.events)
                    self.subscribed.set()
                    backoff = 0.1
                    while not self._stop.is_set():
                        message = await pubsub.get_message(timeout=LISTEN_TIMEOUT)
                        if message is not None and message["type"] == "message":
                            self._relay(message["data"])
            except (RedisError, OSError) as exc:
                self.subscribed.clear()
                log.warning("events subscription lost, retrying in %.1f s: %s", backoff, exc)
                await sleep_unless(self._stop, backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)

    def _relay(self, data: bytes) -> None:
        try:
            event = decode_event(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning("ignoring a malformed event on %s: %s", self._keys.events, exc)
            return
        self.relayed += 1
        for listener in self.listeners:
            listener(event)
        # Re-encoded: the frame then holds exactly the event's fields, on one line.
        self.broadcast(_event_frame(event))

    async def _watch_members(self) -> None:
        """Every second, compare the live services with the last look; announce a change."""
        while not self._stop.is_set():
            try:
                # Only the heartbeats, not the whole HA state: this runs every second and
                # watches one thing; what it announces is already in the next read_ha_state.
                beats = await read_heartbeats(self._redis, self._keys)
            except (RedisError, OSError) as exc:
                log.debug("heartbeats unreadable: %s", exc)
            else:
                alive, down = alive_and_down(beats)
                now = frozenset(alive)
                if self._alive is not None and now != self._alive:
                    self.broadcast(_event_frame(MembersEvent(alive=tuple(alive), down=tuple(down))))
                self._alive = now
            await sleep_unless(self._stop, MEMBERS_EVERY)
