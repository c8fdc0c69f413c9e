"""What goes into a Bluesky post record besides its text: facets, a record key, image sizes.

- Facets make hashtags and links clickable. Their ranges are UTF-8 byte offsets into the text
  (not character offsets); detection is atproto's port of the official SDK's (links, #tags,
  $cashtags). @mentions are left as plain text: linking one needs a handle lookup.
- The record key is a TID made when the post is first claimed: its time part is that moment,
  its clock id taken from a hash of the post id. It is stored on the post, so every attempt
  creates the same record (the PDS refuses a second one) and a lookup after an unknown outcome
  asks for exactly that record.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from influencer.errors import PermanentError

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable


def facets(text: str) -> list[dict[str, Any]]:
    """Link and tag facets of ``text`` as record JSON, byte ranges over its UTF-8 encoding."""
    from atproto_client.models.utils import get_model_as_dict  # type: ignore[import-untyped, unused-ignore]
    from atproto_client.utils.facet_detection import (  # type: ignore[import-untyped, unused-ignore]
        detect_facets,
    )

    return [dict(get_model_as_dict(facet)) for facet in detect_facets(text)]


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
