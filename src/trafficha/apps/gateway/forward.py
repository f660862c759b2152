"""Forwarding ``GET /api/*`` (and ``/schema/*``) to the data-API upstreams, in raw ASGI.

This is the gateway's hot path, so it talks ASGI directly and keeps header handling to a few
byte comparisons: one shared aiohttp session with keep-alive connections, no decompression (the
upstream's bytes and ``Content-Encoding`` go through as they are), no per-request objects beyond
the URL and the headers.

Compression and revalidation are the data API's (:mod:`trafficha.apps.compression`, in the app
kit): the client's ``Accept-Encoding`` and ``If-None-Match`` go up, and the answer comes down as
the data API coded it, with its ``Content-Encoding``, ``Vary``, ``ETag`` and ``Cache-Control``, a
``304`` as a ``304``. The gateway never decodes nor recodes: the data API codes each cached
answer once per data version, where the gateway would have to code every answer it relays
(about 2 ms for the 133 KB sections), and the hop between them carries the small bytes too.

An attempt fails on no connection, a timeout (``GATEWAY_TIMEOUT``, headers and body together), a
broken answer or a 5xx; a GET is idempotent, so the next upstream is tried. A 5xx is relayed only
when no upstream did better: it is the data API's own account of what went wrong. The event
stream is not forwarded: the gateway serves it from its own hub (:mod:`.events`), so no viewer
holds one of these connections.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

import aiohttp
from litestar.exceptions import HTTPException, MethodNotAllowedException
from litestar.types import Receive, Send
from yarl import URL

from trafficha.apps.gateway.metrics import GatewayMetrics, Outcome
from trafficha.apps.gateway.upstreams import Upstream, UpstreamPool
from trafficha.services.health import run_checks

__all__ = ["KEEPALIVE_TIMEOUT", "Forwarder"]

log = logging.getLogger(__name__)

# Connections kept per upstream: well above the concurrency one process serves at 2,000 req/s
# with millisecond answers, so a burst never waits for a free connection.
CONNECTIONS_PER_UPSTREAM: Final = 256
# Shorter than uvicorn's 5 s keep-alive on the data API: the gateway drops an idle connection
# before the upstream does, so a request never races the upstream's close of a pooled socket
# (which would count as a failure against a healthy upstream).
KEEPALIVE_TIMEOUT: Final = 4.0

# Request headers worth passing on; everything else (cookies, auth, hop-by-hop) stays here.
_FORWARDED_REQUEST: Final = frozenset(
    {
        b"accept",
        b"accept-encoding",
        b"accept-language",
        b"cache-control",
        b"if-modified-since",
        b"if-none-match",
        b"user-agent",
        b"x-request-id",
        b"x-trafficha-edge",  # the ingress's mark: the data API serves the public view
    }
)
# Response headers not passed through: hop-by-hop ones, those the gateway's server sets itself,
# the length (recomputed), and those the gateway replaces with its own.
_DROPPED_RESPONSE: Final = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"content-length",
        b"date",
        b"server",
        b"x-served-by",
        b"x-content-type-options",
        b"x-frame-options",
        b"referrer-policy",
        b"content-security-policy",
    }
)
_NO_BODY_STATUS: Final = frozenset({204, 304})


@dataclass(frozen=True, slots=True)
class _Answer:
    """An upstream's answer, its body read whole."""

    response: aiohttp.ClientResponse
    body: bytes


class Forwarder:
    """The upstream session, the failover loop and the relay of answers."""

    def __init__(
        self, pool: UpstreamPool, metrics: GatewayMetrics, *, member: str, timeout: float
    ) -> None:
        self._pool = pool
        self._metrics = metrics
        self._timeout = timeout
        self._served_by = f"{member}/gateway".encode()
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        connector = aiohttp.TCPConnector(
            limit=0,
            limit_per_host=CONNECTIONS_PER_UPSTREAM,
            keepalive_timeout=KEEPALIVE_TIMEOUT,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            # The client's Accept-Encoding decides compression; aiohttp must not add its own.
            skip_auto_headers=("Accept-Encoding", "User-Agent"),
            cookie_jar=aiohttp.DummyCookieJar(),
            # Deadlines are set per attempt (asyncio.timeout): an event stream must outlive one.
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self._timeout),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "the gateway is not started"
        return self._session

    # --- readiness --------------------------------------------------------------------------

    async def probe(self) -> dict[str, bool]:
        """Whether each upstream's ``/healthz`` answers 200 now (each within the readiness
        timeout of every probe, and within ``GATEWAY_TIMEOUT``)."""
        return await run_checks({u.url: partial(self._healthy, u) for u in self._pool.upstreams})

    async def _healthy(self, upstream: Upstream) -> bool:
        try:
            async with asyncio.timeout(self._timeout):
                async with self.session.get(f"{upstream.url}/healthz") as response:
                    await response.read()
                    return response.status == 200
        except (TimeoutError, aiohttp.ClientError):
            return False

    # --- forwarding -------------------------------------------------------------------------

    async def __call__(self, scope: Any, receive: Receive, send: Send) -> None:
        if scope["method"] != "GET":
            raise MethodNotAllowedException(
                detail=f"{scope['method']} is not allowed here: the API is read-only",
                headers={"Allow": "GET"},
            )
        target = scope["raw_path"].decode("latin-1")
        if query := scope["query_string"]:
            target = f"{target}?{query.decode('latin-1')}"
        headers = _request_headers(scope)
        failures: list[Outcome] = []
        last_error: _Answer | None = None
        for attempt, upstream in enumerate(self._pool.order()):
            if attempt:
                self._metrics.retries += 1
            outcome: Outcome
            try:
                answer = await self._exchange(upstream, target, headers)
            except TimeoutError:
                outcome = "timeout"
            except aiohttp.ClientConnectorError:
                outcome = "connect_error"
            except aiohttp.ClientError:
                outcome = "error"
            else:
                if answer.response.status < 500:
                    self._pool.succeeded(upstream)
                    self._metrics.attempt(upstream.url, "ok")
                    await self._relay(answer, send)
                    return
                outcome = "http_5xx"
                last_error = answer
            self._failed(upstream, outcome)
            failures.append(outcome)
        if last_error is not None:
            await self._relay(last_error, send)
            return
        self._metrics.unanswered += 1
        raise HTTPException(
            status_code=502, detail=f"no data API answered (tried: {', '.join(failures)})"
        )

    def _failed(self, upstream: Upstream, outcome: Outcome) -> None:
        self._metrics.attempt(upstream.url, outcome)
        if self._pool.failed(upstream):
            log.warning(
                "upstream %s ejected after consecutive failures (%s)", upstream.url, outcome
            )

    async def _exchange(
        self, upstream: Upstream, target: str, headers: list[tuple[str, str]]
    ) -> _Answer:
        """One attempt: the headers and the body, in time."""
        # encoded=True: the path goes on exactly as the client sent it, never re-normalized.
        url = URL(upstream.url + target, encoded=True)
        async with asyncio.timeout(self._timeout):
            response = await self.session.get(url, headers=headers, allow_redirects=False)
            try:
                body = await response.read()
            finally:
                response.release()
        return _Answer(response, body)

    async def _relay(self, answer: _Answer, send: Send) -> None:
        response = answer.response
        headers = self._response_headers(response.raw_headers, _DROPPED_RESPONSE)
        if response.status not in _NO_BODY_STATUS:
            headers.append((b"content-length", str(len(answer.body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body, "more_body": False})

    def _response_headers(self, raw: Any, dropped: frozenset[bytes]) -> list[tuple[bytes, bytes]]:
        headers: list[tuple[bytes, bytes]] = []
        served_by: bytes | None = None
        for name, value in raw:
            lowered = name.lower()
            if lowered not in dropped:
                headers.append((lowered, value))
            elif lowered == b"x-served-by":
                served_by = value
        if served_by:
            # The data API says "<member>/data-api"; both hops are named in one header, and each
            # member in a header of its own for clients that want just that.
            headers.append((b"x-served-by", self._served_by + b", " + served_by))
            headers.append((b"x-served-by-data-api", served_by.split(b"/", 1)[0].strip()))
        return headers


def _request_headers(scope: Any) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    chain: bytes | None = None
    for name, value in scope["headers"]:
        if name in _FORWARDED_REQUEST:
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
        elif name == b"x-forwarded-for":
            chain = value if chain is None else chain + b", " + value
    if chain is not None:
        # uvicorn has already replaced the peer with the chain's client when the peer is a
        # trusted proxy, so appending the peer would only repeat the client.
        headers.append(("X-Forwarded-For", chain.decode("latin-1")))
    elif client := scope.get("client"):
        headers.append(("X-Forwarded-For", client[0]))
    return headers
