"""Event-stream viewers for load: thousands of ``/api/events`` streams that behave like a
browser's ``EventSource`` (reconnected after the stream's ``retry:``, with ``Last-Event-ID``),
as raw asyncio protocols, cheap enough that 5,000 of them and the stack share two cores.

``bench/audience.py`` measures with them; the chaos kit runs them in a process of its own beside
the Locust load (:func:`trafficha.chaos.actions.start_load` with ``viewers``), whose counts the
probe :func:`trafficha.chaos.probes.viewers_recovered` reads:

    python -m trafficha.chaos.audience --url http://127.0.0.1:8080 --viewers 2000 \
        --duration 60 --out F
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import signal
import time
from collections import defaultdict
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, cast
from urllib.parse import urlsplit

import msgspec

from trafficha.chaos.target import write_json
from trafficha.limits import raise_open_files

__all__ = ["Audience", "Outage", "Viewer", "main", "percentile"]

HOST: Final = "127.0.0.1"
# Viewers connect this many at a time, each batch's hellos awaited: a burst of thousands of
# SYNs would overrun the ingress's listen backlog and time out in the kernel, not the stack.
BATCH: Final = 200
HELLO_WAIT_S: Final = 30.0
CONNECT_TIMEOUT_S: Final = 5.0
RETRY_FALLBACK_S: Final = (0.5, 3.0)  # before a stream said its retry: (the hub's own range)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100); NaN without values (a target then fails)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered)) - 1
    return ordered[min(len(ordered) - 1, max(0, rank))]


# --- the viewers ----------------------------------------------------------------------------


class StreamEndedError(Exception):
    """The response's last chunk arrived: the server ended the stream."""


class SseReader:
    """One response's bytes as SSE blocks: the HTTP head, then the body de-chunked (or raw,
    were a proxy ever to send it without chunked coding)."""

    def __init__(self) -> None:
        self.status: int | None = None
        self._head = bytearray()
        self._chunked = False
        self._raw = bytearray()
        self._left = 0  # bytes of the current chunk still to come
        self._crlf = False  # the CRLF closing a chunk is due
        self._body = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """The blocks completed by ``data``.

        Raises:
            StreamEndedError: the last chunk came.
            ValueError: not HTTP, or a malformed chunk size.
        """
        if self.status is None:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return []
            head, data = bytes(self._head[:end]).lower(), bytes(self._head[end + 4 :])
            self.status = int(head.split(b" ", 2)[1])
            self._chunked = b"\r\ntransfer-encoding: chunked" in head
        if self._chunked:
            self._raw += data
            self._dechunk()
        else:
            self._body += data
        return self._blocks()

    def _dechunk(self) -> None:
        raw = self._raw
        while raw:
            if self._left:
                take = min(self._left, len(raw))
                self._body += raw[:take]
                del raw[:take]
                self._left -= take
                self._crlf = not self._left
            elif self._crlf:
                if len(raw) < 2:
                    return
                del raw[:2]
                self._crlf = False
            else:
                end = raw.find(b"\r\n")
                if end < 0:
                    return
                size = int(bytes(raw[:end]).split(b";", 1)[0], 16)
                del raw[: end + 2]
                if size == 0:
                    raise StreamEndedError
                self._left = size

    def _blocks(self) -> list[bytes]:
        blocks = []
        while (end := self._body.find(b"\n\n")) >= 0:
            blocks.append(bytes(self._body[:end]))
            del self._body[: end + 2]
        return blocks


def sse_fields(block: bytes) -> dict[bytes, bytes]:
    """An SSE block's fields (``id``, ``event``, ``data``, ``retry``); comments left out."""
    fields = {}
    for line in block.split(b"\n"):
        if line and not line.startswith(b":"):
            name, _, value = line.partition(b":")
            fields[name] = value.removeprefix(b" ")
    return fields


class Hello(msgspec.Struct, rename="camel"):
    served_by: str = ""
    resumed: bool = False


_HELLO: Final = msgspec.json.Decoder(Hello)


@dataclass
class Outage:
    """A viewer without a stream: from the loss until a new stream's hello."""

    down_at: float
    # Whether the lost stream had carried an id to send as Last-Event-ID (a hello has none).
    had_id: bool
    back_at: float | None = None
    resumed: bool = False


@dataclass
class Deliveries:
    """What every viewer received since the last reset (a hold)."""

    delays_ms: list[float] = field(default_factory=list)
    commits: set[bytes] = field(default_factory=set)

    def commit(self, event_id: bytes) -> None:
        # The id's milliseconds are Redis's clock at the XADD, the same machine's as ours.
        self.delays_ms.append(time.time_ns() / 1e6 - int(event_id.split(b"-", 1)[0]))
        self.commits.add(event_id)

    def reset(self) -> None:
        self.delays_ms = []
        self.commits = set()


class Viewer(asyncio.Protocol):
    """One dashboard's event stream, as an EventSource keeps it: reconnected after a loss at
    the stream's ``retry:``, with the last id it saw."""

    def __init__(self, audience: Audience) -> None:
        self.audience = audience
        self.streaming = asyncio.Event()  # between a hello and the stream's loss
        self.closed = False
        self.last_id: bytes | None = None
        self.retry_s: float | None = None
        self.served_by = ""
        self.seen: set[bytes] = set()
        self.outages: list[Outage] = []
        self._transport: asyncio.Transport | None = None
        self._reader = SseReader()
        self._timer: asyncio.TimerHandle | None = None

    def connect(self) -> None:
        self._timer = None
        if not self.closed:
            self.audience.spawn(self._open())

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                await loop.create_connection(lambda: self, HOST, self.audience.port)
        except (OSError, TimeoutError):
            self.audience.connect_errors += 1
            self._lost()

    def close(self) -> None:
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
        if self._transport is not None:
            self._transport.close()

    # --- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        if self.closed:
            self._transport.close()
            return
        self._reader = SseReader()
        self._transport.write(self.audience.request(self.last_id))

    def data_received(self, data: bytes) -> None:
        try:
            blocks = self._reader.feed(data)
        except (StreamEndedError, ValueError, IndexError):
            self._abort()
            return
        if self._reader.status is not None and self._reader.status != 200:
            self.audience.refused[self._reader.status] += 1
            self._abort()
            return
        for block in blocks:
            self._block(block)

    def eof_received(self) -> bool | None:
        return None  # the transport closes; connection_lost reconnects

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._lost()

    # --- the stream ----------------------------------------------------------------------------

    def _abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def _lost(self) -> None:
        self.streaming.clear()
        if self.closed:
            return
        if not self.outages or self.outages[-1].back_at is not None:
            self.outages.append(Outage(time.monotonic(), had_id=self.last_id is not None))
        # The server's retry: is drawn per stream (its jitter), as a browser would use it.
        delay = self.retry_s if self.retry_s is not None else random.uniform(*RETRY_FALLBACK_S)  # noqa: S311 - jitter
        self._timer = asyncio.get_running_loop().call_later(delay, self.connect)

    def _block(self, block: bytes) -> None:
        fields = sse_fields(block)
        if (retry := fields.get(b"retry")) is not None and retry.isdigit():
            self.retry_s = int(retry) / 1000
        event = fields.get(b"event")
        if event == b"hello":
            self._hello(fields.get(b"data", b"{}"))
        if event_id := fields.get(b"id"):
            self.last_id = event_id
            self.seen.add(event_id)
            if event == b"commit":
                self.audience.deliveries.commit(event_id)

    def _hello(self, data: bytes) -> None:
        try:
            hello = _HELLO.decode(data)
        except msgspec.DecodeError:
            hello = Hello()
        self.served_by = hello.served_by
        self.streaming.set()
        if self.outages and self.outages[-1].back_at is None:
            self.outages[-1].back_at = time.monotonic()
            self.outages[-1].resumed = hello.resumed


class Audience:
    """The viewers, the work they leave behind (reconnect tasks) and what they received."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.viewers: list[Viewer] = []
        self.deliveries = Deliveries()
        self.refused: dict[int, int] = defaultdict(int)  # HTTP status -> answers other than 200
        self.connect_errors = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._request = (
            f"GET /api/events HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            "Accept: text/event-stream\r\nCache-Control: no-cache\r\n"
        ).encode()

    def request(self, last_id: bytes | None) -> bytes:
        resume = b"Last-Event-ID: " + last_id + b"\r\n" if last_id else b""
        return self._request + resume + b"\r\n"

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)  # held: the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)

    @property
    def streaming(self) -> int:
        return sum(v.streaming.is_set() for v in self.viewers)

    async def resize(self, n: int) -> None:
        """Close the newest viewers beyond ``n``, or add viewers up to ``n``, a batch at a
        time, each batch's hellos awaited (a batch that does not get them all goes on)."""
        for viewer in self.viewers[n:]:
            viewer.close()
        del self.viewers[n:]
        while len(self.viewers) < n:
            batch = [Viewer(self) for _ in range(min(BATCH, n - len(self.viewers)))]
            self.viewers += batch
            for viewer in batch:
                viewer.connect()
            try:
                async with asyncio.timeout(HELLO_WAIT_S):
                    await asyncio.gather(*(v.streaming.wait() for v in batch))
            except TimeoutError:
                pass  # those without a stream are reported as not connected

    def close(self) -> None:
        for viewer in self.viewers:
            viewer.close()
        self.viewers = []


# --- the chaos kit's viewers process ---------------------------------------------------------


def summary(audience: Audience, *, url: str, started_at: float, done: bool) -> dict[str, Any]:
    """What the viewers went through, for the chaos probes: every stream that broke, how long
    until it streamed again, and whether it resumed after its last id."""
    outages = [o for v in audience.viewers for o in v.outages]
    back = [o.back_at - o.down_at for o in outages if o.back_at is not None]
    return {
        "url": url,
        "started_at": started_at,
        "updated_at": time.time(),
        "viewers": len(audience.viewers),
        "streaming": audience.streaming,
        "broke": len(outages),
        "back": len(back),
        "not_back": len(outages) - len(back),
        "resumed": sum(o.resumed for o in outages if o.back_at is not None),
        "could_resume": sum(o.had_id for o in outages if o.back_at is not None),
        "worst_back_s": max(back, default=0.0),
        "p99_back_s": percentile(back, 99) if back else 0.0,
        "refused": dict(audience.refused),
        "connect_errors": audience.connect_errors,
        "done": done,
    }


async def _run(url: str, viewers: int, duration: float, out: Path) -> None:
    port = urlsplit(url).port or 80
    audience = Audience(port)
    started = time.time()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.call_later(duration, stop.set)

    def write(*, done: bool) -> None:
        write_json(out, summary(audience, url=url, started_at=started, done=done))

    write(done=False)
    grow = asyncio.ensure_future(audience.resize(viewers))
    try:
        while not stop.is_set():
            write(done=False)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
    finally:
        grow.cancel()
        write(done=True)
        audience.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trafficha.chaos.audience")
    parser.add_argument("--url", required=True, help="the ingress, on 127.0.0.1")
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if urlsplit(args.url).hostname != HOST:
        parser.error("the viewers connect to 127.0.0.1 only")
    raise_open_files()
    import uvloop  # noqa: PLC0415 - the viewers' loop; the library needs none

    uvloop.run(_run(args.url, args.viewers, args.duration, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
