"""The dashboard build served at ``/``: static files, client-side routes, and a page for when
there is no build.

Hashed assets under ``/assets/`` are cached for a year (a new build has new names); everything
else, ``index.html`` first, is ``no-cache`` with an ``ETag``, so a new build shows on the next
load. A path that names no file falls back to ``index.html`` (client-side routing) unless it
looks like a file itself (under ``/assets/`` or with an extension): a missing script must be a
404, not HTML the browser would try to run.

Paths are confined to the build directory: dot segments are refused before this module sees a
path (see :func:`has_dot_segment`), and a resolved file must still lie inside the directory, so
neither ``..``, its encodings nor a symlink can reach anything else. The build is looked up on
each request, so one made after the gateway started is served without a restart.

Text files (HTML, scripts, styles, SVG) go out gzip- or brotli-coded where the client accepts
it: the gateway wraps this module's answers in
:func:`~trafficha.apps.compression.representing`, which codes each file once per coding.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from litestar.exceptions import MethodNotAllowedException, NotFoundException
from litestar.types import Send

from trafficha.apps.compression import etag_matches

__all__ = ["NO_BUILD_PAGE", "SpaFiles", "default_dist_dir", "has_dot_segment"]

IMMUTABLE: Final = b"public, max-age=31536000, immutable"
REVALIDATE: Final = b"no-cache"
# Files are small (a Vite build is a few MB in all); they are kept in memory after the first
# read, up to this much, so a page load costs a stat per file and no read.
CACHE_BYTES: Final = 64 * 1024 * 1024

_TYPES: Final = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}

NO_BUILD_PAGE: Final = """<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>trafficha — 대시보드 빌드 없음 / dashboard build missing</title>
<style>
body{font-family:system-ui,sans-serif;background:#0f172a;color:#e2e8f0;max-width:46rem;
margin:3rem auto;padding:0 1rem;line-height:1.6}
a{color:#7dd3fc}code{background:#1e293b;padding:.1rem .35rem;border-radius:.2rem}
hr{border:0;border-top:1px solid #334155;margin:2rem 0}
</style>
</head>
<body>
<h1>대시보드 빌드가 없습니다</h1>
<p>게이트웨이는 동작 중이지만 대시보드(SPA) 빌드를 찾지 못했습니다. 저장소에서
<code>make up</code>을 실행하면 대시보드를 빌드하고 전체 스택을 시작합니다. 빌드만 하려면
<code>cd spa &amp;&amp; npm ci &amp;&amp; npm run build</code>, 다른 위치의 빌드는
<code>SPA_DIST_DIR</code>로 지정합니다.</p>
<p>API는 지금도 쓸 수 있습니다: <a href="/api/ha/status">/api/ha/status</a> (HA 상태),
<a href="/schema/openapi.json">/schema/openapi.json</a> (API 명세).</p>
<hr>
<div lang="en">
<h2>The dashboard build is missing</h2>
<p>The gateway is running but found no dashboard (SPA) build. Run <code>make up</code> in the
repository: it builds the dashboard and starts the whole stack. To build only, run
<code>cd spa &amp;&amp; npm ci &amp;&amp; npm run build</code>; a build elsewhere is set with
<code>SPA_DIST_DIR</code>.</p>
<p>The API works meanwhile: <a href="/api/ha/status">/api/ha/status</a> (HA status),
<a href="/schema/openapi.json">/schema/openapi.json</a> (API description).</p>
</div>
</body>
</html>
""".encode()


def default_dist_dir() -> Path | None:
    """``spa/dist`` of the checkout the package runs from, or None for an installed package."""
    package = Path(__file__).resolve().parents[2]  # src/trafficha (apps/gateway/spa.py)
    src = package.parent
    repo = src.parent
    if src.name == "src" and (repo / "pyproject.toml").is_file():
        return repo / "spa" / "dist"
    return None


def has_dot_segment(path: str) -> bool:
    """Whether a (decoded) path has a ``.`` or ``..`` segment, the stuff of traversal."""
    return any(segment in (".", "..") for segment in path.split("/"))


@dataclass(frozen=True, slots=True)
class _File:
    body: bytes
    content_type: bytes
    cache_control: bytes
    etag: bytes
    mtime_ns: int


class SpaFiles:
    """Serves one build directory (which may not exist yet)."""

    def __init__(self, root: Path | None) -> None:
        # Resolved on each request, not once: a deploy that swaps a symlinked build directory
        # is served at once.
        self._root = root
        self._cache: dict[Path, _File] = {}
        self._cached_bytes = 0

    async def __call__(self, scope: Any, send: Send, path: str) -> None:
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            raise MethodNotAllowedException(
                detail=f"{method} is not allowed here", headers={"Allow": "GET, HEAD"}
            )
        head = method == "HEAD"
        found = self._find(path)
        if found is None:
            await _send(send, 200, _page_headers(NO_BUILD_PAGE), b"" if head else NO_BUILD_PAGE)
            return
        headers = [
            (b"content-type", found.content_type),
            (b"cache-control", found.cache_control),
            (b"etag", found.etag),
        ]
        if _matches(scope, found.etag):
            await _send(send, 304, headers, b"")
            return
        headers.append((b"content-length", str(len(found.body)).encode()))
        await _send(send, 200, headers, b"" if head else found.body)

    def _find(self, path: str) -> _File | None:
        """The file for ``path``, ``index.html`` for a client-side route, None with no build.

        Raises:
            NotFoundException: a file-like path that names no file of the build.
        """
        relative = path.lstrip("/")
        if relative and self._root is not None:
            found = self._file(relative)
            if found is not None:
                return found
        if relative.startswith("assets/") or "." in relative.rsplit("/", 1)[-1]:
            raise NotFoundException(detail=f"no such file: /{relative}")
        return self._file("index.html") if self._root is not None else None

    def _file(self, relative: str) -> _File | None:
        assert self._root is not None
        try:
            root = self._root.resolve(strict=True)
            real = (root / relative).resolve(strict=True)
            if not real.is_relative_to(root) or not real.is_file():
                return None
            stat = real.stat()
        except (OSError, ValueError):  # ValueError: a NUL byte in the path
            return None
        cached = self._cache.get(real)
        if cached is not None and cached.mtime_ns == stat.st_mtime_ns:
            return cached
        return self._load(real, relative, stat.st_mtime_ns)

    def _load(self, real: Path, relative: str, mtime_ns: int) -> _File | None:
        try:
            body = real.read_bytes()
        except OSError:
            return None
        found = _File(
            body=body,
            content_type=_content_type(real.name).encode(),
            cache_control=IMMUTABLE if relative.startswith("assets/") else REVALIDATE,
            etag=f'"{mtime_ns:x}-{len(body):x}"'.encode(),
            mtime_ns=mtime_ns,
        )
        if self._cached_bytes + len(body) > CACHE_BYTES:
            # A new build replaced the old one, or files beyond the budget: start afresh.
            self._cache.clear()
            self._cached_bytes = 0
        if len(body) <= CACHE_BYTES:
            previous = self._cache.pop(real, None)
            self._cached_bytes += len(body) - (len(previous.body) if previous else 0)
            self._cache[real] = found
        return found


def _content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def _page_headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"cache-control", REVALIDATE),
        (b"content-length", str(len(body)).encode()),
    ]


def _matches(scope: Any, etag: bytes) -> bool:
    """Whether the request's ``If-None-Match`` already names this version (in any coding: the
    gateway marks a compressed file's tag with its coding, ``"…-br"``)."""
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return etag_matches(value, etag)
    return False


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
