"""RFC 9457 problem documents: every error answer of every trafficha app has this shape.

A bad parameter names itself in ``invalid-params``; a server error says which service failed
and never carries a stack trace.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import QueryParameter

# The document itself is framework-free (the workers' probes answer it too); re-exported here.
from trafficha.models.problem import PROBLEM_MEDIA, InvalidParam, Problem, problem_document
from trafficha.secrets import redact_url

__all__ = [
    "PROBLEM_MEDIA",
    "InvalidParam",
    "Problem",
    "bad_parameter",
    "exception_handlers",
    "problem",
]

log = logging.getLogger(__name__)


def problem(
    status: int,
    detail: str,
    *,
    invalid: Sequence[InvalidParam] = (),
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    """A problem response; the title is the status's standard phrase."""
    doc = problem_document(status, detail, invalid=invalid)
    return Response(
        msgspec.json.encode(doc), status_code=status, media_type=PROBLEM_MEDIA, headers=headers
    )


def bad_parameter(name: str, reason: str) -> Response[bytes]:
    """400 naming one parameter."""
    return problem(400, f"parameter {name}: {reason}", invalid=[InvalidParam(name, reason)])


@cache
def query_names(fn: Callable[..., Any]) -> dict[str, str]:
    """A handler's parameters by Python name -> the name the query gives them (a
    ``QueryParameter(name=…)``, else the same)."""
    names = {}
    for name, hint in typing.get_type_hints(fn, include_extras=True).items():
        metadata = getattr(hint, "__metadata__", ())
        aliases = (m.name for m in metadata if isinstance(m, QueryParameter) and m.name)
        names[name] = next(aliases, name)
    return names


def _validation_params(
    request: Request[Any, Any, Any], exc: ValidationException
) -> list[InvalidParam]:
    # Litestar lists its validation failures in ``extra``: [{"message", "key", "source"}], by
    # the handler's Python names: the client knows them by their query names.
    handler = request.scope.get("route_handler")
    names = query_names(handler.fn) if handler is not None else {}
    out = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            key = str(item.get("key") or "?")
            out.append(InvalidParam(names.get(key, key), str(item.get("message") or "")))
    return out


def exception_handlers(service: str) -> dict[Any, Callable[..., Response[bytes]]]:
    """Litestar exception handlers turning every error into a problem document."""

    def validation_error(
        request: Request[Any, Any, Any], exc: ValidationException
    ) -> Response[bytes]:
        params = _validation_params(request, exc)
        detail = "; ".join(f"parameter {p.name}: {p.reason}" for p in params) or str(exc.detail)
        return problem(400, detail, invalid=params)

    def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
        return problem(exc.status_code, str(exc.detail), headers=exc.headers)

    def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
        log.error("unhandled error on %s", redact_url(str(request.url)), exc_info=exc)
        return problem(500, f"the {service} failed; see its log")

    return {
        ValidationException: validation_error,
        HTTPException: http_error,
        Exception: internal_error,
    }
