"""The optional visible mark: label text in a corner of the image.

China's GB 45438-2025 asks for visible text of at least 5% of the image's shorter side; the
text's own height (not just the font size) is measured and grown until it meets that.
"""

from __future__ import annotations

import math

from PIL import Image, ImageDraw, ImageFont

MIN_SHARE = 0.05  # text height / shorter side
MAX_FONT_STEPS = 6


def _font_for(text: str, height: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont,
                                                tuple[int, int, int, int]]:
    size = height
    for _ in range(MAX_FONT_STEPS):
        font = ImageFont.load_default(size=size)
        box = tuple(int(v) for v in ImageDraw.Draw(Image.new("L", (1, 1))).textbbox(
            (0, 0), text, font=font))
        measured = box[3] - box[1]
        if measured >= height:
            return font, (box[0], box[1], box[2], box[3])
        size = math.ceil(size * height / max(measured, 1)) + 1
    return font, (box[0], box[1], box[2], box[3])


def draw_mark(im: Image.Image, text: str) -> Image.Image:
    """``im`` with ``text`` on a dark band in the bottom-left corner."""
    height = math.ceil(min(im.size) * MIN_SHARE)
    font, box = _font_for(text, height)
    pad = max(2, height // 3)
    width = box[2] - box[0] + 2 * pad
    band = (pad, im.height - pad - height - 2 * pad, pad + width, im.height - pad)
    overlay = Image.new("RGBA", im.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle(band, fill=(0, 0, 0, 150))
    draw.text((band[0] + pad - box[0], band[1] + pad - box[1]), text, font=font,
              fill=(255, 255, 255, 255))
    base = im.convert("RGBA")
    base.alpha_composite(overlay)
    return base if im.mode == "RGBA" else base.convert(im.mode)
