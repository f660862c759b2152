"""Audience benchmark: thousands of event-stream viewers, a failover under them, and what one
browser moves, on a stack of its own.

Starts a local stack (simulated data, free ports, a temporary state directory; the gateways'
rate limit exempts 127.0.0.1, where every viewer comes from), waits until data flows and the
stack has run ``--warm`` seconds (a dashboard opened on a running system), then:
- a browser: Debian's Chromium opens the dashboard through the ingress in a phone's viewport and
  counts the bytes on the wire (CDP Network events): the first load, until no request has
  finished for 3 s, then an idle minute, by URL. First, so the audience does not distort it;
- a ramp: event-stream viewers (raw asyncio connections that behave like an EventSource:
  Last-Event-ID and the server's ``retry:`` on reconnect) grown to each ``--viewers`` count and
  held there under a steady GET load on what the dashboard polls (from a process of its own, so
  the viewers' work never delays its answers). Per count: commit-to-viewer delay (the event id's
  Redis time to its arrival here), the ingress's and gateways' memory per viewer, GET latency
  and failures;
- a failover: member1, made the collector leader, SIGKILLed under ``--failover-viewers`` viewers
  and a heavier GET load: failed GETs, how soon the viewers it cut off stream again and whether
  they resumed, events lost (ids in the event log a viewer never got), and the worst staleness
  of the collections the HA status lists, against their intervals. Then member1 is started.
Prints each figure against its target and a summary table. Exits 0 whatever the figures
(nonzero only when the run itself broke). Traffic goes to 127.0.0.1 only.

    .venv/bin/python bench/audience.py                                    # ~6 minutes
    .venv/bin/python bench/audience.py --viewers 200,500 --hold 10 --idle 20
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import math
import multiprocessing
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any, Final

import aiohttp
import msgspec
import redis.asyncio as aioredis
import uvloop
from playwright.async_api import ViewportSize, async_playwright

from trafficha.aio import sleep_unless
from trafficha.chaos.audience import HOST, Audience, Outage, Viewer, percentile
from trafficha.connections import redis_client
from trafficha.limits import raise_open_files
from trafficha.topology.local import LocalStack, free_ingress_port

# Debian's Chromium (Playwright cannot download its own here), with the flags a sandboxed root
# session and a closed network need, as tests/e2e use it; names other than 127.0.0.1 resolve to
# nothing, so the page cannot reach past the machine (map tiles, say).
CHROMIUM: Final = "/usr/bin/chromium"
CHROMIUM_ARGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)
PHONE: Final[ViewportSize] = {"width": 390, "height": 844}
QUIET_S: Final = 3.0  # the first load is over when no request has finished for this long
FIRST_LOAD_MAX_S: Final = 20.0
# What the dashboard polls and refetches (spa/src/lib/live.ts), the heavy list among them.
POLLED: Final = (
    "/api/ha/status",
    "/api/accidents/latest?limit=1000",
    "/api/road/summary",
    "/api/tollgates",
    "/api/accidents/stats",
)
SETTLE_S: Final = 3.0  # after the leader change, before the kill
BACK_WAIT_S: Final = 10.0  # after the window, for viewers still reconnecting
STATUS_EVERY_S: Final = 0.5
STALENESS_KINDS: Final = ("accidents", "road", "tollgate")
_AUDIENCE_PROCESSES: Final = frozenset({"member1-gateway", "member2-gateway", "ingress"})


# --- figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    limit: float
    unit: str

    @property
    def ok(self) -> bool:
        return self.value <= self.limit  # NaN (nothing measured) is never ok

    def verdict(self) -> str:
        return "PASS" if self.ok else "FAIL"

    def line(self) -> str:
        value = f"{self.value:>10,.0f}" if not self.unit else f"{self.value:>10,.1f}"
        return (
            f"{self.name:44} {value} {self.unit:3} "
            f"target <= {self.limit:g} {self.unit:3} {self.verdict()}"
        )


def check(targets: list[Target], target: Target) -> str:
    """Note a target for the summary; its verdict for the line being printed."""
    targets.append(target)
    return target.verdict()


# --- the browser ----------------------------------------------------------------------------


@dataclass
class Transfer:
    """One request's bytes on the wire: what ``loadingFinished`` says once it finished, the
    sum of its ``dataReceived`` until then (the event stream never finishes)."""

    url: str
    sent_at: float
    received: int = 0
    total: int | None = None

    @property
    def bytes(self) -> int:
        return self.received if self.total is None else self.total


class Transfers:
    """The page's requests, from its CDP ``Network`` events."""

    def __init__(self) -> None:
        self.requests: dict[str, Transfer] = {}
        self.last_finished = time.monotonic()

    def sent(self, params: dict[str, Any]) -> None:
        # A redirect keeps its request id: the first URL names it.
        if params["requestId"] not in self.requests:
            self.requests[params["requestId"]] = Transfer(
                params["request"]["url"], time.monotonic()
            )

    def data(self, params: dict[str, Any]) -> None:
        if (request := self.requests.get(params["requestId"])) is not None:
            request.received += int(params.get("encodedDataLength", 0))

    def finished(self, params: dict[str, Any]) -> None:
        if (request := self.requests.get(params["requestId"])) is not None:
            request.total = int(params["encodedDataLength"])
        self.last_finished = time.monotonic()

    def failed(self, _params: dict[str, Any]) -> None:
        self.last_finished = time.monotonic()  # what it received stays counted

    def snapshot(self) -> dict[str, int]:
        return {rid: r.bytes for rid, r in self.requests.items()}

    async def quiet(self, started: float) -> float:
        """Seconds from ``started`` until no request finished for :data:`QUIET_S` (at most
        :data:`FIRST_LOAD_MAX_S`)."""
        while True:
            now = time.monotonic()
            if now - self.last_finished >= QUIET_S or now - started >= FIRST_LOAD_MAX_S:
                return min(now - started, self.last_finished - started)
            await asyncio.sleep(0.1)


@dataclass(frozen=True)
class BrowserResult:
    first_bytes: int
    first_requests: int
    first_s: float
    idle_s: float
    idle_bytes: int
    idle_requests: int
    by_url: list[tuple[str, int, int]]  # URL, requests sent in the window, bytes in it


async def browse(base: str, idle_s: float) -> BrowserResult:
    """The dashboard's first load and an idle window after it, in a fresh phone context."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(CHROMIUM_ARGS)
        )
        try:
            context = await browser.new_context(viewport=PHONE)
            page = await context.new_page()
            cdp = await context.new_cdp_session(page)
            transfers = Transfers()
            cdp.on("Network.requestWillBeSent", transfers.sent)
            cdp.on("Network.dataReceived", transfers.data)
            cdp.on("Network.loadingFinished", transfers.finished)
            cdp.on("Network.loadingFailed", transfers.failed)
            await cdp.send("Network.enable")
            started = transfers.last_finished = time.monotonic()
            await page.goto(base + "/", wait_until="commit")
            first_s = await transfers.quiet(started)
            before = transfers.snapshot()
            window_start = time.monotonic()
            await asyncio.sleep(idle_s)
            after = transfers.snapshot()
            await context.close()
        finally:
            await browser.close()
    return BrowserResult(
        first_bytes=sum(before.values()),
        first_requests=len(before),
        first_s=first_s,
        idle_s=idle_s,
        idle_bytes=sum(after.values()) - sum(before.values()),
        idle_requests=sum(r.sent_at >= window_start for r in transfers.requests.values()),
        by_url=_by_url(transfers, before, after, window_start, base),
    )


def _by_url(
    transfers: Transfers, before: dict[str, int], after: dict[str, int], since: float, base: str
) -> list[tuple[str, int, int]]:
    counts: dict[str, int] = defaultdict(int)
    sizes: dict[str, int] = defaultdict(int)
    for rid, size in after.items():
        request = transfers.requests[rid]
        moved = size - before.get(rid, 0)
        if moved or request.sent_at >= since:
            url = request.url.removeprefix(base)
            counts[url] += request.sent_at >= since
            sizes[url] += moved
    return sorted(((u, counts[u], sizes[u]) for u in sizes), key=lambda row: -row[2])


def report_browser(result: BrowserResult, targets: list[Target]) -> None:
    first = Target("browser first load", result.first_bytes / 1024, 200, "KB")
    idle = Target(f"browser idle {result.idle_s:g} s", result.idle_bytes / 1024, 10, "KB")
    print(
        f"browser (Chromium, 390x844, fresh context): first load {first.value:,.1f} KB in "
        f"{result.first_requests} requests, quiet after {result.first_s:.1f} s   "
        f"target <= 200 KB {check(targets, first)}"
    )
    print(
        f"  idle {result.idle_s:g} s: {idle.value:,.2f} KB, {result.idle_requests} requests   "
        f"target <= 10 KB {check(targets, idle)}"
    )
    for url, count, size in result.by_url:
        print(f"    {size:>8,} B  {count:>3} req  {url}")


# --- the viewers ----------------------------------------------------------------------------


# --- the GET load (a process of its own) -----------------------------------------------------


@dataclass(frozen=True)
class Sample:
    at: float  # time.monotonic() at the request's start: one clock for every process here
    ms: float
    outcome: str  # the HTTP status, or the exception's name
    path: str

    @property
    def ok(self) -> bool:
        return self.outcome.isdigit() and (self.outcome[0] == "2" or self.outcome == "304")


def _load_process(base: str, rate: Synchronized[float], out: str) -> None:
    uvloop.run(_load(base, rate, Path(out)))


async def _load(base: str, rate: Synchronized[float], out: Path) -> None:
    """GETs at ``rate`` per second (read before each one: the parent changes it) over
    :data:`POLLED`, each written to ``out`` as it ends; until the rate is 0."""

    async def one(session: aiohttp.ClientSession, path: str) -> None:
        started = time.monotonic()
        try:
            async with session.get(base + path) as response:
                await response.read()
                outcome = str(response.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            outcome = type(exc).__name__
        log.write(f"{started:.6f} {(time.monotonic() - started) * 1000:.3f} {outcome} {path}\n")

    timeout = aiohttp.ClientTimeout(total=10)
    with out.open("a", buffering=1, encoding="utf-8") as log:  # a line per answer, flushed
        async with aiohttp.ClientSession(timeout=timeout) as session:
            tasks: set[asyncio.Task[None]] = set()
            n = 0
            due = time.monotonic()
            while (per_second := rate.value) > 0:
                task = asyncio.create_task(one(session, POLLED[n % len(POLLED)]))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1
                # Paced against the clock, not the last sleep: a fixed rate, whatever answers
                # take (a stall is made up, but never by more than a second's worth).
                due = max(due + 1 / per_second, time.monotonic() - 1)
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            await asyncio.gather(*tasks)


class GetLoad:
    """The load process: started, its rate changed, its samples read, stopped."""

    def __init__(self, base: str, rate: float, out: Path) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process holding a loop
        self.out = out
        self._rate = context.Value(ctypes.c_double, rate)
        self._process = context.Process(
            target=_load_process, args=(base, self._rate, str(out)), name="get-load"
        )

    def start(self, timeout: float = 30.0) -> None:
        """Start the process; return once it is loading (its log exists)."""
        self._process.start()
        deadline = time.monotonic() + timeout
        while not self.out.exists():
            if not self._process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the GET load did not start (exit {self._process.exitcode})")
            time.sleep(0.05)  # a spawned interpreter's imports: a second or two, once

    def set_rate(self, rate: float) -> None:
        self._rate.value = rate

    def between(self, start: float, end: float) -> list[Sample]:
        samples = []
        with self.out.open(encoding="utf-8") as lines:
            for line in lines:
                parts = line.split()
                if len(parts) == 4 and start <= float(parts[0]) < end:
                    samples.append(Sample(float(parts[0]), float(parts[1]), parts[2], parts[3]))
        return samples

    def stop(self) -> None:
        self._rate.value = 0
        self._process.join(15)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)


def describe_gets(samples: list[Sample]) -> str:
    failed = [s for s in samples if not s.ok]
    text = (
        f"{len(samples)} GETs, p50 {percentile([s.ms for s in samples], 50):.1f} ms, "
        f"p99 {percentile([s.ms for s in samples], 99):.1f} ms, max "
        f"{max((s.ms for s in samples), default=math.nan):.1f} ms, {len(failed)} failed"
    )
    if failed:
        outcomes: dict[str, int] = defaultdict(int)
        for s in failed:
            outcomes[f"{s.outcome} {s.path}"] += 1
        text += " (" + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())) + ")"
    return text


# --- the ramp -------------------------------------------------------------------------------


def rss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def audience_rss_kb(stack: LocalStack) -> int:
    """Resident memory of what holds the viewers' connections: the ingress and the gateways."""
    return sum(
        rss_kb(s.pid) for s in stack.status() if s.name in _AUDIENCE_PROCESSES and s.pid is not None
    )


@dataclass(frozen=True)
class Step:
    viewers: int
    streaming: int
    grow_s: float
    hold_s: float
    commits: int
    delays_ms: list[float]
    kb_per_viewer: float
    gets: list[Sample]
    outages: int


async def ramp_step(
    stack: LocalStack, audience: Audience, load: GetLoad, *, n: int, hold_s: float, base_kb: int
) -> Step:
    started = time.monotonic()
    await audience.resize(n)
    grown = time.monotonic()
    outages = sum(len(v.outages) for v in audience.viewers)
    audience.deliveries.reset()
    await asyncio.sleep(hold_s)
    held = time.monotonic()
    deliveries = audience.deliveries
    return Step(
        viewers=n,
        streaming=audience.streaming,
        grow_s=grown - started,
        hold_s=held - grown,
        commits=len(deliveries.commits),
        delays_ms=deliveries.delays_ms,
        kb_per_viewer=(audience_rss_kb(stack) - base_kb) / n,
        gets=load.between(grown, held),
        outages=sum(len(v.outages) for v in audience.viewers) - outages,
    )


def report_top(top: Step, targets: list[Target]) -> None:
    """The targets at the largest audience."""
    at = f"{top.viewers:,} viewers"
    delay = Target(f"{at}: commit-to-viewer p99", percentile(top.delays_ms, 99), 1000, "ms")
    get = Target(f"{at}: GET p99", percentile([s.ms for s in top.gets], 99), 50, "ms")
    print(
        f"  at {at}: commit-to-viewer p99 target <= 1000 ms {check(targets, delay)}, "
        f"GET p99 target <= 50 ms {check(targets, get)}"
    )


def report_step(step: Step) -> None:
    print(
        f"{step.viewers:,} viewers: {step.streaming:,} streaming (grown in {step.grow_s:.1f} s), "
        f"held {step.hold_s:.0f} s, {step.outages} streams lost meanwhile"
    )
    print(
        f"  {step.commits} commits, {len(step.delays_ms):,} deliveries: commit-to-viewer "
        f"p50 {percentile(step.delays_ms, 50):,.0f} ms, p99 {percentile(step.delays_ms, 99):,.0f} "
        f"ms, max {max(step.delays_ms, default=math.nan):,.0f} ms"
    )
    print(
        f"  memory: {step.kb_per_viewer:,.1f} KB per viewer (ingress + gateways, over their "
        f"0-viewer RSS)"
    )
    print(f"  {describe_gets(step.gets)}")


# --- the failover ---------------------------------------------------------------------------


async def _holder(redis: aioredis.Redis, stack: LocalStack) -> str:
    raw: Any = await redis.hgetall(stack.keys().holder)
    return raw[b"holder"].decode() if raw else ""


async def _until(condition: Callable[[], Awaitable[bool]], timeout: float) -> None:
    """Poll ``condition()`` (another process changes what it reads) until true."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)


async def make_leader_member1(stack: LocalStack, redis: aioredis.Redis) -> None:
    """As bench/failover.py does: kill member2's collector until member1's holds the lease,
    then start it again (a follower now)."""

    async def held_by(prefix: str) -> bool:
        holder = await _holder(redis, stack)
        return bool(holder) and holder.startswith(prefix)

    await _until(lambda: held_by(""), 15)  # a leader at all
    if await held_by("member1/"):
        return
    collector = next(s for s in stack.members["member2"] if s.name == "collector")
    await asyncio.to_thread(collector.process.kill)
    await _until(lambda: held_by("member1/"), 15)
    await asyncio.to_thread(stack.start_member, "member2")


async def last_log_id(redis: aioredis.Redis, stack: LocalStack) -> bytes:
    newest: Any = await redis.xrevrange(stack.keys().events_log, count=1)
    return bytes(newest[0][0]) if newest else b"0-0"


class CollectionAt(msgspec.Struct, rename="camel"):
    kind: str
    at: datetime
    interval_seconds: float | None = None


class StatusCollections(msgspec.Struct):
    collections: list[CollectionAt]


async def watch_staleness(base: str, stop: asyncio.Event) -> tuple[dict[str, float], int]:
    """The HA status through the ingress every half second until ``stop``: per kind, the worst
    age of its last collection over its interval; and how many reads failed."""
    worst: dict[str, float] = {}
    failed = 0
    decoder = msgspec.json.Decoder(StatusCollections)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while not stop.is_set():
            try:
                async with session.get(base + "/api/ha/status") as response:
                    response.raise_for_status()
                    body = decoder.decode(await response.read())
            except (aiohttp.ClientError, TimeoutError, msgspec.DecodeError):
                failed += 1
            else:
                now = datetime.now(UTC)
                for c in body.collections:
                    if c.kind in STALENESS_KINDS and c.interval_seconds:
                        ratio = (now - c.at).total_seconds() / c.interval_seconds
                        worst[c.kind] = max(worst.get(c.kind, 0.0), ratio)
            await sleep_unless(stop, STATUS_EVERY_S)
    return worst, failed


@dataclass(frozen=True)
class FailoverResult:
    viewers: int
    on_member1: int
    gets: list[Sample]
    broke: int
    back_s: list[float]  # per viewer that came back: from the kill to its new stream's hello
    not_back: int
    resumed: int
    broke_again: int
    without_id: int  # broke before their stream carried any id: nothing to resume from
    events: int
    lost: int
    lost_viewers: int
    lost_resumed: int  # of the viewers that lost events, those whose every return resumed
    staleness: dict[str, float]
    status_failed: int


def window_outages(viewer: Viewer, since: float) -> list[Outage]:
    return [o for o in viewer.outages if o.down_at >= since]


async def failover(
    stack: LocalStack,
    audience: Audience,
    load: GetLoad,
    redis: aioredis.Redis,
    *,
    viewers: int,
    rate: float,
    window_s: float,
) -> FailoverResult:
    base = f"http://{HOST}:{stack.layout.ingress_port}"
    await audience.resize(viewers)
    load.set_rate(rate)
    await make_leader_member1(stack, redis)
    await asyncio.sleep(SETTLE_S)
    start_id = await last_log_id(redis, stack)
    for viewer in audience.viewers:
        viewer.seen.clear()
    on_member1 = sum(v.served_by.startswith("member1/") for v in audience.viewers)
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_staleness(base, stop))
    started = time.monotonic()
    await asyncio.sleep(1)  # the load and the watch before the kill
    killed = time.monotonic()
    await asyncio.to_thread(stack.kill_member, "member1")
    await asyncio.sleep(killed + window_s - time.monotonic())
    end_id = await last_log_id(redis, stack)
    ended = time.monotonic()
    stop.set()
    staleness, status_failed = await watcher
    await _back(audience, killed)
    logged: Any = await redis.xrange(stack.keys().events_log, min=b"(" + start_id, max=end_id)
    ids = [bytes(entry[0]) for entry in logged]
    missing = [sum(i not in v.seen for i in ids) for v in audience.viewers]
    broken = [w for v in audience.viewers if (w := window_outages(v, killed))]
    return FailoverResult(
        viewers=len(audience.viewers),
        on_member1=on_member1,
        gets=load.between(started, ended),
        broke=len(broken),
        back_s=[w[-1].back_at - killed for w in broken if w[-1].back_at is not None],
        not_back=sum(w[-1].back_at is None for w in broken),
        resumed=sum(all(o.resumed for o in w) for w in broken),
        broke_again=sum(len(w) > 1 for w in broken),
        without_id=sum(not w[0].had_id for w in broken),
        events=len(ids),
        lost=sum(missing),
        lost_viewers=sum(m > 0 for m in missing),
        lost_resumed=sum(
            m > 0 and all(o.resumed for o in window_outages(v, killed))
            for v, m in zip(audience.viewers, missing, strict=True)
        ),
        staleness=staleness,
        status_failed=status_failed,
    )


async def _back(audience: Audience, since: float) -> None:
    """Until every viewer the kill cut off streams again (at most :data:`BACK_WAIT_S`), and a
    second at least, for the frames of the window's last events to arrive."""
    await asyncio.sleep(1)
    for _ in range(int(BACK_WAIT_S / 0.1)):
        # Looked at, not awaited: thousands of viewers' outages, none with an event to wait on.
        if not any(o.back_at is None for v in audience.viewers for o in window_outages(v, since)):
            return
        await asyncio.sleep(0.1)


def _back_figure(result: FailoverResult, q: float) -> float:
    """A percentile of the viewers' times back: infinite while one is not back, NaN when the
    kill broke no stream (it then missed the audience: nothing was measured)."""
    if not result.broke:
        return math.nan
    return math.inf if result.not_back else percentile(result.back_s, q)


def report_failover(result: FailoverResult, window_s: float, targets: list[Target]) -> None:
    failed = Target("failover: failed GETs", sum(not s.ok for s in result.gets), 0, "")
    back99 = Target("failover: viewers streaming again, p99", _back_figure(result, 99), 5, "s")
    back = Target("failover: viewers streaming again, worst", _back_figure(result, 100), 5, "s")
    lost = Target("failover: events lost", result.lost, 0, "")
    stale = max(result.staleness.values(), default=math.nan)
    staleness = Target("failover: worst staleness / interval", stale, 2.0, "x")
    print(
        f"failover: member1 (the leader) SIGKILLed under {result.viewers:,} viewers "
        f"({result.on_member1:,} on its gateway), {window_s:g} s watched"
    )
    print(f"  {describe_gets(result.gets)}   target 0 failed {check(targets, failed)}")
    print(
        f"  {result.broke:,} streams broke, {len(result.back_s):,} back, {result.not_back} not "
        f"back; {result.resumed:,} resumed, {result.broke_again} broke more than once; "
        f"{result.without_id:,} had no id to resume from (no id'd event since their hello)"
    )
    print(
        f"  streaming again after the kill: p50 {percentile(result.back_s, 50):.2f} s, "
        f"p99 {back99.value:.2f} s {check(targets, back99)}, worst {back.value:.2f} s "
        f"{check(targets, back)}   target <= 5 s"
    )
    print(
        f"  events logged in the window: {result.events}; lost {result.lost} over "
        f"{result.lost_viewers} viewers ({result.lost_resumed} of them resumed)   "
        f"target 0 {check(targets, lost)}"
    )
    kinds = ", ".join(
        f"{k} {result.staleness[k]:.2f}" if k in result.staleness else f"{k} not listed"
        for k in STALENESS_KINDS
    )
    print(
        f"  staleness / interval, worst: {kinds} ({result.status_failed} status reads failed)"
        f"   target <= 2.0 {check(targets, staleness)}"
    )


# --- the run --------------------------------------------------------------------------------


async def audience_phases(
    stack: LocalStack, args: argparse.Namespace, targets: list[Target]
) -> None:
    port = stack.layout.ingress_port
    base = f"http://{HOST}:{port}"
    base_kb = audience_rss_kb(stack)
    print(f"0 viewers: ingress + gateways {base_kb / 1024:,.1f} MB resident")
    audience = Audience(port)
    load = GetLoad(base, args.rate, Path(args.tmp) / "gets.log")
    redis = redis_client(stack.settings())
    load.start()
    try:
        steps = []
        for n in args.viewers:
            step = await ramp_step(stack, audience, load, n=n, hold_s=args.hold, base_kb=base_kb)
            report_step(step)
            steps.append(step)
        report_top(steps[-1], targets)
        result = await failover(
            stack,
            audience,
            load,
            redis,
            viewers=args.failover_viewers,
            rate=args.failover_rate,
            window_s=args.window,
        )
        report_failover(result, args.window, targets)
        if audience.refused or audience.connect_errors:
            refused = ", ".join(f"{k}: {v}" for k, v in sorted(audience.refused.items()))
            errors = audience.connect_errors
            print(f"  over the run: streams refused {{{refused}}}, connects failed {errors}")
    finally:
        audience.close()
        load.stop()
        await redis.aclose()
    await asyncio.to_thread(stack.start_member, "member1")


def viewer_counts(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or min(counts) <= 0:
        raise argparse.ArgumentTypeError("comma-separated positive counts, e.g. 1000,2500,5000")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", type=viewer_counts, default=[1000, 2500, 5000])
    parser.add_argument("--hold", type=float, default=30.0, help="seconds at each viewer count")
    parser.add_argument("--rate", type=float, default=50.0, help="GETs per second, the ramp")
    parser.add_argument("--failover-viewers", type=int, default=2000)
    parser.add_argument("--failover-rate", type=float, default=200.0, help="GETs per second")
    parser.add_argument("--window", type=float, default=20.0, help="seconds watched after the kill")
    parser.add_argument("--idle", type=float, default=60.0, help="the browser's idle seconds")
    parser.add_argument(
        "--warm",
        type=float,
        default=120.0,
        help="seconds the stack runs before the browser opens the dashboard (a viewer arrives "
        "at a running system, not at one whose every incident was first seen a moment ago)",
    )
    args = parser.parse_args()
    raise_open_files()  # thousands of viewer sockets in this process
    # (Every viewer and GET comes from 127.0.0.1, which the gateways' rate limit exempts.)
    targets: list[Target] = []
    with tempfile.TemporaryDirectory(prefix="trafficha-bench-audience-") as tmp:
        args.tmp = tmp
        stack = LocalStack(Path(tmp) / "stack", ingress_port=free_ingress_port())
        try:
            stack.up(mode="sim")
            stack.wait_for_data()
            time.sleep(args.warm)
            base = f"http://{HOST}:{stack.layout.ingress_port}"
            report_browser(asyncio.run(browse(base, args.idle)), targets)
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(audience_phases(stack, args, targets))
        finally:
            stack.down()
    print("\nsummary:")
    for target in targets:
        print(f"  {target.line()}")


if __name__ == "__main__":
    main()
