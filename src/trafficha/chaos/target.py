"""Finding the stack a chaos activity acts on: ``TRAFFICHA_STATE_DIR`` and
``TRAFFICHA_INGRESS_URL``, read on every call (arguments override them, for tests)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Final

from chaoslib.exceptions import ActivityFailed  # type: ignore[import-untyped]

from trafficha.topology.local import LocalStack, default_state_dir

__all__ = [
    "ENDPOINTS",
    "chaos_dir",
    "ingress_url",
    "read_json",
    "stack",
    "state_dir",
    "write_json",
]

# The original system's five endpoints, as the dashboard calls them.
ENDPOINTS: Final = (
    "/api/accidents/latest?limit=100",
    "/api/accidents/stats",
    "/api/tollgate/traffic",
    "/api/road/status",
    "/api/road/summary",
)


def state_dir(given: str | None = None) -> Path:
    """``given``, else ``TRAFFICHA_STATE_DIR``, else the repository's ``.trafficha``."""
    return Path(given).resolve() if given else default_state_dir()


def stack(given: str | None = None) -> LocalStack:
    """The local stack under the state dir; fails when none was ever started there."""
    path = state_dir(given)
    if not (path / "stack.json").exists():
        raise ActivityFailed(f"no trafficha stack under {path} (set TRAFFICHA_STATE_DIR)")
    return LocalStack(path)


def ingress_url(given: str | None = None, state: str | None = None) -> str:
    """``given``, else ``TRAFFICHA_INGRESS_URL``, else the stack's ingress port, else :8080."""
    if given:
        return given.rstrip("/")
    if env := os.environ.get("TRAFFICHA_INGRESS_URL", "").strip():
        return env.rstrip("/")
    path = state_dir(state)
    if (path / "stack.json").exists():
        return f"http://127.0.0.1:{LocalStack(path).layout.ingress_port}"
    return "http://127.0.0.1:8080"


def chaos_dir(given: str | None = None) -> Path:
    """Where the chaos activities keep their small state files (``<state_dir>/chaos``)."""
    path = state_dir(given) / "chaos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_json(path: Path) -> Any:
    """The decoded file, or None when it does not exist (or is being rewritten)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_json(path: Path, value: object) -> None:
    """Write atomically: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}")
    tmp.write_text(json.dumps(value, indent=2))
    tmp.replace(path)
