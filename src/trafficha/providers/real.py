"""The real KEC OpenAPI adapter (aiohttp): paging, timeouts, bounded retries, no key in logs.

It also serves as the proxy-cache provider: our OpenAPI proxy speaks the same wire format on the
same paths, so pointing the endpoint URLs at one or more proxies is all that differs. With
several base URLs (own member's proxy first) a network failure or 5xx on one moves to the next.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, TypeVar
from urllib.parse import urlsplit

import aiohttp

from trafficha.config import Settings
from trafficha.datasets.registry import DATASETS, by_endpoint
from trafficha.datasets.spec import Dataset
from trafficha.errors import ProviderError, ProviderPayloadError, ProviderUnavailableError
from trafficha.providers.kec import excerpt, parse_page
from trafficha.secrets import Secret, redact_url

log = logging.getLogger(__name__)

RecordT = TypeVar("RecordT")

# The portal's WAF has answered plain client user agents with an HTML "Request Blocked" page.
USER_AGENT: Final = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0 Safari/537.36"
)
REFERER: Final = "https://data.ex.co.kr/"
# A bound on paging: far above any real dataset (locationinfoUnit is 6 pages of 100), it stops
# a broken pageSize from looping for ever.
MAX_PAGES: Final = 500


@dataclass(frozen=True)
class Endpoint:
    """Where to ask for one dataset (alternatives in order), with which key and parameters.

    ``params`` and ``page_rows`` default to those of the dataset's feed.
    """

    urls: tuple[str, ...]
    key: Secret | None
    params: Mapping[str, str] | None = None
    page_rows: int | None = None


class RealProvider:
    """A :class:`~trafficha.providers.base.Provider` over the KEC OpenAPI wire format.

    Args:
        endpoints: by dataset endpoint name (``accidents``, ``locations`` …); a dataset without
            one cannot be fetched.
        timeout: seconds per HTTP request.
        attempts: tries per request on network errors and 5xx (never on a rejected key).
        backoff: base seconds of the jittered exponential backoff between tries.

    Each URL of an endpoint (KEC itself, or our proxies, own member's first) is tried in turn.
    Fetches raise :class:`~trafficha.errors.ProviderAuthError` for a rejected key,
    :class:`~trafficha.errors.ProviderPayloadError` for an unusable payload, and
    :class:`~trafficha.errors.ProviderUnavailableError` when no URL answered after retries, or a
    proxy could only serve a stale copy. Messages and logs never carry the key.
    """

    source: Literal["real"] = "real"

    def __init__(
        self,
        endpoints: Mapping[str, Endpoint],
        *,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 0.2,
    ) -> None:
        self.endpoints = dict(endpoints)
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RealProvider:
        """KEC's endpoints from settings, or our proxies' when ``OPENAPI_PROXY_URL`` is set."""
        proxies = settings.openapi_proxy_urls
        return cls(
            {
                d.endpoint: Endpoint(
                    endpoint_urls(proxies, d.endpoint) if proxies else (d.url(settings),),
                    d.key(settings),
                )
                for d in DATASETS
            }
        )

    async def aclose(self) -> None:
        """Close the HTTP session (a later fetch opens a new one)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={
                    "User-Agent": USER_AGENT,
                    "Referer": REFERER,
                    "Accept": "application/json",
                },
            )
        return self._session

    async def fetch(self, dataset: Dataset[RecordT]) -> list[RecordT]:
        """Every page of the dataset's feed. KEC may ignore numOfRows, so pages follow its
        pageSize (errors: see the class)."""
        endpoint = self.endpoints.get(dataset.endpoint)
        if endpoint is None:
            raise ProviderUnavailableError(f"{dataset.endpoint}: no endpoint configured")
        params = {
            **(dataset.feed.params if endpoint.params is None else endpoint.params),
            "type": "json",
            "numOfRows": str(endpoint.page_rows or dataset.feed.page_rows),
        }
        body = await self._get(endpoint, params, page=1)
        records = dataset.parse(body)
        pages = parse_page(body).page_count or 1
        if pages > MAX_PAGES:
            raise ProviderPayloadError(
                f"{dataset.endpoint}: pageSize {pages} is beyond {MAX_PAGES}",
                excerpt=excerpt(body),
            )
        for page in range(2, pages + 1):
            more = dataset.parse(await self._get(endpoint, params, page=page))
            records.absorb(more)
            if not more and not more.rejected:
                break  # the snapshot shrank between pages
        return records

    async def _get(self, endpoint: Endpoint, query: Mapping[str, str], *, page: int) -> bytes:
        params = {**query, "pageNo": str(page)}
        if endpoint.key:
            params["key"] = endpoint.key.reveal()
        failure: ProviderError | None = None
        for attempt in range(self.attempts):
            for url in endpoint.urls:
                try:
                    return await self._get_once(url, params)
                except ProviderUnavailableError as exc:
                    failure = exc
                    log.warning("%s (attempt %d of %d)", exc, attempt + 1, self.attempts)
            if attempt + 1 < self.attempts:
                # Full jitter: two members retrying the same outage don't hit it in step.
                await asyncio.sleep(random.uniform(0, self.backoff * 2**attempt))  # noqa: S311
        assert failure is not None
        raise failure

    async def _get_once(self, url: str, params: Mapping[str, str]) -> bytes:
        where = _where(url)
        try:
            async with self._client().get(url, params=params) as response:
                body = await response.read()
                status = response.status
                stale = response.headers.get("X-Cache") == "stale"
                upstream_error = response.headers.get("X-Upstream-Error", "upstream failing")
        except (aiohttp.ClientError, TimeoutError) as exc:
            reason = type(exc).__name__ if isinstance(exc, TimeoutError) else str(exc)
            raise ProviderUnavailableError(f"{where}: {redact_url(reason)}") from None
        if status >= 500:
            raise ProviderUnavailableError(f"{where}: HTTP {status}", excerpt=excerpt(body))
        if status != 200:
            raise ProviderPayloadError(f"{where}: HTTP {status}", excerpt=excerpt(body))
        if stale:
            # Our proxy keeps serving its last copy while KEC fails: the data is not new, and
            # the real source counts as failing (auto mode falls back to sim on it).
            raise ProviderUnavailableError(f"{where}: proxy serves a stale copy ({upstream_error})")
        return body


def _where(url: str) -> str:
    """The host and path of a URL, for messages (never the query: it holds the key)."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"


def endpoint_urls(base_urls: Sequence[str], endpoint: str) -> tuple[str, ...]:
    """The URLs of a dataset (by endpoint name) on each of several KEC-compatible bases
    (simulator, proxies)."""
    path = by_endpoint(endpoint).feed.path
    return tuple(base.rstrip("/") + path for base in base_urls)
