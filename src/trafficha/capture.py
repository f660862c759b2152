"""``trafficha capture DIR``: record the live KEC answers of every dataset, for replay.

For each dataset of the registry it asks the dataset's own KEC URL (``REAL_OPENAPI_URL``,
``TOLLGATE_API_URL`` … as the real provider does, or ``--base-url`` plus the KEC path) with the
dataset's key (``REAL_OPENAPI_KEY`` or its own), the parameters the collector sends, the browser
``User-Agent`` and ``Referer`` KEC's WAF wants, and follows ``pageSize`` through every page. It
writes one file per dataset, named after the KEC operation (``realTimeSms.json`` …), in the
format the simulator replays (:mod:`trafficha.sim.replay`): KEC's envelope in the feed's key
order around every row received, byte for byte, ``count`` the rows written and the paging
figures those of one page holding them all. ``capture.json`` beside them says when, from where
(host and path, never the query) and what KEC reported (its ``count``, the pages read).

The key goes only into the query string of each request. It is never logged (messages name
host and path only), and before anything is written each answer is scrubbed of it: the key's
value wherever it appears and any ``key=`` parameter of an echoed URL become ``********``. A
dataset that fails (a rejected key, an unusable page, no answer after retries) is reported and
not written, so a file in DIR is always a whole capture; the others are still captured.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp
import msgspec

from trafficha.config import Settings
from trafficha.datasets.registry import DATASETS
from trafficha.datasets.spec import LIST, Dataset
from trafficha.errors import ConfigError, ProviderError, ProviderPayloadError
from trafficha.kst import now_kst
from trafficha.providers.kec import excerpt, parse_page
from trafficha.providers.real import MAX_PAGES, REFERER, USER_AGENT
from trafficha.secrets import MASK, Secret, redact_url
from trafficha.sim.replay import operation
from trafficha.sim.wire import SUCCESS_MESSAGE, encode_json

__all__ = [
    "MANIFEST",
    "CaptureReport",
    "Captured",
    "capture",
    "capture_to",
    "scrub",
]

log = logging.getLogger(__name__)

MANIFEST: Final = "capture.json"
_ATTEMPTS: Final = 3
_BACKOFF_S: Final = 0.5
_TIMEOUT_S: Final = 30.0
# A key shorter than this is masked only where it stands alone (the demo key "test" must not
# mask every "test" in the data), as the log filter does.
_SHORT_KEY: Final = 8


def scrub(text: str, key: str | None) -> str:
    """``text`` without the key: its value masked wherever it stands (alone, when short) and
    every ``key=`` parameter of a URL in it masked."""
    if key:
        pattern = re.escape(key) if len(key) >= _SHORT_KEY else rf"(?<!\w){re.escape(key)}(?!\w)"
        text = re.sub(pattern, MASK, text)
    return redact_url(text)


@dataclass(slots=True)
class Captured:
    """One dataset's capture: its rows as received, and what KEC said of them."""

    dataset: Dataset[Any]
    source: str  # host and path, never the query
    rows: list[msgspec.Raw] = field(default_factory=list)
    pages: int = 0
    reported: int | None = None  # KEC's count on page 1

    @property
    def file_name(self) -> str:
        return f"{operation(self.dataset)}.json"

    def document(self) -> bytes:
        """The recording: KEC's envelope for this feed around every row."""
        feed = self.dataset.feed
        total = len(self.rows)
        values: dict[str, Any] = {
            "count": total,
            "pageNo": 1,
            "numOfRows": total,
            "pageSize": 1 if total else 0,
            "message": SUCCESS_MESSAGE,
            "code": "SUCCESS",
        }
        doc: dict[str, Any] = {}
        for key in feed.keys:
            if key == LIST:
                doc[feed.list_key] = self.rows
            else:
                doc[key] = values[key]
        return encode_json(doc)


class CaptureReport(msgspec.Struct, kw_only=True):
    """What ``trafficha capture`` did: ``capture.json``, and its printed summary."""

    captured_at: datetime
    datasets: dict[str, dict[str, object]]
    failed: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.failed


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"


async def _page(
    session: aiohttp.ClientSession, url: str, params: Mapping[str, str], key: str | None
) -> bytes:
    """One page, retried on network errors and 5xx; scrubbed of the key."""
    where = _where(url)
    failure = f"{where}: no answer"
    for attempt in range(_ATTEMPTS):
        try:
            async with session.get(url, params=params) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            reason = type(exc).__name__ if isinstance(exc, TimeoutError) else str(exc)
            failure = f"{where}: {scrub(reason, key)}"
        else:
            clean = scrub(body.decode("utf-8", errors="replace"), key).encode()
            if status < 500:
                if status != 200:
                    raise ProviderPayloadError(f"{where}: HTTP {status}", excerpt=excerpt(clean))
                return clean
            failure = f"{where}: HTTP {status}"
        log.warning("%s (attempt %d of %d)", failure, attempt + 1, _ATTEMPTS)
        if attempt + 1 < _ATTEMPTS:
            await asyncio.sleep(random.uniform(0, _BACKOFF_S * 2**attempt))  # noqa: S311
    raise ProviderError(failure)


def _rows(dataset: Dataset[Any], body: bytes) -> list[msgspec.Raw]:
    """The raw rows of a page KEC answered with success (any error raises ProviderError)."""
    dataset.parse(body)  # the envelope checks: a rejected key, HTML, bad JSON …
    doc = msgspec.json.decode(body, type=dict[str, msgspec.Raw])
    raw = doc.get(dataset.feed.list_key)
    if raw is None:
        raw = next((v for v in doc.values() if bytes(v).lstrip()[:1] == b"["), None)
    if raw is None or bytes(raw).strip() == b"null":
        return []
    rows: list[msgspec.Raw] = msgspec.json.decode(raw, type=list[msgspec.Raw])
    return rows


async def _capture_one(
    session: aiohttp.ClientSession, dataset: Dataset[Any], url: str, key: Secret | None
) -> Captured:
    plain = key.reveal() if key else None
    params = {**dataset.feed.params, "type": "json", "numOfRows": str(dataset.feed.page_rows)}
    if plain:
        params["key"] = plain
    captured = Captured(dataset, _where(url))
    body = await _page(session, url, {**params, "pageNo": "1"}, plain)
    captured.rows = _rows(dataset, body)
    figures = parse_page(body)
    captured.pages, captured.reported = 1, figures.total_rows
    pages = figures.page_count or 1
    if pages > MAX_PAGES:
        raise ProviderPayloadError(f"{captured.source}: pageSize {pages} beyond {MAX_PAGES}")
    for page in range(2, pages + 1):
        more = _rows(dataset, await _page(session, url, {**params, "pageNo": str(page)}, plain))
        captured.pages = page
        if not more:
            break  # the list shrank between pages
        captured.rows.extend(more)
    return captured


def _url(dataset: Dataset[Any], settings: Settings, base_url: str | None) -> str:
    if base_url:
        return base_url.rstrip("/") + dataset.feed.path
    return dataset.url(settings)


async def capture(
    settings: Settings,
    *,
    base_url: str | None = None,
    kinds: Sequence[str] | None = None,
    request_timeout: float = _TIMEOUT_S,
) -> tuple[list[Captured], dict[str, str]]:
    """Every page of each dataset (all of the registry, or those of ``kinds``): what was
    captured, and why each other dataset failed (by kind)."""
    wanted = [d for d in DATASETS if kinds is None or d.kind in kinds]
    captured: list[Captured] = []
    failed: dict[str, str] = {}
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=request_timeout),
        headers={"User-Agent": USER_AGENT, "Referer": REFERER, "Accept": "application/json"},
    ) as session:
        for dataset in wanted:
            key = dataset.key(settings)
            url = _url(dataset, settings, base_url)
            try:
                result = await _capture_one(session, dataset, url, key)
            except ProviderError as exc:
                reason = scrub(str(exc), key.reveal() if key else None)
                log.warning("capture of %s failed: %s", dataset.kind, reason)
                failed[dataset.kind] = reason
                continue
            log.info(
                "captured %s: %d rows in %d pages from %s",
                dataset.kind,
                len(result.rows),
                result.pages,
                result.source,
            )
            captured.append(result)
    return captured, failed


def capture_to(
    directory: Path,
    settings: Settings,
    *,
    base_url: str | None = None,
    kinds: Sequence[str] | None = None,
) -> CaptureReport:
    """Capture (see :func:`capture`) and write one recording per dataset into ``directory``
    (created if missing) and ``capture.json``.

    Raises:
        ConfigError: no key is set for a dataset asked for, or ``kinds`` names an unknown one.
    """
    known = {d.kind for d in DATASETS}
    unknown = sorted(set(kinds or ()) - known)
    if unknown:
        names = ", ".join(sorted(known))
        raise ConfigError(f"unknown dataset {', '.join(unknown)}; one of {names}")
    for dataset in DATASETS:
        if (kinds is None or dataset.kind in kinds) and not dataset.key(settings):
            raise ConfigError("REAL_OPENAPI_KEY: required to capture (KEC's key, data.ex.co.kr)")
    captured_at = now_kst()
    results, failed = asyncio.run(capture(settings, base_url=base_url, kinds=kinds))
    directory.mkdir(parents=True, exist_ok=True)
    datasets: dict[str, dict[str, object]] = {}
    for result in results:
        (directory / result.file_name).write_bytes(result.document())
        datasets[result.dataset.kind] = {
            "file": result.file_name,
            "source": result.source,
            "rows": len(result.rows),
            "pages": result.pages,
            "reported_count": result.reported,
        }
    report = CaptureReport(captured_at=captured_at, datasets=datasets, failed=failed)
    (directory / MANIFEST).write_bytes(msgspec.json.format(msgspec.json.encode(report)) + b"\n")
    return report
