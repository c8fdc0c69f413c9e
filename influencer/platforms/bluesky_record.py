"""What goes into a Bluesky post record besides its text: facets, a record key, image sizes.

- Facets make hashtags and links clickable. Their ranges are UTF-8 byte offsets into the text
  (not character offsets); detection is atproto's port of the official SDK's (links, #tags,
  $cashtags). @mentions are left as plain text: linking one needs a handle lookup.
- The record key is a TID derived from the post: its time part is the post's ``publish_at``
  (whole seconds) plus microseconds taken from a hash of the post id, its clock id from the same
  hash. The same post always gets the same key, so a retry after an unknown outcome can ask the
  PDS for that record, and the repository still sorts posts by when they were scheduled.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from influencer.disclosure import LabeledPost
from influencer.errors import PermanentError

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable


def facets(text: str) -> list[dict[str, Any]]:
    """Link and tag facets of ``text`` as record JSON, byte ranges over its UTF-8 encoding."""
    from atproto_client.models.utils import get_model_as_dict  # type: ignore[import-untyped, unused-ignore]
    from atproto_client.utils.facet_detection import (  # type: ignore[import-untyped, unused-ignore]
        detect_facets,
    )

    return [dict(get_model_as_dict(facet)) for facet in detect_facets(text)]


def record_key(post: LabeledPost) -> str:
    """The TID this post is stored under (13 characters, deterministic)."""
    digest = int.from_bytes(hashlib.sha256(post.post_id.encode()).digest()[:8], "big")
    micros = int(post.publish_at.timestamp()) * 1_000_000 + digest % 1_000_000
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
