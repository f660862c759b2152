"""Rows a parser set aside: what was wrong with them, kept so that nothing is dropped silently.

KEC sends thousands of rows per answer, and one odd row (an unknown direction code, grade 4,
``"-"`` for a number) must not cost the other rows. The parser quarantines such a row instead
of failing the page: :class:`Parsed` is the page's good records plus its :class:`RejectedRow`\\ s,
and the collector counts them per dataset and reason and keeps a bounded sample
(:mod:`trafficha.streams.quarantine`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, TypeVar

import msgspec

__all__ = ["Parsed", "RejectedRow", "reason_of"]

RecordT = TypeVar("RecordT")

_REASON_CHARS: Final = 80
# Quoted values and numbers in a message: the reason keeps the rule, not the value, so that
# counters stay few (one per rule) however many different bad values upstream sends.
_VALUES: Final = re.compile(r"'[^']*'|\"[^\"]*\"|(?<![\w.-])-?\d+(?:\.\d+)?(?![\w.])")


def reason_of(message: str) -> str:
    """The rule a row broke, from the parser's message: its values masked, its length bounded.

    ``"updownTypeCode 'X' is not S or E"`` -> ``"updownTypeCode … is not S or E"``.
    """
    masked = _VALUES.sub("…", message.split("\n", 1)[0]).strip()
    return masked[:_REASON_CHARS] or "invalid row"


class RejectedRow(msgspec.Struct, frozen=True, kw_only=True):
    """One row a parser could not use.

    ``page`` and ``row`` locate it in the answer (1-based page, 0-based row); ``reason`` is the
    rule it broke (few distinct values, counted); ``detail`` is the parser's whole message and
    ``excerpt`` the row as sent, shortened and free of keys.
    """

    page: int
    row: int
    reason: str
    detail: str
    excerpt: str


class Parsed(list[RecordT]):
    """A page's records, and the rows quarantined on the way (``rejected``).

    A list, so every caller that wants only the records treats it as one; the collector reads
    ``rejected`` and records them.
    """

    def __init__(self, records: Iterable[RecordT] = (), rejected: Iterable[RejectedRow] = ()):
        super().__init__(records)
        self.rejected: list[RejectedRow] = list(rejected)

    def absorb(self, other: Parsed[RecordT]) -> None:
        """Append another page's records and rejects (a paged feed is one answer)."""
        self.extend(other)
        self.rejected.extend(other.rejected)
