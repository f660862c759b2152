"""Secret values that never print: reprs, str() and log records show a mask, not the value."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Final

MASK: Final = "********"
_SHORT: Final = 8


class Secret:
    """A string that is only revealed on purpose (``reveal()``), never by printing it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The plain value, for the one place that must send it (a URL, a login)."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    __str__ = __repr__


# KEC passes its key as a query parameter; a URL in a log line or an error must not carry it.
_KEY_PARAM = re.compile(r"(?i)((?<![A-Za-z0-9_])(?:key|servicekey|apikey|api_key)=)[^&#\s\"'<]*")


def redact_url(url: str) -> str:
    """Mask the API-key query parameter of a URL (or of any text holding such URLs)."""
    return _KEY_PARAM.sub(lambda m: m.group(1) + MASK, url)


class RedactingFilter(logging.Filter):
    """Masks known secret values and key query parameters in every record it passes."""

    def __init__(self, secrets: Iterable[Secret]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is masked whole. A short secret is
        # masked only where it stands alone: a password "p" must not mask every "p" in a log.
        values = sorted({s.reveal() for s in secrets if s}, key=len, reverse=True)
        self._pattern = (
            re.compile(
                "|".join(
                    re.escape(v) if len(v) >= _SHORT else rf"(?<![\w]){re.escape(v)}(?![\w])"
                    for v in values
                )
            )
            if values
            else None
        )

    def _scrub(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        return redact_url(text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self._scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True
