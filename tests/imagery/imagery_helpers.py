"""Helpers for the imagery tests: images made on the spot, sidecars, exiftool's view."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image


def photo(width: int, height: int, seed: int = 0) -> Image.Image:
    """Smooth colour fields plus grain: compresses like a photograph, not like flat colour."""
    rng = np.random.default_rng(seed)
    low = rng.integers(0, 256, (max(2, height // 100), max(2, width // 100), 3), dtype=np.uint8)
    base = np.asarray(Image.fromarray(low).resize((width, height), Image.Resampling.BICUBIC),
                      dtype=np.int16)
    grain = rng.normal(0, 6, (height, width, 1)).astype(np.int16)
    return Image.fromarray(np.clip(base + grain, 0, 255).astype(np.uint8))


def save(im: Image.Image, path: Path, **options: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, **options)
    return path


def sidecar(image: Path, text: str) -> Path:
    path = image.with_suffix(".yaml")
    path.write_text(text, encoding="utf-8")
    return path


def exiftool(path: Path, *tags: str) -> dict[str, object]:
    out = subprocess.run(["exiftool", "-j", "-G", *tags, str(path)], capture_output=True,
                         text=True, check=True).stdout
    return dict(json.loads(out)[0])


def bomb_png(path: Path, side: int = 20_000) -> Path:
    """A complete, valid greyscale PNG of side × side pixels (all black, about 400 KB)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    packer = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + pixels
    body = b"".join(packer.compress(row * 500) for _ in range(side // 500)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body)
                     + chunk(b"IEND", b""))
    return path


class CountingHasher:
    """The real hasher, counting the files it reads."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, path: Path) -> str:
        from influencer.imagery.source import sha256_file

        self.paths.append(path.name)
        return sha256_file(path)
