"""Logging for the services: one line per record, secrets masked before anything is written."""

from __future__ import annotations

import logging
import sys

from trafficha.config import Settings
from trafficha.secrets import RedactingFilter


def configure_logging(settings: Settings, service: str) -> None:
    """Log to stderr at the configured level, masking every secret of ``settings``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(
            f"%(asctime)s %(levelname)s {settings.member_name}/{service} %(name)s: %(message)s"
        )
    )
    handler.addFilter(RedactingFilter(settings.secrets()))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
