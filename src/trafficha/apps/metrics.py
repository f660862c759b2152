"""Prometheus text exposition (format 0.0.4), shared by the HTTP services' ``/metrics``.

Small on purpose: counters live in plain dicts in each app, and are rendered here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal

__all__ = ["METRICS_MEDIA", "Sample", "family", "render"]

# Litestar appends "; charset=utf-8" to text media types itself.
METRICS_MEDIA: Final = "text/plain; version=0.0.4"

Sample = tuple[Mapping[str, str], float]
"""One sample: its labels and its value."""

_ESCAPES: Final = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n"})


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{str(v).translate(_ESCAPES)}"' for k, v in labels.items())
    return "{" + inner + "}"


def _value(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def family(
    name: str,
    kind: Literal["counter", "gauge"],
    help_text: str,
    samples: Iterable[Sample],
) -> list[str]:
    """The lines of one metric family: HELP, TYPE, then one line per sample."""
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    lines += [f"{name}{_labels(labels)} {_value(value)}" for labels, value in samples]
    return lines


def render(families: Iterable[list[str]]) -> str:
    """A whole exposition: the families' lines, newline-terminated."""
    return "\n".join(line for lines in families for line in lines) + "\n"
