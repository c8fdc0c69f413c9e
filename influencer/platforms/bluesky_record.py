"""What goes into a Bluesky post record besides its text: facets, a record key, image sizes.

- Facets make hashtags and links clickable (``bluesky_facets``, our copy of the SDK's detection).
- The record key is a TID made when the post is first claimed: its time part is that moment,
  its clock id taken from a hash of the post id. It is stored on the post, so every attempt
  creates the same record (the PDS refuses a second one) and a lookup after an unknown outcome
  asks for exactly that record.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from influencer.errors import PermanentError
from influencer.platforms.bluesky_facets import facets

__all__ = ["aspect_ratio", "facets", "post_url", "record_key"]

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable


def record_key(post_id: str, moment: datetime) -> str:
    """A TID for ``moment`` (13 characters), its clock id derived from the post id."""
    digest = int.from_bytes(hashlib.sha256(post_id.encode()).digest()[:8], "big")
    micros = int(moment.timestamp() * 1_000_000)
    clock_id = (digest >> 20) & 0x3FF
    value = (micros << 10) | clock_id  # 53 bits of time, 10 of clock id; the top bit stays 0
    return "".join(TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def aspect_ratio(path: Path) -> dict[str, int]:
    """``{"width", "height"}`` of the image file, read from its header."""
    try:
        with Image.open(path) as image:
            width, height = image.size
    except (OSError, UnidentifiedImageError) as exc:
        raise PermanentError(f"bluesky: cannot read the size of {path.name}: {exc}") from None
    return {"width": width, "height": height}


def post_url(handle: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{handle.lstrip('@')}/post/{rkey}"
