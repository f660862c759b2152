"""What the data routes document beside their answers: their error responses and the
``X-Cache`` header, as the OpenAPI schema states them."""

from __future__ import annotations

from typing import Final

from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec

from trafficha.apps.problems import PROBLEM_MEDIA, Problem

__all__ = ["BAD_PARAMS", "CACHE_HEADER", "NOT_FOUND", "NO_DATABASE", "NO_REDIS"]


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        Problem, description=description, media_type=PROBLEM_MEDIA, generate_examples=False
    )


BAD_PARAMS: Final = _problem("A parameter is invalid (named in invalid-params)")
NOT_FOUND: Final = _problem("The route or tollgate asked for is not known")
NO_DATABASE: Final = _problem("MariaDB is unavailable and nothing is cached for this query")
NO_REDIS: Final = _problem("Redis is unavailable")
# Documented only: the value is set per response (``value`` gives the schema its type).
CACHE_HEADER: Final = [
    ResponseHeader(
        name="X-Cache",
        value="hit",
        documentation_only=True,
        description="hit (cached for the current data version), miss, or stale (MariaDB failed)",
    ),
]
