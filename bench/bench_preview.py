"""Benchmark: preview 30 personas × 3 platforms × 7 days × 2 posts a day (1,260 posts).

    .venv/bin/python bench/bench_preview.py [--personas 30]

Builds a throwaway workspace (distinct generated images per twin, offline writer), then runs
the real command `influencer preview --days 7 --json` twice as a separate process: cold
(nothing drafted, no render cache) and warm (all drafted), reporting wall time and peak RSS of
each. Planning alone is timed in-process and compared with APScheduler 3's own cron iteration
over the same slots in the same run (the baseline).
Targets: warm under 5 s; planning over 20,000 slots per second.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-11-30T06:00:00Z"

PERSONA = """id: {id}
name: Twin {n}
twin_of: Model {n}
rights: {{holder: Model {n}, granted: 2026-01-01, expires: 2031-12-31, platforms: [x, instagram, mastodon]}}
voice:
  description: Bench twin number {n}, warm and precise.
  tone: [warm, precise]
  examples: ["Texture first, colour second.", "A coat is a promise to November.", "Layers, always."]
  hashtags: {{always: ["#Twin{n}"], pool: ["#style", "#knitwear", "#slowfashion"], max: 3}}
imagery: {{folder: personas/{id}/images}}
accounts:
  x: {{handle: "@twin{n}", credentials: env:T{n}_X}}
  instagram: {{handle: twin{n}, credentials: env:T{n}_IG}}
  mastodon: {{handle: "@twin{n}@example.social", credentials: env:T{n}_M}}
"""
SCHEDULE = """id: {id}-daily
persona: {id}
platforms: [x, instagram, mastodon]
times: ["09:00", "18:00"]
timezone: Europe/Stockholm
jitter: 600
images: {{reuse_after_days: 0}}
"""


def make_workspace(root: Path, personas: int) -> None:
    for n in range(personas):
        pid = f"twin{n:02d}"
        folder = root / "personas" / pid / "images"
        folder.mkdir(parents=True)
        (root / "personas" / f"{pid}.yaml").write_text(PERSONA.format(id=pid, n=n), encoding="utf-8")
        (root / "schedules").mkdir(exist_ok=True)
        (root / "schedules" / f"{pid}.yaml").write_text(SCHEDULE.format(id=pid), encoding="utf-8")
        for k in range(6):
            draw_image(folder / f"look-{k}.jpg", random.Random(n * 100 + k))


def draw_image(path: Path, rng: random.Random) -> None:
    image = Image.new("RGB", (1200, 1500), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        box = sorted(rng.randrange(1200) for _ in range(2)), sorted(rng.randrange(1500) for _ in range(2))
        draw.rectangle((box[0][0], box[1][0], box[0][1], box[1][1]),
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    image.save(path, "JPEG", quality=85)


def timed_preview(root: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) of this one child, and the number of posts previewed."""
    env = {**os.environ, "INFLUENCER_NOW": NOW, "INFLUENCER_HOME": str(root)}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "influencer", "preview", "--days", "7",
                                  "--json"], env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            sys.exit(f"preview failed ({child.returncode}): {err.read()[-2000:]}")
        return wall, usage.ru_maxrss / 1024, len(json.loads(out.read())["posts"])


def planning_rates(root: Path) -> tuple[float, float, int]:
    """Slots per second: our planner, and APScheduler's cron iteration for the same slots."""
    from apscheduler.triggers.cron import CronTrigger

    from influencer.config import load_workspace
    from influencer.flow.plan import plan

    ws = load_workspace(root)
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    count = sum(len(plan(s, ws.personas[s.persona], start, end).slots) for s in ws.schedules.values())
    ours = count / (time.perf_counter() - began)
    began = time.perf_counter()
    fired = 0
    for schedule in ws.schedules.values():
        for hour in (9, 18):
            trigger = CronTrigger(hour=hour, minute=0, timezone=schedule.timezone)
            moment = trigger.get_next_fire_time(None, start)
            while moment is not None and moment < end:
                fired += len(schedule.platforms)
                moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    theirs = fired / (time.perf_counter() - began)
    return ours, theirs, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personas", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        root = Path(tmp)
        make_workspace(root, args.personas)
        cold, cold_rss, posts = timed_preview(root)
        warm, warm_rss, again = timed_preview(root)
        ours, theirs, slots = planning_rates(root)
    rows = [
        ("posts previewed", f"{posts} (then {again})", ""),
        ("cold: wall time", f"{cold:.1f} s", ""),
        ("cold: peak RSS", f"{cold_rss:.0f} MB", ""),
        ("warm: wall time", f"{warm:.2f} s", "< 5 s " + ("ok" if warm < 5 else "MISSED")),
        ("warm: peak RSS", f"{warm_rss:.0f} MB", ""),
        ("cold / warm", f"{cold / warm:.1f}×", ""),
        (f"planning ({slots} slots, a year)", f"{ours:,.0f} slots/s",
         "> 20,000 " + ("ok" if ours > 20_000 else "MISSED")),
        ("APScheduler cron iteration", f"{theirs:,.0f} slots/s", ""),
        ("planner / APScheduler", f"{ours / theirs:.1f}×", ""),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<22}  {target}")


if __name__ == "__main__":
    main()
