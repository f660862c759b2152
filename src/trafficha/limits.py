"""The open-file limit: every socket is a file descriptor, and an audience holds thousands.

An event-stream viewer keeps a socket open at HAProxy (two: its own and the one to a gateway)
and at a gateway for as long as the page stays open. Debian's default soft limit of 1,024 stops a
gateway at about a thousand viewers, so every service and the local stack raise their soft limit
at start, up to the hard limit (root may raise that too, up to the kernel's ``fs.nr_open``).
``trafficha status`` shows what each process got.
"""

from __future__ import annotations

import logging
import os
import resource
from pathlib import Path
from typing import Final

__all__ = ["OPEN_FILES_WANTED", "open_files_of", "raise_open_files"]

log = logging.getLogger(__name__)

OPEN_FILES_WANTED: Final = 65_536
"""Enough for 5,000 viewers at the ingress (two sockets each) with room for everything else."""


def raise_open_files(wanted: int = OPEN_FILES_WANTED) -> int:
    """Raise this process's soft open-file limit towards ``wanted`` (children inherit it);
    returns the soft limit now. Never lowers a limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < wanted and os.geteuid() == 0:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
        except (ValueError, OSError) as exc:  # above fs.nr_open, or a container's cap
            log.info("open-file hard limit stays %d: %s", hard, exc)
        else:
            return wanted
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return int(soft)


def open_files_of(pid: int) -> int | None:
    """The soft open-file limit of a running process (None when it cannot be read)."""
    try:
        text = Path(f"/proc/{pid}/limits").read_text(encoding="ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("Max open files"):
            soft = line.split()[3]
            return None if soft == "unlimited" else int(soft)
    return None
