"""Server-sent events: one Redis reader per process, fanned out to every viewer.

The hub follows the event log (:func:`trafficha.events.publish_event`) with one blocking
``XREAD`` at a time, and copies each event, encoded once as an SSE frame carrying its log id,
to every viewer (a :class:`Sink`: the data API's viewers read a bounded queue, the gateway's are
written to in the fan-out itself); a viewer that cannot take it is too slow and is dropped (its
stream ends and a browser's EventSource reconnects). It keeps the last :data:`RING_SIZE` frames,
so a viewer that reconnects with ``Last-Event-ID`` (to this member or any other: the ids are the
log's) gets what it missed before anything new, and a ``hello`` that says it ``resumed``. It
also reads the heartbeats every second and sends a ``members`` event of its own (no id) when the
set of live services changes. So a viewer costs a queue or a buffer, never a Redis or database
connection; the data API and each gateway run one hub each.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any, Final, Protocol

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from trafficha.aio import sleep_unless
from trafficha.apps.data_api.ha import alive_and_down, hello
from trafficha.events import EVENT_FIELD, Event, MembersEvent, decode_event
from trafficha.services.hastatus import HaState, read_ha_state
from trafficha.services.heartbeat import read_heartbeats
from trafficha.streams.keys import StreamKeys

log = logging.getLogger(__name__)

__all__ = ["EventHub", "EventId", "Item", "Sink", "frame", "is_repeat", "parse_event_id"]

QUEUE_SIZE: Final = 256
# A comment to every viewer after this long without a frame (below HAProxy's 30 s client
# timeout); one timer for the hub, not one per viewer.
KEEPALIVE: Final = 15.0
# Viewers handed a frame per turn of the loop: each wakes a task that writes to its socket, so
# 2,500 at once held a gateway's loop for 150 ms (its GETs and health checks waiting); slices
# let them through in between.
FAN_OUT_SLICE: Final = 200
MEMBERS_EVERY: Final = 1.0
# How long one XREAD blocks before the loop looks at its stop flag (below the client's 10 s
# socket timeout).
LISTEN_TIMEOUT: Final = 5.0
BACKOFF_MAX: Final = 5.0
# A hello without HA state beats one that waits out the Redis client's retries.
HELLO_TIMEOUT: Final = 2.0
# Viewers arriving together (a failover sends them all at once) share one HA-state read this
# fresh, unless an event came in meanwhile.
HELLO_REUSE: Final = 1.0
# Frames kept for viewers that resume; older ids are looked up in the log.
RING_SIZE: Final = 2048
# A viewer further behind than this starts afresh (hello, then the dashboard refetches).
REPLAY_MAX: Final = 1000
# How soon a browser's EventSource reconnects after its stream ends (milliseconds), drawn per
# stream: a failover's viewers come back spread over two and a half seconds, not at once.
RETRY_MS: Final = (500, 3000)
KEEPALIVE_FRAME: Final = b": keep-alive\n\n"

EventId = tuple[int, int]
_ID: Final = re.compile(r"([0-9]{1,20})-([0-9]{1,20})")
# A frame as the fan-out hands it on: the log id it carries (None for the hub's own frames).
Item = tuple[EventId | None, bytes]
_DROP: Final[Item] = (None, b"")
# A log entry as redis-py returns it: (id, {field: value}).
_Entry = tuple[bytes, dict[bytes, bytes]]


def parse_event_id(text: str | bytes | None) -> EventId | None:
    """A log id (``1700000000000-0``) as a comparable pair; None for anything else."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    match = _ID.fullmatch(text.strip())
    return (int(match[1]), int(match[2])) if match else None


def format_event_id(event_id: EventId) -> bytes:
    """A log id as Redis writes it."""
    return b"%d-%d" % event_id


def frame(event: str, data: bytes, event_id: bytes | None = None) -> bytes:
    """One SSE message; ``data`` is compact JSON, so it holds no newline."""
    head = b"id: " + event_id + b"\n" if event_id is not None else b""
    return head + b"event: " + event.encode() + b"\ndata: " + data + b"\n\n"


def _event_frame(event: Event, event_id: bytes | None = None) -> bytes:
    tag = event.__struct_config__.tag
    assert isinstance(tag, str)
    return frame(tag, msgspec.json.encode(event), event_id)


def is_repeat(event_id: EventId | None, high: EventId | None) -> bool:
    """A logged frame the viewer already has: its replay went up to ``high``."""
    return event_id is not None and high is not None and event_id <= high


class Sink(Protocol):
    """One viewer as the fan-out sees it."""

    def offer(self, item: Item) -> bool:
        """Take a frame without waiting; False when the viewer is too slow to (it is then
        dropped)."""

    def end(self) -> None:
        """The hub let the viewer go: its stream should end."""


class _Queued:
    """A viewer read through a bounded queue (a streaming response's async generator)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Item] = asyncio.Queue(QUEUE_SIZE)

    def offer(self, item: Item) -> bool:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            return False
        return True

    def end(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(_DROP)


def retry_field() -> bytes:
    return b"retry: %d\n\n" % random.randint(*RETRY_MS)  # noqa: S311 - jitter, not secrecy


class EventHub:
    """The process's one log reader and its viewers (run in the app's lifespan)."""

    def __init__(self, redis: aioredis.Redis, keys: StreamKeys, served_by: str) -> None:
        self._redis = redis
        self._keys = keys
        self._served_by = served_by
        self._clients: set[Sink] = set()
        self._ring: deque[tuple[EventId, bytes]] = deque(maxlen=RING_SIZE)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._alive: frozenset[str] | None = None
        self._generation = 0  # bumped by every fan-out: a shared HA-state read is then old
        self._sent_at = 0.0  # loop time of the last frame fanned out
        self._state: tuple[float, int, HaState | None] | None = None
        self._state_read: asyncio.Task[HaState | None] | None = None
        # Called with every relayed event, in the loop (the learned network listens for commits).
        self.listeners: list[Callable[[Event], None]] = []
        self.subscribed = asyncio.Event()
        self.relayed = 0
        self.opened = 0
        self.dropped = 0
        self.resumed = 0

    @property
    def clients(self) -> int:
        return len(self._clients)

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._follow(), name="sse-follow"),
            asyncio.create_task(self._watch_members(), name="sse-members"),
            asyncio.create_task(self._keep_alive(), name="sse-keep-alive"),
        ]

    async def close(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for sink in list(self._clients):
            self._drop(sink)

    # --- fan-out -----------------------------------------------------------------------------

    async def fan_out(self, data: bytes, event_id: EventId | None = None) -> None:
        """Hand a frame to every viewer, :data:`FAN_OUT_SLICE` of them per turn of the loop."""
        self._generation += 1
        self._sent_at = asyncio.get_running_loop().time()
        item = (event_id, data)
        clients = list(self._clients)
        for start in range(0, len(clients), FAN_OUT_SLICE):
            if start:
                await asyncio.sleep(0)  # one turn: the woken viewers write, sockets are read
            for sink in clients[start : start + FAN_OUT_SLICE]:
                if sink in self._clients and not sink.offer(item):  # (not gone meanwhile)
                    self.dropped += 1
                    log.info("dropping a slow event-stream client")
                    self._drop(sink)

    def _drop(self, sink: Sink) -> None:
        self._clients.discard(sink)
        sink.end()

    async def join(
        self, sink: Sink, last_event_id: str | None
    ) -> tuple[list[bytes], EventId | None]:
        """Take a viewer in: the frames to send it first (retry and hello, then what it missed
        since ``last_event_id``) and the newest log id they carry, up to which what it is
        offered meanwhile repeats them (:func:`is_repeat`). It stays until :meth:`leave`."""
        # Taken in before the hello and the replay are read: nothing after them is lost. A
        # fresh viewer's hello carries the newest id relayed by then, so it can resume even if
        # its stream breaks before the next event.
        self._clients.add(sink)
        baseline = self._ring[-1][0] if self._ring else None
        self.opened += 1
        try:
            since = parse_event_id(last_event_id)
            missed = await self._missed(since) if since is not None else None
            resumed = missed is not None
            hello_id = None if resumed or baseline is None else format_event_id(baseline)
            opening = [retry_field() + await self._hello(resumed=resumed, event_id=hello_id)]
        except BaseException:
            self.leave(sink)
            raise
        high = since if missed is not None else None
        for replayed, data in missed or ():
            opening.append(data)
            high = replayed
        return opening, high

    def leave(self, sink: Sink) -> None:
        self._clients.discard(sink)

    async def stream(self, last_event_id: str | None = None) -> AsyncIterator[bytes]:
        """One viewer's stream read through a queue: hello, what it missed since
        ``last_event_id``, then events and keep-alives, until it goes."""
        sink = _Queued()
        try:
            opening, high = await self.join(sink, last_event_id)
            for data in opening:
                yield data
            while True:
                event_id, data = await sink.queue.get()
                if not data:
                    return
                if not is_repeat(event_id, high):
                    yield data
        finally:
            self.leave(sink)

    async def _missed(self, since: EventId) -> list[tuple[EventId, bytes]] | None:
        """The frames after ``since``, or None when they cannot all be had (the viewer then
        starts afresh)."""
        if self._ring and self._ring[-1][0] < since:
            return None  # an id from no log this hub followed (or a log that was reset)
        if self._ring and self._ring[0][0] <= since:
            self.resumed += 1
            return [item for item in self._ring if item[0] > since]
        try:
            async with asyncio.timeout(HELLO_TIMEOUT):
                log_key = self._keys.events_log
                first: list[_Entry] = await self._redis.xrange(log_key, count=1)  # type: ignore[assignment]
                oldest = parse_event_id(first[0][0]) if first else None
                if oldest is None or oldest > since:
                    return None  # the log was trimmed past it (or never had it): a gap
                entries: list[_Entry] = await self._redis.xrange(  # type: ignore[assignment]
                    log_key, min=b"(" + format_event_id(since), count=REPLAY_MAX + 1
                )
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("event stream resume without the log: %s", exc)
            return None
        if len(entries) > REPLAY_MAX:
            return None
        frames = [item for item in map(self._decode, entries) if item is not None]
        self.resumed += 1
        return [(event_id, data) for event_id, data, _ in frames]

    async def _hello(self, *, resumed: bool, event_id: bytes | None) -> bytes:
        state = await self._shared_state()
        body = hello(state, self._served_by, resumed=resumed)
        return frame("hello", msgspec.json.encode(body), event_id)

    async def _shared_state(self) -> HaState | None:
        """The HA state for a hello: one read shared by the viewers arriving meanwhile."""
        loop = asyncio.get_running_loop()
        cached = self._state
        fresh = cached is not None and loop.time() - cached[0] < HELLO_REUSE
        if cached is not None and fresh and cached[1] == self._generation:
            return cached[2]
        if self._state_read is None or self._state_read.done():
            self._state_read = asyncio.create_task(self._read_state(self._generation))
        return await asyncio.shield(self._state_read)

    async def _read_state(self, generation: int) -> HaState | None:
        started = asyncio.get_running_loop().time()
        state: HaState | None
        try:
            async with asyncio.timeout(HELLO_TIMEOUT):
                state = await read_ha_state(self._redis, self._keys)
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("event stream hello without HA state: %s", exc)
            return None
        self._state = (started, generation, state)
        return state

    # --- sources -----------------------------------------------------------------------------

    async def _follow(self) -> None:
        """Relay the event log from where it stands; after a Redis failure, go on from the
        last id read (nothing in between is skipped), with backoff."""
        backoff = 0.1
        last: bytes | None = None
        while not self._stop.is_set():
            try:
                if last is None:
                    last = await self._prime()
                self.subscribed.set()
                backoff = 0.1
                while not self._stop.is_set():
                    answer: Any = await self._redis.xread(
                        {self._keys.events_log: last},
                        count=QUEUE_SIZE,
                        block=int(LISTEN_TIMEOUT * 1000),
                    )
                    for _name, entries in answer or ():
                        for entry in entries:
                            last = entry[0]
                            if (relayed := self._relay(entry)) is not None:
                                await self.fan_out(*relayed)
            except (RedisError, OSError) as exc:
                self.subscribed.clear()
                log.warning("event log unreadable, retrying in %.1f s: %s", backoff, exc)
                await sleep_unless(self._stop, backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)

    async def _prime(self) -> bytes:
        """Fill the ring with the newest frames of the log; the id to follow on from."""
        newest: list[_Entry] = await self._redis.xrevrange(  # type: ignore[assignment]
            self._keys.events_log, count=RING_SIZE
        )
        for entry in reversed(newest):
            item = self._decode(entry)
            if item is not None:
                self._ring.append((item[0], item[1]))
        return newest[0][0] if newest else b"0-0"

    def _decode(self, entry: _Entry) -> tuple[EventId, bytes, Event] | None:
        raw_id, fields = entry
        event_id = parse_event_id(raw_id)
        try:
            event = decode_event(fields.get(EVENT_FIELD, b""))
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning("ignoring a malformed logged event %r: %s", raw_id, exc)
            return None
        if event_id is None:
            return None
        # Re-encoded: the frame then holds exactly the event's fields, on one line.
        return event_id, _event_frame(event, raw_id), event

    def _relay(self, entry: _Entry) -> tuple[bytes, EventId] | None:
        """Take a log entry in (the ring, the listeners); the frame to fan out, if any."""
        item = self._decode(entry)
        if item is None:
            return None
        event_id, data, event = item
        self.relayed += 1
        self._ring.append((event_id, data))
        for listener in self.listeners:
            listener(event)
        return data, event_id

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
                    members = MembersEvent(alive=tuple(alive), down=tuple(down))
                    await self.fan_out(_event_frame(members))
                self._alive = now
            await sleep_unless(self._stop, MEMBERS_EVERY)

    async def _keep_alive(self) -> None:
        """A comment to every viewer when no frame went out for :data:`KEEPALIVE` seconds."""
        loop = asyncio.get_running_loop()
        self._sent_at = loop.time()
        while not self._stop.is_set():
            quiet = loop.time() - self._sent_at
            if quiet >= KEEPALIVE:
                await self.fan_out(KEEPALIVE_FRAME)
                continue
            await sleep_unless(self._stop, KEEPALIVE - quiet)
