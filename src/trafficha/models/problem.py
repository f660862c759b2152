"""The RFC 9457 problem document: the shape of every error answer of every trafficha service.

Only the wire type lives here, free of any web framework, so the Litestar apps
(:mod:`trafficha.apps.problems`) and the workers' aiohttp probes
(:mod:`trafficha.services.probes`) answer errors with the one definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Final

import msgspec

__all__ = ["PROBLEM_MEDIA", "InvalidParam", "Problem", "problem_document"]

PROBLEM_MEDIA: Final = "application/problem+json"


class InvalidParam(msgspec.Struct, frozen=True):
    """One offending input: a query parameter, a path parameter or a body field."""

    name: str
    reason: str


class Problem(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    rename={"invalid_params": "invalid-params"},
):
    """An RFC 9457 problem document (``invalid-params`` only when there are some)."""

    # about:blank: the status says what kind of problem it is (RFC 9457 section 4.2.1).
    type: str
    title: str
    status: int
    detail: str
    invalid_params: tuple[InvalidParam, ...] = ()


def problem_document(status: int, detail: str, *, invalid: Sequence[InvalidParam] = ()) -> Problem:
    """A problem document; the title is the status's standard phrase."""
    return Problem(
        type="about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        invalid_params=tuple(invalid),
    )
