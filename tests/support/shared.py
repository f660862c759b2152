"""Where the shared reference data lives: real KEC recordings and CRD schemas from public
sources, read in place and never copied into the repository.

It sits beside the checkout (``../shared``). A clone elsewhere (CI clones to a directory of its
own) finds it in ``TRAFFICHA_SHARED_DIR``, in a ``shared`` directory beside any parent of the
checkout, or at this machine's ``/work/shared``, in that order. A test that needs it fails,
loudly, when none holds it: the data is part of what the tests check.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
_MACHINE: Final = Path("/work/shared")


def _shared() -> Path:
    named = os.environ.get("TRAFFICHA_SHARED_DIR")
    candidates = [Path(named)] if named else []
    candidates += [parent / "shared" for parent in ROOT.parents]
    candidates.append(_MACHINE)
    for candidate in candidates:
        if (candidate / "kec-real").is_dir():
            return candidate
    return ROOT.parent / "shared"  # absent: the tests that read it fail naming this path


SHARED: Final = _shared()
KEC_REAL: Final = SHARED / "kec-real"
