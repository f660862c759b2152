"""Chaos Toolkit extension for trafficha: probes and actions on a running local stack.

Use them through ``"type": "python"`` providers (``trafficha.chaos.probes`` and
``trafficha.chaos.actions``); ``chaos discover --no-install trafficha.chaos`` lists them.
"""

from __future__ import annotations

from typing import Any

from chaoslib.discovery.discover import (  # type: ignore[import-untyped]
    discover_actions,
    discover_probes,
    initialize_discovery_result,
)

__all__ = ["discover", "load_exported_activities"]

__version__ = "0.1.0"


def load_exported_activities() -> list[Any]:
    """Every action and probe, as chaos discovery describes them."""
    activities: list[Any] = []
    activities.extend(discover_actions("trafficha.chaos.actions"))
    activities.extend(discover_probes("trafficha.chaos.probes"))
    return activities


def discover(discover_system: bool = True) -> Any:
    """What ``chaos discover`` reports for this extension."""
    result = initialize_discovery_result("trafficha", __version__, "trafficha")
    result["activities"].extend(load_exported_activities())
    return result
