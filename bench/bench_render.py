"""Benchmark: render 12-megapixel JPEGs into Instagram's variant (1080 wide, 4:5, with XMP).

    .venv/bin/python bench/bench_render.py            # 200 sources, as pinned
    .venv/bin/python bench/bench_render.py --count 20 # a quick run

Sources are pinned: 4000 × 3000 JPEGs at quality 90, smooth colour fields with photographic
grain, from a fixed seed; they are made once (in a child process, so their memory does not
count) and kept in bench/.cache/ (git-ignored). Each is rendered with ``render_image`` into a
fresh render cache, then the same sources are rendered naively (full decode, then resize) in
the same run for comparison. Targets: median under 80 ms per image, at least 2× faster than
naive, peak RSS under 300 MB.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from influencer.config import BUILTIN_SPECS, load_workspace  # noqa: E402
from influencer.imagery import SourceImage, render_image  # noqa: E402
from influencer.imagery.source import sha256_file  # noqa: E402

WIDTH, HEIGHT, QUALITY, SEED = 4000, 3000, 90, 20261201
TARGETS = {"median_ms": 80.0, "speedup": 2.0, "rss_mb": 300.0}


def make_source(path: Path, index: int) -> None:
    """One pinned source: low-frequency colour, mid-frequency texture and fine grain."""
    rng = np.random.default_rng(SEED + index)
    fields = rng.integers(0, 256, (HEIGHT // 250, WIDTH // 250, 3), dtype=np.uint8)
    texture = rng.integers(0, 256, (HEIGHT // 20, WIDTH // 20, 1), dtype=np.uint8)
    picture = np.asarray(Image.fromarray(fields).resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC),
                         dtype=np.int16)
    picture += (np.asarray(Image.fromarray(texture[:, :, 0]).resize(
        (WIDTH, HEIGHT), Image.Resampling.BICUBIC), dtype=np.int16)[:, :, None] - 128) // 8
    picture += rng.normal(0, 5, (HEIGHT, WIDTH, 1)).astype(np.int16)
    tmp = path.with_suffix(".tmp")
    Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8)).save(tmp, "JPEG", quality=QUALITY)
    tmp.replace(path)


def _make_all(paths: list[Path]) -> None:
    for index, path in enumerate(paths):
        if not path.exists():
            make_source(path, index)


def sources(count: int, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"source-{i:03d}.jpg" for i in range(count)]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"making {len(missing)} pinned source(s) in {folder} …", flush=True)
        child = multiprocessing.get_context("spawn").Process(target=_make_all, args=(paths,))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit("source generation failed")
    return paths


def naive(path: Path, xmp: bytes) -> bytes:
    """What a straightforward implementation does: decode everything, then shrink."""
    with Image.open(path) as im:
        im.load()
        picture = ImageOps.exif_transpose(im).convert("RGB")
    width = round(picture.height * 4 / 5)
    left = (picture.width - width) // 2
    picture = picture.crop((left, 0, left + width, picture.height))
    picture = picture.resize((1080, 1350), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90, xmp=xmp)
    return out.getvalue()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200, help="number of sources (default 200)")
    parser.add_argument("--cache", type=Path, default=REPO / "bench" / ".cache",
                        help="where the pinned sources are kept")
    args = parser.parse_args()
    paths = sources(args.count, args.cache)
    shas = [sha256_file(p) for p in paths]  # known from the library in real use
    # Instagram's portrait variant: its limits, 1080 wide, cropped to 4:5
    spec = dataclasses.replace(BUILTIN_SPECS["instagram"], max_width=1080)
    example = load_workspace(REPO)
    persona = example.personas["ava"]
    with tempfile.TemporaryDirectory() as state:
        ws = dataclasses.replace(example, root=Path(state))
        ours = []
        for path, sha in zip(paths, shas, strict=True):
            start = time.perf_counter()
            rendered = render_image(ws, persona, SourceImage(path, sha), spec, aspect=4 / 5)
            ours.append((time.perf_counter() - start) * 1000)
        assert (rendered.width, rendered.height) == (1080, 1350), rendered
        rss_ours = peak_rss_mb()
        xmp = Image.open(rendered.path).info["xmp"]
        theirs = []
        for path in paths:
            start = time.perf_counter()
            naive(path, xmp)
            theirs.append((time.perf_counter() - start) * 1000)
    report(ours, theirs, rss_ours, peak_rss_mb())


def report(ours: list[float], theirs: list[float], rss_ours: float, rss_all: float) -> None:
    median, naive_median = statistics.median(ours), statistics.median(theirs)
    speedup = naive_median / median
    p90 = statistics.quantiles(ours, n=10)[-1] if len(ours) > 1 else ours[0]
    rows = [
        ("images", f"{len(ours)} × {WIDTH}×{HEIGHT} JPEG q{QUALITY}", "", ""),
        ("median ms / image (render_image)", f"{median:.1f}", f"< {TARGETS['median_ms']:.0f}",
         _ok(median < TARGETS["median_ms"])),
        ("p90 ms / image", f"{p90:.1f}", "", ""),
        ("median ms / image (naive)", f"{naive_median:.1f}", "", ""),
        ("speed-up vs naive", f"{speedup:.2f}×", f"≥ {TARGETS['speedup']:.0f}×",
         _ok(speedup >= TARGETS["speedup"])),
        ("peak RSS after render_image, MB", f"{rss_ours:.0f}", f"< {TARGETS['rss_mb']:.0f}",
         _ok(rss_ours < TARGETS["rss_mb"])),
        ("peak RSS incl. naive run, MB", f"{rss_all:.0f}", "", ""),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("measure", "value", "target", "")
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _ok(passed: bool) -> str:
    return "ok" if passed else "MISSED"


if __name__ == "__main__":
    main()
