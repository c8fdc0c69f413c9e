#!/usr/bin/env python3
"""Draw the example imagery for the three fictional demo personas (ava, mei, noor).

Every picture is painted from scratch with Pillow: a faceless fashion-croquis figure in a
seasonal outfit on a stylised backdrop. No photographs, no real people, no network. Output is
deterministic: all randomness comes from random.Random seeded with the file name.

    python scripts/make_example_images.py [--root DIR] [--force]

Each image gets a sidecar ``<stem>.yaml`` with tags, alt text, focal point and do_not_use.
Existing files are left alone unless --force is given.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageColor, ImageDraw, ImageFilter, ImageOps

SS = 2  # supersampling factor: draw at 2x, downscale for smooth edges
MAX_BYTES = 250_000
Color = str
RGBA = tuple[int, int, int, int]
Point = tuple[float, float]
Box = tuple[float, float, float, float]
LEAF = [(math.cos(a), 0.4 * math.sin(a) * (1 - 0.35 * math.cos(a)))
        for a in (i * math.pi / 8 for i in range(16))]


def rgba(color: Color, alpha: int = 255, f: float = 1.0) -> RGBA:
    """Colour as an RGBA tuple, optionally darkened (f < 1) or lightened (f > 1)."""
    r, g, b = ImageColor.getrgb(color)[:3]
    return (min(255, int(r * f)), min(255, int(g * f)), min(255, int(b * f)), alpha)


@dataclass
class Canvas:
    img: Image.Image
    rng: random.Random
    horizon: float  # fraction of the height where the ground begins
    far: float  # where distant scenery (skyline, pines, sun) stands
    fig_x: float  # figure centre as a fraction of the width

    @property
    def w(self) -> int:
        return self.img.width

    @property
    def h(self) -> int:
        return self.img.height

    @property
    def draw(self) -> ImageDraw.ImageDraw:
        return ImageDraw.Draw(self.img, "RGBA")


PropFn = Callable[[Canvas, tuple[Color, ...]], None]
Prop = tuple[PropFn, tuple[Color, ...]]


def backdrop(size: tuple[int, int], top: Color, bottom: Color, rng: random.Random) -> Image.Image:
    """Vertical gradient with a soft, low-frequency painted mottle."""
    grad = Image.linear_gradient("L").resize(size)
    img = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), grad)
    noise = Image.frombytes("L", (16, 20), rng.randbytes(320))
    noise = noise.resize(size, Image.Resampling.BICUBIC)
    tex = noise.filter(ImageFilter.GaussianBlur(size[0] / 40)).convert("RGB")
    return Image.blend(img, ImageChops.soft_light(img, tex), 0.22)


def glow(c: Canvas, paint: Callable[[ImageDraw.ImageDraw], None], radius: float,
         crisp: bool = True) -> None:
    """Paint light sources on black, blur them and screen them onto the canvas."""
    layer = Image.new("RGB", c.img.size, "black")
    paint(ImageDraw.Draw(layer))
    c.img = ImageChops.screen(c.img, layer.filter(ImageFilter.GaussianBlur(radius)))
    if crisp:
        c.img = ImageChops.screen(c.img, layer)


# --- scenery props: each takes the canvas and a tuple of colours -------------------------


def ground(c: Canvas, cols: tuple[Color, ...]) -> None:
    y0 = int(c.h * c.horizon)
    c.img.paste(backdrop((c.w, c.h - y0), cols[0], cols[1], c.rng), (0, y0))


def scatter_leaves(c: Canvas, cols: tuple[Color, ...], count: int, span: Point, flat: bool) -> None:
    d = c.draw
    for _ in range(count):
        x, y = c.rng.uniform(0, c.w), c.h * c.rng.uniform(*span)
        depth = (y / c.h - c.horizon) / (1 - c.horizon) if flat else 0.6
        size = c.w * c.rng.uniform(0.006, 0.013) * (0.5 + depth)
        ca, sa = math.cos(a := c.rng.uniform(0, math.tau)), math.sin(a)
        sq = 0.45 if flat else 1.0
        pts = [(x + size * (px * ca - py * sa), y + size * sq * (px * sa + py * ca))
               for px, py in LEAF]
        d.polygon(pts, fill=rgba(c.rng.choice(cols), c.rng.randint(190, 255)))


def fallen(c: Canvas, cols: tuple[Color, ...]) -> None:
    scatter_leaves(c, cols, 160, (c.horizon + 0.01, 1.0), True)


def falling(c: Canvas, cols: tuple[Color, ...]) -> None:
    scatter_leaves(c, cols, 28, (0.0, c.horizon), False)


def birches(c: Canvas, cols: tuple[Color, ...]) -> None:
    d = c.draw
    for i in sorted(range(8), key=lambda _: c.rng.random()):
        near = c.rng.uniform(0.3, 1.0)
        x, tw = c.w * (i + c.rng.uniform(0.1, 0.9)) / 8, c.w * 0.035 * near
        base = c.h * (c.horizon + 0.03 * near)
        d.rectangle((x - tw / 2, 0, x + tw / 2, base), fill=rgba(cols[0], int(110 + 145 * near)))
        for _ in range(16):
            y, mw = c.rng.uniform(0, base), tw * c.rng.uniform(0.25, 0.8)
            x0 = x - tw / 2 if c.rng.random() < 0.6 else x + tw / 2 - mw
            d.rectangle((x0, y, x0 + mw, y + c.h * 0.005), fill=rgba(cols[1], int(200 * near)))


def pines(c: Canvas, cols: tuple[Color, ...]) -> None:
    d, base = c.draw, c.h * c.far + 2
    for layer, col in enumerate(cols):
        x, scale = -c.w * 0.03, 0.55 + 0.45 * layer
        while x < c.w * 1.03:
            ph = c.h * c.rng.uniform(0.12, 0.24) * scale
            for k in range(3):
                yb, half = base - ph * 0.28 * k, ph * 0.23 * (1 - 0.22 * k)
                d.polygon([(x - half, yb), (x, yb - ph * 0.5), (x + half, yb)], fill=col)
            x += ph * c.rng.uniform(0.12, 0.3)


def snow(c: Canvas, cols: tuple[Color, ...]) -> None:
    d = c.draw
    for _ in range(240):
        x, y, r = c.rng.uniform(0, c.w), c.rng.uniform(0, c.h), c.w * c.rng.uniform(0.002, 0.006)
        d.ellipse((x - r, y - r, x + r, y + r), fill=rgba(cols[0], c.rng.randint(110, 230)))


def rain(c: Canvas, cols: tuple[Color, ...]) -> None:
    d, width = c.draw, max(1, int(c.w * 0.0015))
    for _ in range(260):
        x, y, ln = c.rng.uniform(0, c.w), c.rng.uniform(0, c.h), c.h * c.rng.uniform(0.02, 0.05)
        alpha = c.rng.randint(50, 120)
        d.line((x, y, x - ln * 0.18, y + ln), fill=rgba(cols[0], alpha), width=width)


def window_box(c: Canvas) -> Box:
    x0 = c.w * (0.52 if c.fig_x < 0.5 else 0.07)
    return (x0, c.h * 0.14, x0 + c.w * 0.42, c.h * (c.horizon - 0.12))


def window(c: Canvas, cols: tuple[Color, ...]) -> None:
    """Frame, view top, view bottom, optional flakes seen through the glass."""
    x0, y0, x1, y1 = (int(v) for v in window_box(c))
    c.img.paste(backdrop((x1 - x0, y1 - y0), cols[1], cols[2], c.rng), (x0, y0))
    d, t = c.draw, int(c.w * 0.012)
    for _ in range(90 if len(cols) > 3 else 0):
        x, y, r = c.rng.uniform(x0, x1), c.rng.uniform(y0, y1), c.w * c.rng.uniform(0.002, 0.005)
        d.ellipse((x - r, y - r, x + r, y + r), fill=rgba(cols[3], c.rng.randint(140, 240)))
    d.rectangle((x0, y0, x1, y1), outline=cols[0], width=int(t * 1.4))
    d.line(((x0 + x1) / 2, y0, (x0 + x1) / 2, y1), fill=cols[0], width=t)
    d.line((x0, y0 + (y1 - y0) * 0.38, x1, y0 + (y1 - y0) * 0.38), fill=cols[0], width=t)
    d.rectangle((x0 - 2 * t, y1, x1 + 2 * t, y1 + 1.6 * t), fill=rgba(cols[0], 255, 0.9))


def awning(c: Canvas, cols: tuple[Color, ...]) -> None:
    x0, y0, x1, _ = window_box(c)
    d, n, top = c.draw, 9, y0 - c.h * 0.09
    sw = (x1 - x0 + c.w * 0.06) / n
    for i in range(n):
        xa = x0 - c.w * 0.03 + i * sw
        d.rectangle((xa, top, xa + sw, y0), fill=cols[i % 2])
        d.pieslice((xa, y0 - sw / 2, xa + sw, y0 + sw / 2), 0, 180, fill=cols[i % 2])


def skyline(c: Canvas, cols: tuple[Color, ...]) -> None:
    """Buildings along the horizon: body colour, lit-window colour."""
    d, x, base = c.draw, -c.w * 0.02, c.h * c.far + 2
    while x < c.w:
        bw, bh = c.w * c.rng.uniform(0.05, 0.11), c.h * c.rng.uniform(0.08, 0.26)
        d.rectangle((x, base - bh, x + bw, base), fill=cols[0])
        if c.rng.random() < 0.22:
            spire = [(x + bw * 0.3, base - bh), (x + bw / 2, base - bh - c.h * 0.1),
                     (x + bw * 0.7, base - bh)]
            d.polygon(spire, fill=cols[0])
        step = c.w * 0.014
        for wy in range(int(base - bh + step), int(base - step), int(step * 1.5)):
            for wx in range(int(x + step * 0.6), int(x + bw - step), int(step)):
                if c.rng.random() < 0.3:
                    d.rectangle((wx, wy, wx + step * 0.45, wy + step * 0.7), fill=cols[1])
        x += bw + c.w * 0.004


def facades(c: Canvas, cols: tuple[Color, ...]) -> None:
    """Parisian blocks: stone, window, wrought iron, slate roof."""
    d, x, base = c.draw, 0.0, c.h * c.far + 2
    while x < c.w:
        bw, top = c.w * c.rng.uniform(0.26, 0.38), c.h * c.rng.uniform(0.1, 0.22)
        d.rectangle((x, top, x + bw, base), fill=rgba(cols[0], 255, c.rng.uniform(0.9, 1.03)))
        roof = [(x + bw * 0.05, top - c.h * 0.06), (x + bw * 0.95, top - c.h * 0.06),
                (x + bw, top), (x, top)]
        d.polygon(roof, fill=cols[3])
        n, ww = 4, bw / 9
        for row in range(int((base - top - c.h * 0.06) / (c.h * 0.11))):
            wy = top + c.h * (0.03 + 0.11 * row)
            for k in range(n):
                wx = x + bw * (k + 0.5) / n - ww / 2
                lit = cols[1] if c.rng.random() < 0.75 else "#f7d58b"
                d.rectangle((wx, wy, wx + ww, wy + c.h * 0.065), fill=lit)
            d.line((x + bw * 0.06, wy + c.h * 0.065, x + bw * 0.94, wy + c.h * 0.065),
                   fill=cols[2], width=max(2, int(c.w * 0.004)))
        x += bw


def sun(c: Canvas, cols: tuple[Color, ...]) -> None:
    x = c.w * min(0.85, max(0.15, 1 - c.fig_x))
    y, r = c.h * (c.far - 0.12), min(c.w, c.h) * 0.055

    def halo(d: ImageDraw.ImageDraw) -> None:
        d.ellipse((x - r * 3, y - r * 3, x + r * 3, y + r * 3), fill=rgba(cols[0], 255, 0.45))

    def disc(d: ImageDraw.ImageDraw) -> None:
        d.ellipse((x - r, y - r, x + r, y + r), fill=cols[0])

    glow(c, halo, c.w * 0.06, crisp=False)
    glow(c, disc, c.w * 0.012)


def river(c: Canvas, cols: tuple[Color, ...]) -> None:
    """Water, highlight, bridge stone: a band of river just above the horizon."""
    d, y0, y1 = c.draw, c.h * c.far + c.h * 0.05, c.h * c.horizon
    d.rectangle((0, y0, c.w, y1), fill=cols[0])
    sun_x = c.w * min(0.85, max(0.15, 1 - c.fig_x))
    for _ in range(120):
        x, y = c.rng.gauss(sun_x, c.w * 0.12), c.rng.uniform(y0 + c.h * 0.02, y1)
        ln = c.w * c.rng.uniform(0.01, 0.05)
        d.line((x - ln, y, x + ln, y), fill=rgba(cols[1], c.rng.randint(90, 220)), width=3)
    d.rectangle((0, y0 - c.h * 0.05, c.w, y0 + c.h * 0.012), fill=cols[2])
    for i in range(5):
        ax = c.w * (i + 0.5) / 5
        d.ellipse((ax - c.w * 0.07, y0 - c.h * 0.025, ax + c.w * 0.07, y0 + c.h * 0.05),
                  fill=cols[0])


GLYPHS = (((-1, 0), (1, 0)), ((0, -1), (0, 1)), ((-1, 1), (0, -1), (1, 1)), ((-1, -1), (1, 1)),
          ((-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)), ((-1, -0.5), (1, -0.5)))


def neon(c: Canvas, cols: tuple[Color, ...]) -> None:
    """A street canyon: dark walls hung with glowing sign boards, smeared on the wet street."""
    d, base, signs = c.draw, c.h * c.horizon, []
    for xa, xb in ((0.0, c.w * 0.22), (float(c.w), c.w * 0.78)):
        d.polygon([(xa, 0), (xb, c.h * 0.05), (xb, base), (xa, base + c.h * 0.03)], fill="#0b0914")
    for i, col in enumerate(cols):
        cx, sw = c.w * c.rng.uniform(0.08, 0.13), c.w * c.rng.uniform(0.07, 0.1)
        cx, y = (cx if i % 2 == 0 else c.w - cx), c.h * (0.07 + 0.3 * (i // 2))
        signs.append(((cx - sw / 2, y, cx + sw / 2), c.h * c.rng.uniform(0.16, 0.26), col))
        d.rectangle((cx - sw / 2, y, cx + sw / 2, y + signs[-1][1]), fill="#14101f")

    def wet(d: ImageDraw.ImageDraw) -> None:
        for (x0, _, x1), _, col in signs:
            d.rectangle((x0, base + c.h * 0.01, x1, base + c.h * 0.24), fill=rgba(col, 255, 0.6))

    def tubes(d: ImageDraw.ImageDraw) -> None:
        t = max(2, int(c.w * 0.005))
        for (x0, y, x1), sh, col in signs:
            d.rounded_rectangle((x0 + t, y + t, x1 - t, y + sh - t), (x1 - x0) * 0.2, None, col, t)
            for k in range(6):  # three made-up glyphs of two strokes each
                gx, gy = (x0 + x1) / 2, y + sh * (k // 2 + 1) / 4
                pts = [(gx + px * (x1 - x0) * 0.24, gy + py * sh * 0.075)
                       for px, py in c.rng.choice(GLYPHS)]
                d.line(pts, fill=col, width=t, joint="curve")

    glow(c, wet, c.w * 0.03, crisp=False)
    glow(c, tubes, c.w * 0.02)


def crossing(c: Canvas, cols: tuple[Color, ...]) -> None:
    d, y0, y1 = c.draw, c.h * (c.horizon + 0.06), c.h * (c.horizon + 0.16)
    for i in range(-7, 8):
        xa, xb = c.w * (0.5 + i * 0.05), c.w * (0.5 + i * 0.075)
        d.polygon([(xa, y0), (xa + c.w * 0.026, y0), (xb + c.w * 0.04, y1), (xb, y1)],
                  fill=rgba(cols[0], 110))


def blossom(c: Canvas, cols: tuple[Color, ...]) -> None:
    """Cherry branches from the edges: branch colour, then petal colours."""
    d = c.draw
    for sx, sy in ((0.0, 0.06), (1.0, 0.2), (0.0, 0.34)):
        x, y, width, way = c.w * sx, c.h * sy, c.w * 0.02, 1 if sx == 0 else -1
        for _ in range(6):
            nx = x + way * c.w * c.rng.uniform(0.05, 0.09)
            ny = y + c.h * c.rng.uniform(-0.04, 0.03)
            d.line((x, y, nx, ny), fill=cols[0], width=max(2, int(width)))
            for _ in range(5):
                fx, fy = nx + c.rng.gauss(0, c.w * 0.025), ny + c.rng.gauss(0, c.w * 0.02)
                r, col = c.w * c.rng.uniform(0.006, 0.011), c.rng.choice(cols[1:])
                for a in range(5):
                    px, py = fx + r * math.cos(a * 1.257), fy + r * math.sin(a * 1.257)
                    d.ellipse((px - r, py - r, px + r, py + r), fill=rgba(col, 235))
            x, y, width = nx, ny, width * 0.85


def canopy(c: Canvas, cols: tuple[Color, ...]) -> None:
    """Avenue trees: trunk colour, then foliage colours."""
    d, base = c.draw, c.h * c.horizon
    for i in range(5):
        x, tw = c.w * (i + c.rng.uniform(0.3, 0.7)) / 5, c.w * 0.014
        d.polygon([(x - tw, base + c.h * 0.01), (x - tw * 0.6, c.h * 0.2),
                   (x + tw * 0.6, c.h * 0.2), (x + tw, base + c.h * 0.01)], fill=cols[0])
    for _ in range(110):
        x, y = c.w * c.rng.uniform(-0.05, 1.05), c.h * abs(c.rng.gauss(0.08, 0.16))
        r = c.w * c.rng.uniform(0.03, 0.07)
        d.ellipse((x - r, y - r * 0.8, x + r, y + r * 0.8), fill=rgba(c.rng.choice(cols[1:]), 225))


def railing(c: Canvas, cols: tuple[Color, ...]) -> None:
    d, top, t = c.draw, c.h * 0.74, max(3, int(c.w * 0.007))
    d.rectangle((0, top, c.w, top + 2 * t), fill=cols[0])
    d.rectangle((0, c.h * 0.93, c.w, c.h * 0.93 + 2 * t), fill=cols[0])
    step = c.w / 22
    for i in range(23):
        x = i * step
        d.line((x, top, x, c.h), fill=cols[0], width=t)
        d.ellipse((x + step * 0.18, c.h * 0.8, x + step * 0.82, c.h * 0.87), outline=cols[0],
                  width=t)


# --- the figure: a faceless croquis in units of 1/100 of its height ---------------------


@dataclass(frozen=True)
class Outfit:
    top: Color
    legs: Color
    shoes: Color
    hair: Color = "#3b2a22"
    skin: Color = "#dcc3ab"  # mannequin finish
    coat: Color | None = None
    coat_len: float = 76.0
    dress: Color | None = None
    scarf: Color | None = None
    hat: Color | None = None
    hat_style: str = "beret"  # beret | beanie | brim
    bag: Color | None = None
    hair_style: str = "bun"  # bun | bob | long
    knit: bool = False
    belt: bool = False
    wide: bool = False
    boots: bool = False


@dataclass(frozen=True)
class Pose:
    x: float  # centre, fraction of width
    bottom: float  # feet, fraction of height
    height: float  # fraction of height
    stride: float = 2.0
    akimbo: bool = False  # right hand on the hip


@dataclass(frozen=True)
class Body:
    cx: float
    top: float
    u: float

    def poly(self, pts: Sequence[Point]) -> list[Point]:
        return [(self.cx + x * self.u, self.top + y * self.u) for x, y in pts]

    def box(self, x0: float, y0: float, x1: float, y1: float) -> Box:
        return (self.cx + x0 * self.u, self.top + y0 * self.u,
                self.cx + x1 * self.u, self.top + y1 * self.u)


TORSO = [(-5.5, 14.2), (5.5, 14.2), (9.4, 16.2), (9.0, 30), (7.6, 37), (8.8, 47), (-8.8, 47),
         (-7.6, 37), (-9.0, 30), (-9.4, 16.2)]
DRESS = [(-5.5, 14.2), (5.5, 14.2), (8.6, 16.4), (7.4, 30), (6.4, 36), (8, 42), (15, 76),
         (-15, 76), (-8, 42), (-6.4, 36), (-7.4, 30), (-8.6, 16.4)]


def taper(pts: Sequence[Point], widths: Sequence[float]) -> list[Point]:
    """Outline of a limb following pts with the given width at each point."""
    left, right, cap = [], [], []
    for i, ((x, y), w) in enumerate(zip(pts, widths, strict=True)):
        (ax, ay), (bx, by) = pts[max(i - 1, 0)], pts[min(i + 1, len(pts) - 1)]
        n = math.hypot(bx - ax, by - ay) or 1.0
        dx, dy = (bx - ax) / n * w / 2, (by - ay) / n * w / 2
        left.append((x - dy, y + dx))
        right.append((x + dy, y - dx))
        if i == 0:  # round the start (shoulder, hip) with a half circle
            arc = [(math.sin(t), math.cos(t)) for t in (k * math.pi / 8 - math.pi / 2
                                                        for k in range(1, 8))]
            cap = [(x - dy * sn - dx * cs, y + dx * sn - dy * cs) for sn, cs in arc]
    return left + right[::-1] + cap


def stitches(layer: Image.Image, color: Color, u: float) -> None:
    """Columns of little V stitches, like stockinette knitting."""
    d, st = ImageDraw.Draw(layer), u * 1.3
    for i in range(int(layer.width / st) + 1):
        for j in range(int(layer.height / (st * 0.7)) + 1):
            x, y = i * st, j * st * 0.7
            d.line([(x - st * 0.4, y), (x, y + st * 0.45), (x + st * 0.4, y)],
                   fill=rgba(color, 255, 0.84), width=max(1, int(u * 0.22)))


def shape(c: Canvas, b: Body, pts: Sequence[Point], color: Color, knit: bool = False) -> None:
    """Fill a garment panel (knitted if asked), shade its right edge, ink its outline."""
    poly = b.poly(pts)
    x0, y0 = int(min(p[0] for p in poly)) - 2, int(min(p[1] for p in poly)) - 2
    size = (int(max(p[0] for p in poly)) - x0 + 3, int(max(p[1] for p in poly)) - y0 + 3)
    mask, lit = Image.new("L", size, 0), Image.new("L", size, 0)
    ImageDraw.Draw(mask).polygon([(x - x0, y - y0) for x, y in poly], fill=255)
    ImageDraw.Draw(lit).polygon([(x - x0 - 1.8 * b.u, y - y0) for x, y in poly], fill=255)
    layer = Image.new("RGB", size, color)
    if knit:
        stitches(layer, color, b.u)
    band = ImageChops.subtract(mask, lit).filter(ImageFilter.GaussianBlur(b.u * 0.8))
    dark = Image.new("RGB", size, rgba(color, 255, 0.8)[:3])
    layer = Image.composite(dark, layer, band.point(lambda v: v * 3 // 5))
    c.img.paste(layer, (x0, y0), mask)
    c.draw.polygon(poly, outline=rgba(color, 255, 0.7), width=max(1, int(b.u * 0.25)))


def shadow(c: Canvas, b: Body) -> None:
    mask = Image.new("L", c.img.size, 0)
    ImageDraw.Draw(mask).ellipse(b.box(-18, 96.5, 18, 101.5), fill=80)
    c.img.paste(Image.new("RGB", c.img.size, (35, 28, 30)), (0, 0),
                mask.filter(ImageFilter.GaussianBlur(b.u * 1.2)))


def hair_back(c: Canvas, b: Body, o: Outfit) -> None:
    d, rim, w = c.draw, (255, 255, 255, 60), max(1, int(b.u * 0.25))
    if o.hair_style == "long":
        d.polygon(b.poly([(-4.8, 4), (4.8, 4), (6.4, 25), (-6.4, 25)]), o.hair, rim, w)
    elif o.hair_style == "bob":
        d.rounded_rectangle(b.box(-5.4, -0.6, 5.4, 12.4), 4 * b.u, o.hair, rim, w)
    else:
        d.ellipse(b.box(-2.5, -3.8, 2.5, 1.0), o.hair, rim, w)
    d.rectangle(b.box(-1.6, 9, 1.6, 15), fill=o.skin)


def legs(c: Canvas, b: Body, o: Outfit, stride: float) -> None:
    clothed = o.dress is None
    widths = (7.4, 5.0, 5.6 if o.wide else 3.0) if clothed else (5.4, 3.6, 2.2)
    for side in (-1, 1):
        s = stride * (1.0 if side < 0 else 0.6)
        ax = side * (2.8 + s)
        shape(c, b, taper([(side * 3.8, 44), (side * (3.4 + s * 0.45), 70), (ax, 94.5)], widths),
              o.legs)
        c.draw.rounded_rectangle(b.box(ax - 1.9, 90 if o.boots else 95.6, ax + 2.1, 99.2),
                                 radius=1.4 * b.u, fill=o.shoes)


def torso(c: Canvas, b: Body, o: Outfit) -> None:
    d = c.draw
    if o.knit:
        d.rounded_rectangle(b.box(-2.7, 11.4, 2.7, 15.5), radius=b.u, fill=rgba(o.top, 255, 0.9))
    shape(c, b, TORSO, o.top, knit=o.knit)
    if not o.knit:
        d.polygon(b.poly([(-2.2, 14.2), (2.2, 14.2), (0, 19)]), fill=o.skin)
        for s in (-1, 1):
            d.polygon(b.poly([(s * 1.6, 13.6), (s * 4.6, 14.2), (s * 2.2, 18.5)]),
                      fill=rgba(o.top, 255, 0.93), outline=rgba(o.top, 255, 0.75))


def dress(c: Canvas, b: Body, o: Outfit) -> None:
    assert o.dress is not None
    shape(c, b, DRESS, o.dress)
    d, ink, w = c.draw, rgba(o.dress, 255, 0.82), max(1, int(b.u * 0.3))
    d.polygon(b.poly([(-2.6, 14.2), (2.6, 14.2), (0, 19.5)]), fill=o.skin)
    for x0, x1 in ((-3, -7.5), (0, 0.5), (3, 8)):
        d.line(b.poly([(x0, 41), (x1, 75)]), fill=ink, width=w)
    d.line(b.poly([(-6.4, 36), (6.4, 36)]), fill=ink, width=w * 2)


def coat(c: Canvas, b: Body, o: Outfit) -> None:
    assert o.coat is not None
    ln, d = o.coat_len, c.draw
    fl = max(0.0, ln - 40) * 0.09
    shape(c, b, [(-5.8, 13.8), (5.8, 13.8), (10.6, 16), (10.4, 32), (10.6 + fl, ln),
                 (-10.6 - fl, ln), (-10.4, 32), (-10.6, 16)], o.coat)
    shape(c, b, [(-3.2, 13.8), (3.2, 13.8), (0.8, 34), (-0.8, 34)], o.top, knit=o.knit)
    for s in (-1, 1):
        shape(c, b, [(s * 3.2, 13.8), (s * 5.9, 14.2), (s * 5.4, 21), (s * 0.8, 34)],
              rgba_hex(o.coat, 0.88))
    ink, w = rgba(o.coat, 255, 0.7), max(1, int(b.u * 0.3))
    d.line(b.poly([(0, 34), (0, ln)]), fill=ink, width=w)
    if ln > 50:
        for s in (-1, 1):
            d.line(b.poly([(s * 8.5, 46), (s * 4.8, 46)]), fill=ink, width=w)
    if o.belt:
        d.rectangle(b.box(-10.4, 33.5, 10.4, 36.5), fill=rgba(o.coat, 255, 0.82))
        d.line(b.poly([(2, 35), (3.2, 45)]), fill=rgba(o.coat, 255, 0.82), width=w * 3)


def rgba_hex(color: Color, f: float) -> Color:
    r, g, b, _ = rgba(color, 255, f)
    return f"#{r:02x}{g:02x}{b:02x}"


def arms(c: Canvas, b: Body, o: Outfit, pose: Pose) -> None:
    sleeve = o.coat or (None if o.dress else o.top)
    widths = (5.4, 4.6, 4.0) if o.coat else (4.4, 3.6, 3.0) if sleeve else (3.2, 2.6, 2.0)
    for side in (-1, 1):
        wx, wy = side * (11.0 + pose.stride * 0.3), 45.5
        elbow = (side * 11.2, 31.0)
        if pose.akimbo and side == 1:  # hand on hip
            wx, wy, elbow = 7.4, 38.5, (16.0, 29.0)
        pts = taper([(side * 8.6, 17.6), elbow, (wx, wy)], widths)
        shape(c, b, pts, sleeve or o.skin, knit=o.knit and o.coat is None and sleeve is not None)
        if o.bag and side == -1:
            d = c.draw
            d.arc(b.box(wx - 2.6, 43.5, wx + 2.6, 52), 180, 360, fill=o.bag,
                  width=int(b.u * 0.6))
            d.rounded_rectangle(b.box(wx - 3.8, 47.5, wx + 3.8, 57), radius=b.u, fill=o.bag,
                                outline=rgba(o.bag, 255, 0.75), width=int(b.u * 0.3))
        hand = (wx - 1.5, wy - 1.4, wx + 1.9, wy + 1.6) if wy < 40 else (wx - 1.5, wy - 0.6,
                                                                         wx + 1.5, wy + 4.6)
        c.draw.ellipse(b.box(*hand), fill=o.skin)


def scarf(c: Canvas, b: Body, o: Outfit) -> None:
    assert o.scarf is not None
    shape(c, b, taper([(2.2, 16), (3.2, 29), (3.6, 42)], [4.2, 4.0, 3.8]), o.scarf, knit=True)
    d, ink = c.draw, rgba(o.scarf, 255, 0.72)
    d.rounded_rectangle(b.box(-5.4, 11.6, 5.4, 18.2), radius=2.4 * b.u, fill=o.scarf,
                        outline=ink, width=max(1, int(b.u * 0.25)))
    for k in range(6):
        x = 1.8 + k * 0.72
        d.line(b.poly([(x, 42), (x + 0.1, 44.5)]), fill=ink, width=max(1, int(b.u * 0.3)))


def head(c: Canvas, b: Body, o: Outfit) -> None:
    d = c.draw
    d.ellipse(b.box(-4.4, -0.3, 4.4, 9.6), o.hair, (255, 255, 255, 60), max(1, int(b.u * 0.25)))
    face = b.box(-3.9, 1.3, 3.9, 11.5)
    d.ellipse(face, fill=o.skin, outline=rgba(o.skin, 255, 0.85), width=max(1, int(b.u * 0.2)))
    d.chord(face, *((190, 350) if o.hair_style == "bob" else (196, 290)), fill=o.hair)
    if o.hat is None:
        return
    if o.hat_style == "beret":
        d.ellipse(b.box(-6, -2.2, 5.2, 3.4), fill=o.hat, outline=rgba(o.hat, 255, 0.75))
    elif o.hat_style == "beanie":
        d.chord(b.box(-4.8, -2, 4.8, 10), 180, 360, fill=o.hat)
        d.rectangle(b.box(-4.9, 2.4, 4.9, 4.6), fill=rgba(o.hat, 255, 0.86))
    else:
        d.ellipse(b.box(-9.5, 1.2, 9.5, 4.6), fill=o.hat, outline=rgba(o.hat, 255, 0.75))
        d.rounded_rectangle(b.box(-4.6, -3, 4.6, 3.2), radius=1.5 * b.u, fill=o.hat)
        d.rectangle(b.box(-4.6, 1.2, 4.6, 2.4), fill=rgba(o.hat, 255, 0.6))


def figure(c: Canvas, o: Outfit, pose: Pose) -> None:
    u = pose.height * c.h / 100
    b = Body(pose.x * c.w, pose.bottom * c.h - 99 * u, u)
    shadow(c, b)
    hair_back(c, b, o)
    legs(c, b, o, pose.stride)
    if o.dress:
        dress(c, b, o)
    else:
        torso(c, b, o)
    if o.coat:
        coat(c, b, o)
    arms(c, b, o, pose)
    if o.scarf:
        scarf(c, b, o)
    head(c, b, o)


# --- the catalogue ------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    persona: str
    name: str  # file name, extension decides the format
    size: tuple[int, int]
    sky: tuple[Color, Color]
    horizon: float
    back: tuple[Prop, ...]
    outfit: Outfit
    pose: Pose
    tags: tuple[str, ...]
    alt: str
    front: tuple[Prop, ...] = ()
    do_not_use: bool = False
    far: float = 0.0  # horizon of distant scenery when it differs from the ground's

    def focal(self) -> Point:
        top = self.pose.bottom - 0.99 * self.pose.height
        return (round(self.pose.x, 2), round(top + 0.25 * self.pose.height, 2))


OAT, FOREST, RUST, CHAR = "#d8c8b0", "#34503f", "#a4502e", "#3a3633"
AUTUMN_LEAVES = (RUST, "#c8783c", "#7d3b22", "#b89a4e")
PINK, BLUE, LIME, YELLOW, VIOLET = "#ff3d8b", "#2f5bff", "#c6f432", "#ffd400", "#7b2ff7"
INK, LINEN, CREAM, TERRA, NAVY = "#16121f", "#e8dcc4", "#f6eee0", "#c46a45", "#2b3346"

SPECS: tuple[Spec, ...] = (
    Spec("ava", "ava-rust-knit-birches.jpg", (1080, 1350), ("#ece5d8", "#cfc3ae"), 0.72,
         ((birches, ("#f1ede6", "#3d3a36")), (ground, ("#b59a72", "#8a6a45")),
          (fallen, AUTUMN_LEAVES)),
         Outfit(RUST, CHAR, "#2a2522", hair="#6b4a32", coat=OAT, knit=True, boots=True),
         Pose(0.5, 0.95, 0.8, 2.5), ("autumn", "knitwear", "outdoor"),
         "Illustration of a faceless figure in a rust knit sweater and long oatmeal coat "
         "walking past a row of birch trees with falling leaves.",
         front=((falling, AUTUMN_LEAVES),)),
    Spec("ava", "ava-forest-coat-pines.jpg", (1600, 1067), ("#dde2dc", "#c6cdc4"), 0.66,
         ((pines, ("#a7b2a8", "#5e7463", "#3e5546")), (ground, ("#8d8c66", "#6a6a48")),
          (fallen, AUTUMN_LEAVES)),
         Outfit(OAT, CHAR, "#2a2522", hair="#4a3426", coat=FOREST, scarf=RUST, hat=OAT,
                hat_style="beanie", knit=True, boots=True),
         Pose(0.34, 0.95, 0.8, 1.5), ("autumn", "coat", "forest", "sku-2107"),
         "Illustration of a faceless figure in a forest green coat, rust scarf and oatmeal "
         "beanie standing on a mossy path in front of misty pine trees."),
    Spec("ava", "ava-oatmeal-cardigan-window.png", (1080, 1350), ("#e9e0d1", "#d6c9b4"), 0.8,
         ((window, ("#f4efe7", "#c6cfd2", "#e3c79f", "#c8783c")), (ground, ("#a88a6a", "#86684b"))),
         Outfit(OAT, FOREST, "#5a3a28", hair="#4a3426", hair_style="long", knit=True,
                wide=True),
         Pose(0.3, 0.95, 0.78, 1.0, akimbo=True), ("autumn", "knitwear", "indoor"),
         "Illustration of a faceless figure in an oatmeal knit sweater and wide forest green "
         "trousers standing indoors beside a tall window with a pale autumn sky."),
    Spec("ava", "ava-first-snow-scarf.webp", (1200, 1200), ("#c3c8cd", "#e6e3de"), 0.7,
         ((skyline, ("#8e8b87", "#f2d59a")), (ground, ("#ebe9e5", "#d2cec7")),
          (fallen, (RUST, "#7d3b22"))),
         Outfit(CHAR, "#2e2c2a", "#1f1c1a", hair="#6b4a32", coat="#4a4744", scarf=RUST,
                hat=OAT, hat_style="beanie", boots=True),
         Pose(0.6, 0.95, 0.8, 2.0), ("autumn", "winter", "scarf", "city"),
         "Illustration of a faceless figure in a charcoal coat, chunky rust scarf and oatmeal "
         "beanie on a city street with spires as the first snow falls.",
         front=((snow, ("#ffffff",)),)),
    Spec("ava", "ava-winter-skyline-coat.jpg", (1067, 1600), ("#5d6b7a", "#d3bfb0"), 0.74,
         ((skyline, ("#3b4450", "#f0c987")), (ground, ("#dcdde0", "#b5b9c1"))),
         Outfit(OAT, "#2e2c2a", "#1f1c1a", hair="#4a3426", hair_style="long", coat=OAT,
                scarf=FOREST, hat=RUST, hat_style="beanie", boots=True),
         Pose(0.5, 0.95, 0.72, 1.5), ("winter", "coat", "city", "sku-1042"),
         "Illustration of a faceless figure in a long oatmeal coat, forest green scarf and "
         "rust beanie on a snowy street in front of a dusky skyline.",
         front=((snow, ("#ffffff",)),)),
    Spec("ava", "ava-draft-green-knit.jpg", (1200, 1200), ("#e6dfd2", "#cbbfa9"), 0.7,
         ((ground, ("#b9a27e", "#9a8262")), (fallen, AUTUMN_LEAVES)),
         Outfit(FOREST, CHAR, "#2a2522", knit=True), Pose(0.5, 0.95, 0.8, 1.0),
         ("autumn", "knitwear", "draft"),
         "Unfinished, heavily blurred draft illustration of a faceless figure in a forest green "
         "knit sweater against a pale autumn backdrop.", do_not_use=True),
    Spec("mei", "mei-neon-crossing-night.jpg", (1080, 1350), ("#120e2a", "#2a1846"), 0.7,
         ((skyline, ("#1c1830", "#4a3d7a")), (ground, ("#231a3a", "#110c20")),
          (crossing, ("#d8d0ee",)), (neon, (PINK, "#18e0ff", YELLOW, VIOLET))),
         Outfit(INK, BLUE, "#f4f4f4", hair=INK, hair_style="bob", coat="#ff7a1a",
                coat_len=46, bag=LIME, wide=True),
         Pose(0.5, 0.95, 0.76, 2.5), ("autumn", "jacket", "neon", "night"),
         "Illustration of a faceless figure with a black bob in a cropped tangerine jacket, "
         "wide blue trousers and a lime bag under glowing neon signs at night."),
    Spec("mei", "mei-blossom-pink-trench.png", (1200, 1200), ("#bfe4ff", "#fff0f6"), 0.72,
         ((blossom, ("#5a3b46", "#ff9ec4", "#ffc4dc", "#ffe3ee")),
          (ground, ("#eadfe6", "#cbbdc8"))),
         Outfit(YELLOW, BLUE, "#ffffff", hair=INK, hair_style="long", coat=PINK, belt=True),
         Pose(0.5, 0.96, 0.8, 2.0), ("spring", "trench", "blossom", "sku-3310"),
         "Illustration of a faceless figure in a belted hot pink trench over a yellow top and "
         "blue trousers beneath branches of cherry blossom.",
         front=((falling, ("#ff9ec4", "#ffd6e6")),)),
    Spec("mei", "mei-rain-neon-alley.jpg", (1067, 1600), ("#0d1b2a", "#1d3350"), 0.72,
         ((skyline, ("#101c2c", "#2c4a6e")), (ground, ("#14233a", "#0a1220")),
          (neon, ("#18e0ff", PINK, LIME))),
         Outfit(VIOLET, INK, PINK, hair=INK, hair_style="bob", coat=LIME, coat_len=68,
                hat=LIME, hat_style="brim", boots=True),
         Pose(0.5, 0.95, 0.7, 1.5), ("spring", "raincoat", "neon", "night"),
         "Illustration of a faceless figure in a lime raincoat and matching hat with pink boots "
         "in a rainy alley lit by cyan, pink and green neon.",
         front=((rain, ("#cfe8ff",)),)),
    Spec("mei", "mei-ginkgo-yellow-knit.jpg", (1600, 1067), ("#fff1c4", "#fff8e6"), 0.7,
         ((canopy, ("#5b4632", YELLOW, "#f5b700", "#ffe45c")), (ground, ("#f2d45c", "#dcae2e")),
          (fallen, (YELLOW, "#f5b700", "#ffe45c"))),
         Outfit(BLUE, INK, INK, hair=INK, hair_style="bob", hat=PINK, bag=PINK, knit=True),
         Pose(0.62, 0.95, 0.8, 2.0), ("autumn", "knitwear", "outdoor"),
         "Illustration of a faceless figure in an electric blue knit sweater, hot pink beret "
         "and pink bag on an avenue of golden ginkgo trees.",
         front=((falling, (YELLOW, "#f5b700")),)),
    Spec("mei", "mei-rooftop-sunset-dress.jpg", (1080, 1350), ("#ff7a59", "#ffd27a"), 0.74,
         ((sun, ("#fff0b0",)), (skyline, ("#5b2a5e", "#ffc46b")),
          (ground, ("#8c6f86", "#5c4258"))),
         Outfit(VIOLET, "#d9b8a6", YELLOW, hair=INK, hair_style="long", dress=VIOLET,
                skin="#d9b8a6"),
         Pose(0.4, 0.95, 0.76, 1.0, akimbo=True), ("spring", "dress", "rooftop", "sunset"),
         "Illustration of a faceless figure in a violet midi dress and yellow shoes on a "
         "rooftop, the city skyline glowing under an orange sunset."),
    Spec("noor", "noor-linen-suit-golden-street.jpg", (1067, 1600), ("#f7cf7a", "#fbe7c0"),
         0.76,
         ((sun, ("#fff2c2",)), (facades, ("#e6d3b3", "#56606e", "#2b2b2b", "#6f7480")),
          (ground, ("#c9a57a", "#a9835a"))),
         Outfit(CREAM, LINEN, "#8a5a3a", hair="#2a1d18", hair_style="long", coat=LINEN,
                coat_len=50, bag=TERRA, wide=True, skin="#c9a088"),
         Pose(0.5, 0.96, 0.72, 1.5, akimbo=True), ("summer", "linen", "tailoring", "street"),
         "Illustration of a faceless figure in a cream linen suit with wide trousers and a "
         "terracotta bag on a Parisian street in golden evening light."),
    Spec("noor", "noor-seine-sunset-dress.png", (1600, 1067), ("#f4a259", "#f9dca0"), 0.74,
         ((sun, ("#fff0c0",)), (skyline, ("#c79b79", "#f4c27a")),
          (river, ("#7f8fa6", "#ffd89a", "#c9a27c")), (ground, ("#c7a47f", "#a8825c"))),
         Outfit(TERRA, "#c9a088", LINEN, hair="#2a1d18", hair_style="long", dress=TERRA,
                hat="#e3c58f", hat_style="brim", skin="#c9a088"),
         Pose(0.33, 0.95, 0.8, 1.0), ("summer", "dress", "river", "golden-hour"),
         "Illustration of a faceless figure in a terracotta linen dress and straw hat on a "
         "river quay at sunset, a stone bridge and rooftops behind her.", far=0.52),
    Spec("noor", "noor-camel-trench-chestnuts.jpg", (1080, 1350), ("#f3d9a4", "#f8ead0"), 0.72,
         ((canopy, ("#4a3428", "#d9a441", TERRA, "#b5562f")), (ground, ("#d8c3a0", "#b89b72")),
          (fallen, ("#d9a441", TERRA, "#b5562f"))),
         Outfit(NAVY, NAVY, "#3a2a22", hair="#2a1d18", coat="#c49a62", coat_len=74, hat=NAVY,
                belt=True, wide=True, skin="#c9a088"),
         Pose(0.5, 0.95, 0.76, 2.0), ("autumn", "trench", "park", "sku-5120"),
         "Illustration of a faceless figure in a belted camel trench, navy trousers and navy "
         "beret walking through a park of ochre and terracotta trees.",
         front=((falling, ("#d9a441", TERRA)),)),
    Spec("noor", "noor-navy-blazer-cafe.jpg", (1200, 1200), ("#eadcc3", "#d8c4a2"), 0.78,
         ((window, ("#23443a", "#f2c27b", "#c98a4b")), (awning, (TERRA, CREAM)),
          (ground, ("#b8a184", "#94795b"))),
         Outfit(CREAM, LINEN, "#2b2b2b", hair="#2a1d18", coat=NAVY, coat_len=50, wide=True,
                skin="#c9a088"),
         Pose(0.3, 0.95, 0.78, 1.0), ("autumn", "blazer", "cafe", "tailoring"),
         "Illustration of a faceless figure in a navy blazer and linen trousers outside a "
         "Paris cafe with a striped terracotta awning and warm lit window."),
    Spec("noor", "noor-balcony-linen-shirt.jpg", (1200, 1500), ("#f6c66b", "#fbe3b4"), 0.62,
         ((sun, ("#fff2c2",)), (facades, ("#e2cba7", "#6a6f78", "#2b2b2b", "#7a7f8a")),
          (ground, ("#cdb08a", "#b39470"))),
         Outfit(CREAM, "#7a7a4a", "#8a5a3a", hair="#2a1d18", hair_style="long", wide=True,
                skin="#c9a088"),
         Pose(0.5, 0.98, 0.8, 0.5), ("summer", "linen", "balcony", "sku-5008"),
         "Illustration of a faceless figure in a loose cream linen shirt and olive trousers "
         "behind a wrought iron balcony rail above sunlit Paris rooftops.",
         front=((railing, ("#2b2b2b",)),)),
)


# --- output -------------------------------------------------------------------------------


def render(spec: Spec) -> Image.Image:
    w, h = spec.size
    rng = random.Random(zlib.crc32(spec.name.encode()))
    c = Canvas(backdrop((w * SS, h * SS), *spec.sky, rng), rng, spec.horizon,
               spec.far or spec.horizon, spec.pose.x)
    for fn, cols in spec.back:
        fn(c, cols)
    figure(c, spec.outfit, spec.pose)
    for fn, cols in spec.front:
        fn(c, cols)
    img = c.img.resize(spec.size, Image.Resampling.LANCZOS)
    mask = Image.radial_gradient("L").resize(spec.size).point(lambda v: v * v // 900)
    img = Image.composite(Image.new("RGB", spec.size, (25, 20, 25)), img, mask)
    return img.filter(ImageFilter.GaussianBlur(9)) if spec.do_not_use else img


def encode(img: Image.Image, suffix: str) -> bytes:
    """Encode without any metadata; posterize a PNG that would be too large."""
    buf = io.BytesIO()
    if suffix == ".png":
        for bits in (8, 6, 5):  # drop low bits until the lossless file is small enough
            buf = io.BytesIO()
            ImageOps.posterize(img, bits).save(buf, "PNG", optimize=True)
            if buf.tell() <= MAX_BYTES:
                break
    elif suffix == ".webp":
        img.save(buf, "WEBP", quality=82, method=6)
    else:
        img.save(buf, "JPEG", quality=85, optimize=True, progressive=True)
    return buf.getvalue()


def sidecar(spec: Spec) -> str:
    fx, fy = spec.focal()
    return (f"tags: [{', '.join(spec.tags)}]\nalt: {json.dumps(spec.alt)}\n"
            f"focal: [{fx}, {fy}]\ndo_not_use: {str(spec.do_not_use).lower()}\n")


def write(path: Path, data: bytes, root: Path, tty: bool) -> None:
    path.write_bytes(data)
    if tty:
        print(f"created {path.relative_to(root)} ({len(data) / 1024:.0f} KB)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="repository root (default: the one containing this script)")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    args = parser.parse_args(argv)
    root, tty = args.root.resolve(), sys.stdout.isatty()
    for spec in SPECS:
        image = root / "personas" / spec.persona / "images" / spec.name
        image.parent.mkdir(parents=True, exist_ok=True)
        if args.force or not image.exists():
            data = encode(render(spec), image.suffix)
            if len(data) > MAX_BYTES:
                print(f"error: {image.name} is {len(data)} bytes", file=sys.stderr)
                return 1
            write(image, data, root, tty)
        meta = image.with_suffix(".yaml")
        if args.force or not meta.exists():
            write(meta, sidecar(spec).encode(), root, tty)
    return 0


if __name__ == "__main__":
    sys.exit(main())
