"""Turning any source's pixels into 8-bit sRGB (RGB, or RGBA when it has transparency).

An embedded ICC profile is honoured through LittleCMS (``PIL.ImageCms``), so a CMYK or
Adobe RGB original keeps its colours; without one, sRGB is assumed, as browsers do.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageCms

SIXTEEN_BIT = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I"})


@lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def eight_bit(im: Image.Image) -> Image.Image:
    """16- and 32-bit greyscale scaled (not clipped) into 8 bits; other modes unchanged."""
    if im.mode not in SIXTEEN_BIT and im.mode != "F":
        return im
    import numpy as np  # a tenth of a second to import: only for these rare modes

    if im.mode in SIXTEEN_BIT:
        values = np.asarray(im).astype(np.int64)
        top = 65535 if im.mode != "I" or values.max(initial=0) > 255 else 255
        scaled = (np.clip(values, 0, top) * 255 // top).astype(np.uint8)
        out = Image.fromarray(scaled)
    else:
        out = Image.fromarray(np.clip(np.asarray(im), 0, 255).astype(np.uint8))
    out.info = dict(im.info)
    return out


def to_srgb(im: Image.Image) -> Image.Image:
    """RGB or RGBA pixels in sRGB; the result carries no metadata of the source."""
    icc = im.info.get("icc_profile")
    im = eight_bit(im)
    if im.mode in ("PA", "LA", "La", "RGBa") or "transparency" in im.info:
        im = im.convert("RGBA")
    elif im.mode in ("P", "1"):
        im = im.convert("RGB" if im.mode == "P" else "L")
    alpha = im.getchannel("A") if im.mode == "RGBA" else None
    colour = im.convert("RGB") if alpha is not None else im
    if icc:
        colour = _through_profile(colour, icc)
    elif colour.mode != "RGB":
        colour = colour.convert("RGB")
    if alpha is not None:
        colour.putalpha(alpha)
    colour.info = {}
    return colour


def _through_profile(im: Image.Image, icc: bytes) -> Image.Image:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(im, source, _srgb(), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        # A profile that does not fit the pixels (or is broken) is ignored: plain conversion.
        return im.convert("RGB")
    assert converted is not None  # inPlace=False always returns the new image
    return converted
