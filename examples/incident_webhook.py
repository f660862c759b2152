"""Forward new incidents on one expressway route to a webhook, at least once.

A consumer of the pipeline's Redis stream in a consumer group of its own: the processors' group
(which writes MariaDB) and this one each receive every batch, independently. For every incident
batch, the incidents on ``--route`` that this group has not forwarded before are POSTed one by
one, as JSON, to ``--webhook``.

Delivery is at least once:

* A stream entry is acknowledged only after its handler returned, that is after the webhook
  answered 2xx for every new incident in it. A crash before that leaves the entry pending.
* A webhook outage (connection refused, timeout, 5xx, 408, 429) raises ``RetryableError``: the
  entry stays pending and is retried with backoff, without spending its delivery budget, so an
  outage of any length never dead-letters anything.
* A restarted process with the same ``--consumer`` name first re-handles its own pending
  entries (``StreamConsumer`` does that), and the group remembers how far it has read.
* Each request carries an ``Idempotency-Key`` header (also in the body): the incident's key,
  which KEC keeps stable while it updates the incident. A receiver that drops keys it has seen
  gets each incident exactly once, even across a crash between the 2xx and the acknowledgement.

Against a local stack (``trafficha up --detach``)::

    eval "$(trafficha env)"
    python examples/incident_webhook.py --route 0010 --webhook http://127.0.0.1:9999/hook
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import signal
import socket
import sys
import time
from datetime import datetime
from typing import Final
from urllib.parse import urlsplit

import aiohttp
import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from trafficha import (
    KST,
    Accident,
    AccidentBatch,
    ConfigError,
    RetryableError,
    Settings,
    StreamConsumer,
    StreamEntry,
    StreamKeys,
    load_settings,
    redis_client,
)

log = logging.getLogger("incident_webhook")

DEFAULT_GROUP: Final = "incident-webhook"
# How long an incident is remembered as forwarded. KEC keeps an incident in its feed for hours
# at most; two days is far past that and keeps the set small.
REMEMBER_S: Final = 2 * 24 * 3600
# Statuses that say "try again later" rather than "I refuse this request".
RETRY_STATUSES: Final = frozenset({408, 425, 429})


class WebhookKeys(StreamKeys):
    """The pipeline's stream, read by our own group, with the group's own bookkeeping keys.

    ``StreamKeys`` derives every key from the stream name. Two are overridden so this group
    stays out of the pipeline's books: its dead letters go to a stream of its own (the
    pipeline's ``<stream>:dead`` counts batches the processors could not apply, and operators
    watch it), and ``forwarded`` holds the incidents this group already delivered.
    """

    @property
    def dead(self) -> str:
        return f"{self.stream}:{self.group}:dead"

    @property
    def forwarded(self) -> str:
        """Sorted set: incident key -> when it was forwarded (epoch seconds)."""
        return f"{self.stream}:{self.group}:forwarded"


class IncidentNotice(msgspec.Struct, frozen=True, kw_only=True):
    """The JSON body POSTed for one incident. Times are ISO 8601 with +09:00 (KST)."""

    event: str = "incident.new"
    idempotency_key: str
    route_no: str
    batch_id: str
    source: str
    fetched_at: datetime
    incident: Accident


class WebhookRejectedError(Exception):
    """The webhook refused a notice (a 4xx other than "later"): retrying the same request as it
    is cannot help. ``StreamConsumer`` retries the entry a few times, then dead-letters it into
    this group's dead-letter stream, where the batch and the reason stay for inspection."""


def redacted(url: str) -> str:
    """The webhook URL without path or query: webhook URLs often embed a secret token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…"


class IncidentForwarder:
    """The consumer's handler: POSTs the new incidents of a batch on one route."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: WebhookKeys,
        session: aiohttp.ClientSession,
        *,
        webhook: str,
        route_no: str,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.session = session
        self.webhook = webhook
        self.route_no = route_no
        self.forwarded = 0

    async def __call__(self, batch: StreamEntry) -> None:
        # Tollgate volumes, road readings and the tollgate list are not ours: returning
        # normally acknowledges them for this group only.
        if not isinstance(batch, AccidentBatch):
            return
        watched = [a for a in batch.records if a.route_no == self.route_no]
        if not watched:
            return
        try:
            await self._forward(batch, watched)
        except RedisError as exc:
            # Redis itself is down: an outage, not the entry's fault. Any other exception would
            # spend the entry's delivery budget and could dead-letter it.
            raise RetryableError(f"redis: {exc}") from exc

    async def _forward(self, batch: AccidentBatch, watched: list[Accident]) -> None:
        # Each poll of the incident feed returns every incident still active, so the same
        # incident comes in batch after batch: only the first sighting is news.
        keys = [a.incident_key for a in watched]
        already = await self.redis.zmscore(self.keys.forwarded, keys)
        done = {key for key, score in zip(keys, already, strict=True) if score is not None}
        for accident in watched:
            if accident.incident_key in done:
                continue
            await self._post(batch, accident)
            # Marked only after the 2xx: a crash in between sends it again (at least once),
            # with the same idempotency key.
            await self.redis.zadd(self.keys.forwarded, {accident.incident_key: time.time()})
            done.add(accident.incident_key)
            self.forwarded += 1
            log.info("forwarded %s: %s", accident.incident_key, accident.sms_text)
        await self.redis.zremrangebyscore(self.keys.forwarded, "-inf", time.time() - REMEMBER_S)

    async def _post(self, batch: AccidentBatch, accident: Accident) -> None:
        # Batches travel as msgpack, whose timestamps come back in UTC: the receiver gets KST,
        # as every trafficha API serves it.
        notice = IncidentNotice(
            idempotency_key=accident.incident_key,
            route_no=self.route_no,
            batch_id=batch.batch_id,
            source=batch.source,
            fetched_at=batch.fetched_at.astimezone(KST),
            incident=msgspec.structs.replace(
                accident, occurred_at=accident.occurred_at.astimezone(KST)
            ),
        )
        headers = {"Content-Type": "application/json", "Idempotency-Key": notice.idempotency_key}
        try:
            async with self.session.post(
                self.webhook, data=msgspec.json.encode(notice), headers=headers
            ) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RetryableError(f"webhook unreachable: {type(exc).__name__}: {exc}") from exc
        if status >= 500 or status in RETRY_STATUSES:
            raise RetryableError(f"webhook answered HTTP {status}")
        if not 200 <= status < 300:
            raise WebhookRejectedError(f"webhook refused {accident.incident_key}: HTTP {status}")


async def ensure_group(redis: aioredis.Redis, keys: StreamKeys, *, from_start: bool) -> None:
    """Create our group, at the end of the stream unless ``from_start``.

    An existing group is left where it is: that is how a restart resumes. (StreamConsumer would
    create a missing group at the stream's start, replaying its whole history.)
    """
    try:
        await redis.xgroup_create(
            keys.stream, keys.group, id="0" if from_start else "$", mkstream=True
        )
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
    else:
        log.info("created group %s on %s", keys.group, keys.stream)


async def forward(args: argparse.Namespace, settings: Settings) -> None:
    keys = WebhookKeys(stream=settings.stream_key, group=args.group)
    redis = redis_client(settings)
    timeout = aiohttp.ClientTimeout(total=args.timeout)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            await ensure_group(redis, keys, from_start=args.from_start)
            forwarder = IncidentForwarder(
                redis, keys, session, webhook=args.webhook, route_no=args.route
            )
            consumer = StreamConsumer(
                redis,
                keys,
                args.consumer,
                forwarder,
                claim_idle_ms=int(settings.claim_idle.total_seconds() * 1000),
                max_deliveries=settings.max_deliveries,
            )
            # SIGTERM (a supervisor, kill) and SIGINT (Ctrl-C) let the entry in hand finish;
            # anything unacknowledged stays pending for the next start.
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, consumer.stop)
            log.info(
                "forwarding new incidents on route %s from %s (group %s, consumer %s) to %s",
                args.route,
                keys.stream,
                keys.group,
                args.consumer,
                redacted(args.webhook),
            )
            await consumer.run()
            log.info("stopped after forwarding %d incidents", forwarder.forwarded)
    finally:
        await redis.aclose()


def route_number(value: str) -> str:
    if not re.fullmatch(r"[0-9]{4}", value):
        raise argparse.ArgumentTypeError("a 4-digit route number, e.g. 0010 (경부선)")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="POST new incidents on one route to a webhook (settings from the env)."
    )
    parser.add_argument("--route", required=True, type=route_number, help="e.g. 0010 (경부선)")
    parser.add_argument("--webhook", required=True, help="URL receiving one POST per incident")
    parser.add_argument(
        "--group", default=DEFAULT_GROUP, help=f"consumer group (default {DEFAULT_GROUP})"
    )
    parser.add_argument(
        "--consumer",
        # Stable across restarts on one host, so a restart finds its own pending entries.
        default=f"{DEFAULT_GROUP}-{socket.gethostname()}",
        help="consumer name; keep it stable per instance (default: incident-webhook-<host>)",
    )
    parser.add_argument(
        "--from-start",
        action="store_true",
        help="a new group starts at the oldest entry kept instead of the next one",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per webhook request (default 10)"
    )
    args = parser.parse_args(argv)
    if urlsplit(args.webhook).scheme not in ("http", "https"):
        parser.error("--webhook: an http(s) URL")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"incident_webhook: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(forward(args, settings))
    except RedisError as exc:  # Redis unreachable at start (later outages are ridden out)
        print(f"incident_webhook: redis at {settings.redis_addr}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
