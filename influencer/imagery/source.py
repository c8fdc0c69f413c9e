"""Opening a twin's image safely, and learning what the library keeps about it.

Only the header is read before a file is judged: formats we do not publish, animations and
images so large they could exhaust memory (a "decompression bomb") are refused before a
single pixel is decoded. When pixels are needed for a fingerprint, JPEGs are decoded at 1/8
scale (``Image.draft``), which still reads the whole stream, so a truncated file is caught.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from influencer.errors import BadImage
from influencer.imagery.colour import eight_bit

SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP")
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp"})
# Image files a person may drop into the folder that we cannot publish: reported, not used.
OTHER_IMAGE_SUFFIXES = frozenset({".gif", ".tif", ".tiff", ".bmp", ".heic", ".heif", ".avif"})
# Pillow's own limit (about 89 megapixels, a 12,000 × 7,500 photo fits); beyond it a file is
# refused from its header. The warning Pillow gives between 1× and 2× is made an error here.
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
FINGERPRINT_SIZE = (64, 64)  # the smallest decode a perceptual hash (32 × 32 DCT) needs
TRANSPOSING = {5, 6, 7, 8}  # EXIF orientations that swap width and height

_open_lock = threading.Lock()  # warnings filters are process-wide; keep their change private


@dataclass(frozen=True)
class ImageFacts:
    """What the library records about a decodable image (dimensions as displayed)."""

    width: int
    height: int
    format: str
    phash: str


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def open_source(path: Path) -> Iterator[Image.Image]:
    """The image with only its header read; BadImage for anything we would not publish."""
    im = _open_header(path)
    try:
        frames = getattr(im, "n_frames", 1)
        if getattr(im, "is_animated", False) or frames > 1:
            raise BadImage(f"animated image ({frames} frames) is not supported; use a still image")
        if im.format not in SUPPORTED_FORMATS:
            raise BadImage(f"{im.format} images are not supported (use JPEG, PNG or WebP)")
        yield im
    finally:
        im.close()


def _open_header(path: Path) -> Image.Image:
    try:
        with _open_lock, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadImage(f"too many pixels (over {MAX_PIXELS:,}): refused without decoding, "
                       "as a possible decompression bomb") from None
    except UnidentifiedImageError:
        raise BadImage("not an image (or in a format that cannot be read)") from None
    except PermissionError:
        raise BadImage("cannot read: permission denied") from None
    except OSError as exc:
        raise BadImage(f"cannot read: {exc.strerror or exc}") from None


def orientation(im: Image.Image) -> int:
    """The EXIF orientation (1–8); 1 when absent or unreadable."""
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:  # broken EXIF must not stop an image: it is ignored
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def displayed_size(im: Image.Image) -> tuple[int, int]:
    width, height = im.size
    return (height, width) if orientation(im) in TRANSPOSING else (width, height)


def examine(path: Path) -> ImageFacts:
    """Dimensions and perceptual hash, decoding no more than the hash needs."""
    import imagehash  # with numpy, a tenth of a second: only scans that find new files need it

    with open_source(path) as im:
        width, height = displayed_size(im)
        turn = orientation(im)
        fmt = str(im.format)
        im.draft("L", FINGERPRINT_SIZE)  # JPEG only: decode at up to 1/8 scale
        try:
            im.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise BadImage(f"cannot decode: {exc}") from None
        small = upright(eight_bit(im), turn)
        return ImageFacts(width, height, fmt, str(imagehash.phash(small.convert("L"))))


def upright(im: Image.Image, turn: int) -> Image.Image:
    """``im`` turned the way its EXIF orientation says it is to be shown."""
    method = {
        2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(turn)
    return im.transpose(method) if method is not None else im
