"""Encoding a rendered picture within a platform's byte limit, metadata written by us only.

The first format of the platform's list that suits the picture is tried first: JPEG (or WebP)
for photos, PNG or WebP for pictures with transparency. Quality is stepped down until the file
fits; when even the lowest step does not, ImageryError says so. Pillow is never given the
source's EXIF, ICC profile or comments: the picture's ``info`` is emptied before saving, and
the only metadata written is our XMP packet (and, last of all, the C2PA manifest).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from influencer.config.platforms import PlatformSpec
from influencer.errors import ImageryError
from influencer.imagery.xmp import PNG_XMP_KEY

JPEG_QUALITIES = (90, 85, 80, 75, 70, 65, 60, 50, 40)
WEBP_QUALITIES = (90, 80, 70, 60, 50, 40)
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
PHOTO_FORMATS = ("JPEG", "WEBP")
ALPHA_FORMATS = ("PNG", "WEBP")

Signer = Callable[[bytes, str], bytes]  # (encoded bytes, media type) -> signed bytes


@dataclass(frozen=True)
class Encoded:
    data: bytes
    format: str
    quality: int | None  # None for PNG, which is lossless


def candidate_formats(spec: PlatformSpec, has_alpha: bool) -> list[str]:
    """Formats to try, best first: the spec's own order among those that suit the picture."""
    known = [f for f in spec.formats if f in MEDIA_TYPES]
    if not known:
        raise ImageryError(f"{spec.title} accepts none of the formats we write "
                           f"({', '.join(spec.formats)})")
    alpha = [f for f in known if f in ALPHA_FORMATS] if has_alpha else []
    photo = [f for f in known if f in PHOTO_FORMATS]
    return alpha or photo or known


def flatten(picture: Image.Image) -> Image.Image:
    """Transparency composited onto white, for formats without an alpha channel."""
    if picture.mode != "RGBA":
        return picture
    background = Image.new("RGB", picture.size, (255, 255, 255))
    background.paste(picture, mask=picture.getchannel("A"))
    return background


def encode(picture: Image.Image, fmt: str, quality: int | None, xmp: bytes) -> bytes:
    picture.info = {}  # no EXIF, ICC, comment or XMP of the source can ride along
    out = io.BytesIO()
    options: dict[str, Any] = {}
    if fmt == "PNG":
        info = PngInfo()
        info.add_itxt(PNG_XMP_KEY, xmp.decode("utf-8"), zip=False)
        options = {"pnginfo": info, "compress_level": 9}
    elif fmt == "JPEG":
        options = {"quality": quality, "xmp": xmp}
    else:
        options = {"quality": quality, "method": 4, "xmp": xmp}
    picture.save(out, fmt, **options)
    return out.getvalue()


def _steps(fmt: str) -> tuple[int | None, ...]:
    return {"JPEG": JPEG_QUALITIES, "WEBP": WEBP_QUALITIES}.get(fmt, (None,))


def encode_within(picture: Image.Image, spec: PlatformSpec, xmp: bytes, name: str,
                  signer: Signer | None = None) -> Encoded:
    """The best-quality encoding no bigger than ``spec.max_image_bytes`` (after signing)."""
    has_alpha = picture.mode == "RGBA"
    limit = spec.max_image_bytes
    smallest: tuple[int, str, int | None] | None = None
    for fmt in candidate_formats(spec, has_alpha):
        version = picture if fmt in ALPHA_FORMATS else flatten(picture)
        for quality in _steps(fmt):
            data = encode(version, fmt, quality, xmp)
            if len(data) <= limit and signer is not None:
                data = signer(data, MEDIA_TYPES[fmt])  # signing is the very last step
            if len(data) <= limit:
                return Encoded(data, fmt, quality)
            if smallest is None or len(data) < smallest[0]:
                smallest = (len(data), fmt, quality)
    assert smallest is not None
    size, fmt, quality = smallest
    at = f" at quality {quality}" if quality is not None else ""
    raise ImageryError(
        f"{name}: cannot fit {picture.width}×{picture.height} under {spec.title}'s limit of "
        f"{limit:,} bytes: the smallest encoding is {size:,} bytes ({fmt}{at})"
    )
