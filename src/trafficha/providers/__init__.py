"""Upstream providers: the KEC parsers (``kec``), the real adapter (``real``), the simulator
(``sim``), auto fallback and runtime mode switching (``modes``), and ``build_provider``
(``factory``). The package itself imports nothing heavy, so any of them loads on its own."""

from trafficha.providers.base import Provider, Source

__all__ = ["Provider", "Source"]
