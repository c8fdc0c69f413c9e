"""Rendering a twin's image for one platform, cached so preview and publish share bytes.

The steps, in order: read the header; work out the crop (the platform's aspect range, around
the focal point) and the output size; decode no larger than that needs (JPEG ``draft``);
turn upright (EXIF orientation); convert to sRGB; crop; downscale; draw the visible mark if
asked; encode within the byte limit with our XMP; sign (C2PA) last. Each result is kept in
``.influencer/renders/`` under a key of everything that shapes its bytes, written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from influencer.config.platforms import PlatformSpec
from influencer.config.private import make_private_dir
from influencer.errors import BadImage, ImageryError
from influencer.imagery.colour import to_srgb
from influencer.imagery.encode import MEDIA_TYPES, SUFFIXES, encode_within
from influencer.imagery.geometry import crop_box, draft_request, output_size
from influencer.imagery.mark import draw_mark
from influencer.imagery.provenance import Provenance, provenance_for
from influencer.imagery.source import (
    TRANSPOSING,
    displayed_size,
    open_source,
    orientation,
    sha256_file,
    upright,
)

if TYPE_CHECKING:
    from influencer.config import Persona, Workspace
    from influencer.store.models import ImageAsset

RENDER_VERSION = 1  # bump whenever a change here changes the bytes a render makes
REDUCING_GAP = 3.0  # shrink by whole factors first, then resample the last < 3×
# Bicubic keeps detail crisp when shrinking a lot; for a gentle last step (at most 1.5×, the
# usual case after a JPEG draft decode) bilinear looks the same and costs 40% less.
GENTLE_SHRINK = 1.5
RENDERS = "renders"


@dataclass(frozen=True)
class SourceImage:
    """The file to render and what of its sidecar shapes the render."""

    path: Path
    sha256: str
    focal: tuple[float, float] | None = None
    alt_text: str | None = None

    @classmethod
    def of_asset(cls, ws: Workspace, asset: ImageAsset) -> SourceImage:
        focal = (asset.focal_x, asset.focal_y) \
            if asset.focal_x is not None and asset.focal_y is not None else None
        return cls(ws.resolve(asset.path), asset.sha256, focal, asset.alt_text)

    @classmethod
    def of_file(cls, path: Path, focal: tuple[float, float] | None = None,
                alt_text: str | None = None) -> SourceImage:
        return cls(path, sha256_file(path), focal, alt_text)


@dataclass(frozen=True)
class RenderedImage:
    """A file ready to publish: the exact bytes preview shows and the platform receives."""

    path: Path
    sha256: str
    format: str
    media_type: str
    width: int
    height: int
    size: int
    source_sha256: str
    signed: bool


def render_image(ws: Workspace, persona: Persona, source: SourceImage | ImageAsset,
                 spec: PlatformSpec, *, aspect: float | None = None) -> RenderedImage:
    """``source`` rendered for ``spec`` (``aspect`` forces one width/height ratio)."""
    src = source if isinstance(source, SourceImage) else SourceImage.of_asset(ws, source)
    prov = provenance_for(ws, persona, spec, src.alt_text)
    key = cache_key(src, spec, aspect, prov)
    folder = ws.state_dir / RENDERS / key[:2]
    for fmt, suffix in SUFFIXES.items():
        cached = folder / f"{key}{suffix}"
        if cached.is_file():
            return _described(cached, fmt, src.sha256, prov.signing is not None)
    picture = prepare(src, spec, aspect, prov.mark_text)
    name = f"{key}.render"
    encoded = encode_within(picture, spec, prov.xmp(), src.path.name, prov.signer(name))
    path = folder / f"{key}{SUFFIXES[encoded.format]}"
    write_atomic(path, encoded.data)
    return _described(path, encoded.format, src.sha256, prov.signing is not None)


def render_post_images(ws: Workspace, persona: Persona,
                       sources: Sequence[SourceImage | ImageAsset],
                       spec: PlatformSpec) -> list[RenderedImage]:
    """A post's images; a carousel on a platform with an aspect range shares one aspect
    (the first image's, brought into range), as Instagram crops a carousel to its first."""
    if len(sources) > spec.images_per_post:
        raise ImageryError(f"{len(sources)} images, but a {spec.title} post takes at most "
                           f"{spec.images_per_post}")
    srcs = [s if isinstance(s, SourceImage) else SourceImage.of_asset(ws, s) for s in sources]
    aspect = None
    if len(srcs) > 1 and (spec.aspect_min is not None or spec.aspect_max is not None):
        aspect = carousel_aspect(srcs[0], spec)
    return [render_image(ws, persona, s, spec, aspect=aspect) for s in srcs]


def carousel_aspect(first: SourceImage, spec: PlatformSpec) -> float:
    with open_source(first.path) as im:
        width, height = displayed_size(im)
    box = crop_box(width, height, spec.aspect_min, spec.aspect_max, first.focal)
    return round((box[2] - box[0]) / (box[3] - box[1]), 4)


def prepare(src: SourceImage, spec: PlatformSpec, aspect: float | None,
            mark_text: str | None) -> Image.Image:
    """The source's pixels cropped, scaled, in sRGB and marked: ready to encode."""
    low, high = (aspect, aspect) if aspect is not None else (spec.aspect_min, spec.aspect_max)
    with open_source(src.path) as im:
        turn = orientation(im)
        shown = displayed_size(im)
        box = crop_box(*shown, low, high, src.focal)
        size = output_size(box, spec.max_width, low, high)
        im.draft(None, draft_request(shown, box, size[0], turn in TRANSPOSING))
        try:
            im.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise BadImage(f"{src.path.name}: cannot decode: {exc}") from None
        picture = _shaped(to_srgb(upright(im, turn)), size, low, high, src.focal)
    if picture.mode == "RGBA" and picture.getchannel("A").getextrema()[0] == 255:
        picture = picture.convert("RGB")  # an alpha channel with nothing transparent
    return draw_mark(picture, mark_text) if mark_text else picture


def _shaped(picture: Image.Image, size: tuple[int, int], low: float | None, high: float | None,
            focal: tuple[float, float] | None) -> Image.Image:
    """Cropped and scaled in one pass (``box=``): no intermediate copy of the crop.

    Always a new image: the source's pixels are freed when its file is closed.
    """
    box = crop_box(*picture.size, low, high, focal)
    if (box[2] - box[0], box[3] - box[1]) == size:
        return picture.crop(box)
    gentle = (box[2] - box[0]) <= size[0] * GENTLE_SHRINK
    resample = Image.Resampling.BILINEAR if gentle else Image.Resampling.BICUBIC
    return picture.resize(size, resample, box=box, reducing_gap=REDUCING_GAP)


def cache_key(src: SourceImage, spec: PlatformSpec, aspect: float | None,
              prov: Provenance) -> str:
    """A hash of everything that shapes a render's bytes."""
    parts = {
        "version": RENDER_VERSION,
        "source": src.sha256,
        "focal": src.focal,
        "aspect": aspect,
        "spec": [spec.name, list(spec.formats), spec.aspect_min, spec.aspect_max,
                 spec.max_width, spec.max_image_bytes],
        "provenance": prov.identity(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _described(path: Path, fmt: str, source_sha256: str, signed: bool) -> RenderedImage:
    """The render at ``path``, hashed once per version of the file in this process (a 30-day
    preview reuses each render about ten times)."""
    stat = path.stat()
    return _describe(path, stat.st_mtime_ns, stat.st_size, fmt, source_sha256, signed)


@lru_cache(maxsize=4096)
def _describe(path: Path, mtime_ns: int, size: int, fmt: str, source_sha256: str,
              signed: bool) -> RenderedImage:
    data = path.read_bytes()
    with Image.open(path) as im:
        width, height = im.size
    return RenderedImage(path, hashlib.sha256(data).hexdigest(), fmt, MEDIA_TYPES[fmt],
                         width, height, len(data), source_sha256, signed)


def write_atomic(path: Path, data: bytes) -> None:
    """Readers see the old file or the whole new one, never a part."""
    make_private_dir(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
