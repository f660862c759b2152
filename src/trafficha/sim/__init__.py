"""The traffic simulator: a deterministic world that plays the KEC feeds."""

from trafficha.sim.incidents import (
    INCIDENT_SLOT,
    INCIDENT_TYPES,
    MAX_INCIDENT_AGE,
    PROCESS,
    IncidentType,
)
from trafficha.sim.world import (
    TOLLGATE_DELAY,
    TOLLGATE_SLOT,
    TOLLGATE_SLOTS_PER_ANSWER,
    TrafficWorld,
)

__all__ = [
    "INCIDENT_SLOT",
    "INCIDENT_TYPES",
    "MAX_INCIDENT_AGE",
    "PROCESS",
    "TOLLGATE_DELAY",
    "TOLLGATE_SLOT",
    "TOLLGATE_SLOTS_PER_ANSWER",
    "IncidentType",
    "TrafficWorld",
]
