"""Upstream providers and the KEC payload parsers."""

from __future__ import annotations

from trafficha.config import Settings
from trafficha.errors import ConfigError
from trafficha.providers.base import Provider
from trafficha.providers.sim import SimProvider


def build_provider(settings: Settings) -> Provider:
    """The provider ``DATA_SOURCE_MODE`` asks for.

    ``auto`` without a key means the simulator, as the original's demo intends. The real KEC
    adapter (``real``, and ``auto`` with a key) lands with the providers issue; until then those
    settings fail at start, naming the variable.
    """
    mode = settings.data_source_mode
    if mode == "sim" or (mode == "auto" and not settings.real_openapi_key):
        return SimProvider()
    raise ConfigError(
        f"DATA_SOURCE_MODE: {mode!r} needs the real KEC adapter, which is not built yet; "
        "use DATA_SOURCE_MODE=sim"
    )


__all__ = ["Provider", "SimProvider", "build_provider"]
