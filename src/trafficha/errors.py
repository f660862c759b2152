"""The exception hierarchy: one root, one branch per concern, each usable on its own."""

from __future__ import annotations


class TrafficHaError(Exception):
    """Root of every error trafficha raises on purpose."""


class ConfigError(TrafficHaError, ValueError):
    """A setting is missing or malformed; the message names the environment variable."""


class ProviderError(TrafficHaError):
    """An upstream answered with something that is not usable data.

    Attributes:
        excerpt: a short, key-free excerpt of the payload, for logs and dead letters.
    """

    def __init__(self, message: str, *, excerpt: str = "") -> None:
        super().__init__(message)
        self.excerpt = excerpt

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} (payload: {self.excerpt!r})" if self.excerpt else base


class ProviderAuthError(ProviderError):
    """The upstream rejected the API key (KEC answers HTTP 200 with ``code: "ERROR"``)."""


class ProviderUnavailableError(ProviderError):
    """The upstream could not be reached, timed out, or kept answering 5xx after retries."""


class ProviderPayloadError(ProviderError):
    """The payload is not a valid success payload (HTML block page, bad JSON, wrong types)."""
