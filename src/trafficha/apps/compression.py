"""Small answers for every app: ``ETag``/``If-None-Match`` (304) and gzip or brotli bodies.

:func:`representing` wraps an ASGI ``send`` for one GET or HEAD request; the app kit
(:mod:`trafficha.apps.kit`) puts it around every route of every app, and the gateway around the
dashboard files it serves in raw ASGI. For a ``200`` with a compressible type (JSON, text,
JavaScript, SVG) sent as one body it

- adds a strong ``ETag`` from the body's hash when the answer has none, and answers ``304`` with
  no body when the request's ``If-None-Match`` names it (weak comparison, as RFC 9110 says);
- compresses a body of at least :data:`MINIMUM_SIZE` bytes with the best coding the request's
  ``Accept-Encoding`` allows (``br`` before ``gzip``, q-values honoured), sets
  ``Content-Encoding``, the new ``Content-Length`` and ``Vary: Accept-Encoding``, and marks the
  ETag with the coding (``"…-br"``): each coding is its own representation, and
  :func:`etag_matches` takes any of them for the same body.

A streamed answer (a first body message with ``more_body``, such as ``/api/events``), one that
already has a ``Content-Encoding``, a non-200 or an incompressible type go through untouched and
unbuffered.

Work is done once per body, not per request: the data API returns the same cached ``bytes`` for
every request of a data version (and the gateway the same bytes per dashboard file), so the
hash and each coding are kept with the body in a bounded :class:`Representations` memo, looked
up by the body object itself (Python caches a ``bytes`` hash, and a dict compares by identity
first). Measured, compressing ``/api/network/sections`` (133 KB) costs about 2 ms for brotli
at quality 5 and 1.8 ms for gzip at level 6: paid per request it would cap a member's
throughput; paid once per data version it is noise.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import brotli
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "BROTLI_QUALITY",
    "GZIP_LEVEL",
    "MINIMUM_SIZE",
    "Encoding",
    "Representations",
    "compressing",
    "etag_matches",
    "negotiate",
    "representing",
]

Encoding = Literal["br", "gzip"]

MINIMUM_SIZE: Final = 1024
"""Bodies shorter than this are sent as they are: the coding's overhead eats the gain."""
GZIP_LEVEL: Final = 6
BROTLI_QUALITY: Final = 5
MEMO_BYTES: Final = 32 * 1024 * 1024
"""The memo's budget: bodies and their codings together."""

_COMPRESSIBLE: Final = (
    b"application/json",
    b"application/problem+json",
    b"application/geo+json",
    b"application/manifest+json",
    b"application/javascript",
    b"application/xml",
    b"text/",
    b"image/svg+xml",
)
_NEVER: Final = b"text/event-stream"
_PREFERENCE: Final[tuple[Encoding, ...]] = ("br", "gzip")
_SUFFIXES: Final = tuple(f'-{e}"'.encode() for e in _PREFERENCE)
# Headers a 304 keeps (RFC 9110 15.4.5) plus the apps' own X- headers; the rest describe a body.
_NOT_ON_304: Final = frozenset({b"content-length", b"content-type", b"content-encoding"})


def negotiate(accept_encoding: bytes | None) -> Encoding | None:
    """The coding to send for an ``Accept-Encoding`` value: ``br``, ``gzip`` or None (identity).

    The highest q-value wins, ``br`` on a tie; ``*`` stands for any coding not named; ``q=0``
    refuses one.
    """
    if not accept_encoding:
        return None
    named: dict[bytes, float] = {}
    for item in accept_encoding.lower().split(b","):
        coding, _, params = item.partition(b";")
        q = 1.0
        for param in params.split(b";"):
            key, _, value = param.strip().partition(b"=")
            if key == b"q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        named[coding.strip()] = q
    anything = named.get(b"*", 0.0)
    best: Encoding | None = None
    best_q = 0.0
    for encoding in _PREFERENCE:
        q = named.get(encoding.encode(), anything)
        if q > best_q:
            best, best_q = encoding, q
    return best


def etag_matches(if_none_match: bytes | None, etag: bytes) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (``W/``, a coding's suffix and ``*`` allowed)."""
    if not if_none_match:
        return False
    base = _base(etag)
    return any(
        tag == b"*" or _base(tag) == base for tag in (t.strip() for t in if_none_match.split(b","))
    )


def _base(tag: bytes) -> bytes:
    tag = tag.removeprefix(b"W/")
    for suffix in _SUFFIXES:
        if tag.endswith(suffix):
            return tag[: -len(suffix)] + b'"'
    return tag


def _etag_of(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'


def _encode(body: bytes, encoding: Encoding) -> bytes:
    if encoding == "br":
        return bytes(brotli.compress(body, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY))
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


@dataclass(slots=True)
class _Variants:
    etag: bytes
    coded: dict[Encoding, bytes] = field(default_factory=dict)


class Representations:
    """Each body's ETag and codings, computed once; least recently used first out."""

    def __init__(self, budget: int = MEMO_BYTES) -> None:
        self.budget = budget
        self.bytes = 0
        self._memo: dict[bytes, _Variants] = {}
        self.encoded = 0
        self.reused = 0

    def __len__(self) -> int:
        return len(self._memo)

    def of(self, body: bytes) -> _Variants:
        """The body's variants (its ETag now, its codings as asked for)."""
        variants = self._memo.pop(body, None)
        if variants is None:
            variants = _Variants(_etag_of(body))
            self.bytes += len(body)
        self._memo[body] = variants  # to the young end
        self._trim()
        return variants

    def coded(self, body: bytes, variants: _Variants, encoding: Encoding) -> bytes:
        coded = variants.coded.get(encoding)
        if coded is not None:
            self.reused += 1
            return coded
        coded = variants.coded[encoding] = _encode(body, encoding)
        self.encoded += 1
        if body in self._memo:
            self.bytes += len(coded)
            self._trim()
        return coded

    def _trim(self) -> None:
        while self.bytes > self.budget and len(self._memo) > 1:
            old = next(iter(self._memo))
            gone = self._memo.pop(old)
            self.bytes -= len(old) + sum(len(c) for c in gone.coded.values())


_SHARED: Final = Representations()


def _compressible(content_type: bytes) -> bool:
    return content_type.startswith(_COMPRESSIBLE) and not content_type.startswith(_NEVER)


def representing(
    scope: Scope | Any, send: Send, representations: Representations = _SHARED
) -> Send:
    """``send`` for one request, with ETags, 304s and compression as the module describes."""
    accept: bytes | None = None
    if_none_match: bytes | None = None
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            accept = value if accept is None else accept + b"," + value
        elif name == b"if-none-match":
            if_none_match = value if if_none_match is None else if_none_match + b"," + value
    encoding = negotiate(accept)
    held: dict[str, Any] | None = None

    async def wrapped(message: Message) -> None:
        nonlocal held
        if message["type"] == "http.response.start":
            if message["status"] == 200 and _candidate(message.get("headers", ())):
                held = dict(message)
                return
            await send(message)
            return
        if held is None or message["type"] != "http.response.body":
            await send(message)
            return
        start, held = held, None
        body: bytes = message.get("body", b"")
        if message.get("more_body", False) or not body:
            # A stream (never compressed or buffered), or HEAD's empty body.
            await send(start)  # type: ignore[arg-type]
            await send(message)
            return
        await _answer(
            start,
            body,
            send,
            encoding=encoding,
            if_none_match=if_none_match,
            representations=representations,
        )

    return wrapped


def _candidate(headers: Any) -> bool:
    compressible = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-encoding":
            return False
        if lowered == b"content-type":
            compressible = _compressible(value.lower())
    return compressible


async def _answer(
    start: dict[str, Any],
    body: bytes,
    send: Send,
    *,
    encoding: Encoding | None,
    if_none_match: bytes | None,
    representations: Representations,
) -> None:
    big = len(body) >= MINIMUM_SIZE
    variants = representations.of(body) if big else _Variants(_etag_of(body))
    headers: list[tuple[bytes, bytes]] = []
    etag: bytes | None = None
    vary: bytes | None = None
    for name, value in start.get("headers", ()):
        lowered = name.lower()
        if lowered == b"etag":
            etag = value
        elif lowered == b"vary":
            vary = value
        else:
            headers.append((lowered, value))
    if etag is None:
        etag = variants.etag
    if big:
        if vary is None:
            vary = b"Accept-Encoding"
        elif b"accept-encoding" not in vary.lower():
            vary += b", Accept-Encoding"
    if vary is not None:
        headers.append((b"vary", vary))
    if etag_matches(if_none_match, etag):
        # Echo the tag the client holds when it names this body (its coding's, maybe).
        headers = [(n, v) for n, v in headers if n not in _NOT_ON_304]
        headers.append((b"etag", _held_tag(if_none_match, etag)))
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    if big and encoding is not None:
        body = representations.coded(body, variants, encoding)
        etag = etag[:-1] + f'-{encoding}"'.encode() if etag.endswith(b'"') else etag
        headers = [(n, v) for n, v in headers if n != b"content-length"]
        headers.append((b"content-encoding", encoding.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
    headers.append((b"etag", etag))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _held_tag(if_none_match: bytes | None, etag: bytes) -> bytes:
    base = _base(etag)
    for item in (if_none_match or b"").split(b","):
        tag = item.strip()
        if tag != b"*" and _base(tag) == base:
            return tag
    return etag


def compressing(app: ASGIApp) -> ASGIApp:
    """Litestar middleware: :func:`representing` around every GET and HEAD of the app."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope.get("method") in ("GET", "HEAD"):
            await app(scope, receive, representing(scope, send))
            return
        await app(scope, receive, send)

    return middleware
