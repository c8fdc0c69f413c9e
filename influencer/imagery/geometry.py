"""Where to crop and how small to decode: pure arithmetic on sizes, no pixels."""

from __future__ import annotations

import math

Box = tuple[int, int, int, int]  # left, top, right, bottom


def crop_box(width: int, height: int, aspect_min: float | None, aspect_max: float | None,
             focal: tuple[float, float] | None = None) -> Box:
    """The largest box with width/height in [aspect_min, aspect_max], centred on ``focal``.

    Sizes are rounded towards the allowed range, so the box never falls just outside it.
    """
    fx, fy = focal or (0.5, 0.5)
    aspect = width / height
    if aspect_min is not None and aspect < aspect_min:
        new_height = max(1, math.floor(width / aspect_min))
        top = _start(fy, height, new_height)
        return (0, top, width, top + new_height)
    if aspect_max is not None and aspect > aspect_max:
        new_width = max(1, math.floor(height * aspect_max))
        left = _start(fx, width, new_width)
        return (left, 0, left + new_width, height)
    return (0, 0, width, height)


def _start(focus: float, full: int, part: int) -> int:
    """Where a ``part``-long window centred on ``focus`` (0–1) starts, kept inside ``full``."""
    centre = min(max(focus, 0.0), 1.0) * full
    return int(min(max(round(centre - part / 2), 0), full - part))


def output_size(box: Box, max_width: int, aspect_min: float | None,
                aspect_max: float | None) -> tuple[int, int]:
    """The box scaled down (never up) to ``max_width``, still inside the aspect range."""
    width, height = box[2] - box[0], box[3] - box[1]
    if width <= max_width:
        return width, height
    out_w = max_width
    out_h = max(1, round(height * max_width / width))
    if aspect_min is not None and out_w / out_h < aspect_min:
        out_h = math.floor(out_w / aspect_min)
    if aspect_max is not None and out_w / out_h > aspect_max:
        out_h = math.ceil(out_w / aspect_max)
    return out_w, out_h


def draft_request(shown: tuple[int, int], box: Box, out_width: int,
                  transposed: bool) -> tuple[int, int]:
    """The smallest full-image size (in stored orientation) whose crop still covers
    ``out_width``: JPEG ``draft`` decodes at the largest 1/2, 1/4 or 1/8 scale above it."""
    scale = min(1.0, out_width / (box[2] - box[0]))
    need = (math.ceil(shown[0] * scale), math.ceil(shown[1] * scale))
    return (need[1], need[0]) if transposed else need
