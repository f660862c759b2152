"""Deterministic randomness for the simulated world.

There is no global random state: every random choice is drawn from a stream keyed by a blake2b
hash of the seed and the item (slot, section, tollgate …), never from Python's salted
``hash()``, so the same parts give the same draws in any process.
"""

from __future__ import annotations

import hashlib
import random
import struct
from typing import Final

__all__ = ["digest", "rng", "uniforms"]


def digest(*parts: object) -> bytes:
    """A 32-byte blake2b digest of the parts, joined by the unit separator."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.blake2b(text.encode(), digest_size=32).digest()


def rng(*parts: object) -> random.Random:
    """A private random stream for one item; never shared, never global."""
    return random.Random(int.from_bytes(digest(*parts), "big"))  # noqa: S311 - simulation


_UNPACK8: Final = struct.Struct(">8I").unpack
_U32: Final = float(2**32)


def uniforms(*parts: object) -> tuple[float, ...]:
    """Eight uniforms in [0, 1) for one item (cheaper than a Random for hot loops)."""
    return tuple(v / _U32 for v in _UNPACK8(digest(*parts)))
