"""The simulator's fault injection: each endpoint's faults and counts, and the answers they give."""

from __future__ import annotations

import asyncio
import re
from contextvars import ContextVar
from typing import Annotated, Any, Final, Literal

import msgspec
from litestar import Response

from trafficha.apps.problems import InvalidParam, problem
from trafficha.sim.wire import blocked_page, encode_json, encode_xml, error_document

# A latency beyond ten minutes is a typo, not a test: every client would have timed out.
MAX_LATENCY_MS: Final = 600_000
# An SMS text longer than this is not a test of how text is shown.
MAX_TEXT_CHARS: Final = 2000

JSON_TYPE: Final = "application/json;charset=UTF-8"
XML_TYPE: Final = "application/xml;charset=UTF-8"
HTML_TYPE: Final = "text/html;charset=UTF-8"


class FaultSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The faults of one endpoint (the body of ``PUT /admin/faults/{endpoint}``)."""

    outage: Literal["refuse", "503"] | None = None
    latency_ms: Annotated[int, msgspec.Meta(ge=0, le=MAX_LATENCY_MS)] = 0
    bad_key: bool = False
    blocked: bool = False
    malformed: bool = False
    # The smsText of every incident served (incident endpoints only): hostile text on demand,
    # such as ``<img src=x onerror=alert(1)>``, to see how the dashboard shows it.
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TEXT_CHARS)] | None = None


class EndpointCounts(msgspec.Struct, kw_only=True):
    """Requests to one endpoint and how they were answered (mutable, in process memory)."""

    requests: int = 0
    ok: int = 0
    faulted: int = 0
    rejected: int = 0  # a key that is not one of SIMULATOR_API_KEYS, without a fault


# --- responses ------------------------------------------------------------------------------


def kec_response(doc: dict[str, Any], *, as_xml: bool, list_key: str = "list") -> Response[bytes]:
    if as_xml:
        return Response(encode_xml(doc, list_key), media_type=XML_TYPE)
    return Response(encode_json(doc), media_type=JSON_TYPE)


def html(body: bytes, status: int) -> Response[bytes]:
    # Litestar would append its own charset to a text/ media type; set the header whole.
    return Response(body, status_code=status, headers={"content-type": HTML_TYPE})


def unavailable() -> Response[bytes]:
    return html(
        b"<html><head><title>503 Service Unavailable</title></head>"
        b"<body><h1>Service Unavailable</h1></body></html>\n",
        503,
    )


def problem_400(detail: str, *, field: str | None = None) -> Response[bytes]:
    invalid = [InvalidParam(field, detail)] if field else []
    return problem(400, detail, invalid=invalid)


def json_response(value: object) -> Response[bytes]:
    return Response(msgspec.json.encode(value), media_type="application/json")


_FIELD_AT: Final = re.compile(r"at `\$\.([A-Za-z_][A-Za-z0-9_]*)")
_UNKNOWN_FIELD: Final = re.compile(r"unknown field `([^`]+)`")


def decode_faults(body: bytes) -> FaultSpec | Response[bytes]:
    """The body as a :class:`FaultSpec`, or the 400 problem naming what is wrong."""
    try:
        return msgspec.json.decode(body, type=FaultSpec)
    except msgspec.ValidationError as exc:
        message = str(exc)
        found = _FIELD_AT.search(message) or _UNKNOWN_FIELD.search(message)
        return problem_400(f"invalid fault body: {message}", field=found[1] if found else None)
    except msgspec.DecodeError as exc:
        return problem_400(f"the body is not a JSON object: {exc}")


# The raw ASGI send of the request being handled: uvicorn's is a method of its per-request
# cycle, which holds the connection's transport; "refuse" closes that transport.
RAW_SEND: ContextVar[object] = ContextVar("trafficha_simulator_raw_send", default=None)


async def faulty_answer(faults: FaultSpec, *, as_xml: bool) -> Response[bytes] | None:
    """The answer an outage, the WAF or a bad-key fault gives, or None to answer normally."""
    if faults.outage == "refuse" and await drop():
        return unavailable()  # never written: the connection is gone
    if faults.outage is not None:
        return unavailable()
    if faults.blocked:
        return html(blocked_page(), 200)
    if faults.bad_key:
        return kec_response(error_document(), as_xml=as_xml)
    return None


async def drop() -> bool:
    """Close the client connection without answering; False when the server does not allow it."""
    cycle = getattr(RAW_SEND.get(), "__self__", None)
    transport = getattr(cycle, "transport", None)
    if not isinstance(transport, asyncio.Transport):
        return False
    transport.abort()
    # Let the server see the connection lost, so it writes nothing of the handler's return.
    await asyncio.sleep(0)
    return True


def truncated(response: Response[bytes]) -> Response[bytes]:
    """The same answer cut in half: HTTP 200 and the right type, but not a whole document."""
    body = response.content
    return Response(body[: len(body) // 2], media_type=response.media_type)
