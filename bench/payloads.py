"""Payload benchmark: the bytes the dashboard's first load moves, identity vs gzip vs brotli.

Starts a local stack of its own (simulated data, free ports, a temporary state directory) unless
``--url`` names a running one on 127.0.0.1, waits until data flows, then fetches through the
ingress what the dashboard loads first: its page and the assets the page names, the seven data
resources (spa/src/lib/live.ts) and the three map layers (spa/src/api/useLiveData.ts). For each
URL it prints the body's size sent as it is (what every answer was before compression), gzip-
and brotli-coded, and the ratio; then the totals, and what a reload costs when every answer is
revalidated with its ETag (304s) instead of sent again. Body bytes only: headers come on top
either way (some 400 bytes an answer).

    .venv/bin/python bench/payloads.py                       # ~1 minute (starts a stack)
    .venv/bin/python bench/payloads.py --url http://127.0.0.1:8080   # a running stack
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from multidict import CIMultiDict

from trafficha.topology.local import LocalStack, free_ingress_port

RESOURCES = (
    "/api/accidents/latest?limit=1000",
    "/api/accidents/stats",
    "/api/notices",
    "/api/tollgates",
    "/api/road/status",
    "/api/road/summary",
    "/api/ha/status",
)
LAYERS = ("/api/network", "/api/network/sections", "/api/network/outline")
CODINGS = ("identity", "gzip", "br")
_ASSET = re.compile(rb'(?:src|href)="(/assets/[^"]+)"')


@dataclass(frozen=True)
class Sizes:
    path: str
    sizes: dict[str, int]
    etag: str | None
    revalidated: int  # the body's bytes of a 304 for the identity ETag (0 when it is a 304)
    status_304: bool


async def _get(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str]
) -> tuple[int, CIMultiDict[str], bytes]:
    async with http.get(url, headers=headers, allow_redirects=False) as response:
        return response.status, CIMultiDict(response.headers), await response.read()


async def measure(http: aiohttp.ClientSession, base: str, path: str) -> Sizes:
    sizes: dict[str, int] = {}
    etag: str | None = None
    for coding in CODINGS:
        headers = {} if coding == "identity" else {"Accept-Encoding": coding}
        status, got, body = await _get(http, base + path, headers)
        if status != 200:
            raise SystemExit(f"{path}: {status}")
        if got.get("Content-Encoding", "identity") != coding and len(body) >= 1024:
            raise SystemExit(f"{path}: asked for {coding}, got {got.get('Content-Encoding')}")
        sizes[coding] = len(body)
        if coding == "br":
            etag = got.get("ETag")
    revalidated, is_304 = sizes["br"], False
    if etag:
        status, _, body = await _get(
            http, base + path, {"Accept-Encoding": "br", "If-None-Match": etag}
        )
        revalidated, is_304 = len(body), status == 304
    return Sizes(path, sizes, etag, revalidated, is_304)


async def first_load(base: str) -> list[Sizes]:
    async with aiohttp.ClientSession(
        auto_decompress=False,
        skip_auto_headers=("Accept-Encoding",),
        timeout=aiohttp.ClientTimeout(total=30),
    ) as http:
        _, _, page = await _get(http, base + "/", {})
        assets = sorted({m.decode() for m in _ASSET.findall(page)})
        paths = ["/", *assets, *RESOURCES, *LAYERS]
        return [await measure(http, base, path) for path in paths]


def report(rows: list[Sizes]) -> None:
    width = max(len(r.path) for r in rows)
    print(f"{'URL':{width}} {'identity':>10} {'gzip':>9} {'br':>9} {'br/id':>6} {'reload':>7}")
    for r in rows:
        s = r.sizes
        again = "304" if r.status_304 else f"{r.revalidated}"
        print(
            f"{r.path:{width}} {s['identity']:>10,} {s['gzip']:>9,} {s['br']:>9,} "
            f"{s['br'] / s['identity']:>6.2f} {again:>7}"
        )
        if not r.etag:
            print(f"  (no ETag on {r.path})")

    def total(group: list[Sizes], coding: str) -> int:
        return sum(r.sizes[coding] for r in group)

    api = [r for r in rows if r.path.startswith("/api/")]
    for label, group in (("API", api), ("page, assets and API", rows)):
        identity, gz, br = (total(group, c) for c in CODINGS)
        print(
            f"first load, {label}: identity {identity / 1024:,.1f} KB, gzip {gz / 1024:,.1f} KB, "
            f"br {br / 1024:,.1f} KB ({identity / br:.1f}x smaller)"
        )
    reload = sum(r.revalidated for r in rows if not r.status_304)
    print(
        f"reload with ETags: {sum(r.status_304 for r in rows)} of {len(rows)} answers are 304s, "
        f"{reload / 1024:,.1f} KB of bodies"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running stack's ingress on 127.0.0.1 (default: start one)")
    args = parser.parse_args()
    if args.url:
        if urlsplit(args.url).hostname not in ("127.0.0.1", "localhost"):
            raise SystemExit("--url: 127.0.0.1 only")
        report(asyncio.run(first_load(args.url.rstrip("/"))))
        return
    with tempfile.TemporaryDirectory(prefix="trafficha-bench-payloads-") as tmp:
        stack = LocalStack(Path(tmp) / "stack", ingress_port=free_ingress_port())
        try:
            stack.up(mode="sim")
            stack.wait_for_data()
            rows = asyncio.run(first_load(f"http://127.0.0.1:{stack.layout.ingress_port}"))
        finally:
            stack.down()
    print("through the ingress (HAProxy -> gateway -> data API), simulated data, body bytes:")
    report(rows)


if __name__ == "__main__":
    main()
