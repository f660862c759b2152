"""The HTTP protocol every service's uvicorn speaks: uvicorn's own, with one answer changed.

A request uvicorn's parser cannot read (a malformed request line, a bad header, raw non-ASCII)
never reaches the app: uvicorn answers it itself, ``400 Invalid HTTP request received.`` in
plain text. Every other error of every trafficha service is an RFC 9457 problem document, so
this one is too (the members' own ports answer it; the ingress refuses such requests before).
"""

from __future__ import annotations

from typing import Final

import msgspec
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from trafficha.models.problem import PROBLEM_MEDIA, problem_document

__all__ = ["ProblemHttpProtocol"]

_STATUS_LINE: Final = b"HTTP/1.1 400 Bad Request\r\n"


class ProblemHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol whose unreadable-request answer is a problem document."""

    def send_400_response(self, msg: str) -> None:
        body = msgspec.json.encode(problem_document(400, msg))
        head = [_STATUS_LINE]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: " + PROBLEM_MEDIA.encode() + b"\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
