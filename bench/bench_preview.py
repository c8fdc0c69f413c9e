"""Benchmark: previewing a 30-twin roster, cold and warm, 7 and 30 days, SQLite and PostgreSQL.

    .venv/bin/python bench/bench_preview.py [--quick] [--personas 30]

The roster: 30 twins, each on 2 to 4 platforms (x, instagram, mastodon, bluesky), 2 posts a
day: 1,260 posts in 7 days, 5,400 in 30. Distinct generated images per twin, the offline
writer. For each database and window, on a fresh database and render cache, the real command
``influencer preview --days N --json`` runs as a child process twice: cold (nothing drafted,
nothing rendered) and warm (all drafted), with its wall time, CPU time and peak RSS. The
baseline, in the same run, is a child that loads the same posts through the ORM and prints
them as JSON: what any preview must at least do.

Goals (issue 13): warm 7-day under 5 s and under 3× the baseline; cold CPU per post at most
22.5 ms (half of the ~45 ms measured before); peak RSS flat from 7 to 30 days (within 1.2×).
Planning is timed in-process against APScheduler 3's cron iteration over the same slots: a
year of the roster, and 30 days of a per-minute schedule (goal: over 100,000 slots/s).
``--quick``: SQLite and 7 days only. Warm runs and baselines are the median of three.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchlib import Child, postgres_database, run_child
from PIL import Image, ImageDraw

NOW = "2026-11-30T06:00:00+00:00"
PLATFORMS = ("x", "instagram", "mastodon", "bluesky")
ACCOUNTS = {"x": '{{handle: "@twin{n}", credentials: env:T{n}_X}}',
            "instagram": "{{handle: twin{n}, credentials: env:T{n}_IG}}",
            "mastodon": '{{handle: "@twin{n}@example.social", credentials: env:T{n}_M}}',
            "bluesky": "{{handle: twin{n}.bsky.social, credentials: env:T{n}_B}}"}

PERSONA = """id: {id}
name: Twin {n}
twin_of: Model {n}
rights: {{holder: Model {n}, granted: 2026-01-01, expires: 2031-12-31, platforms: [{platforms}]}}
voice:
  description: Bench twin number {n}, warm and precise.
  tone: [warm, precise]
  examples: ["Texture first, colour second.", "A coat is a promise to November.", "Layers, always."]
  hashtags: {{always: ["#Twin{n}"], pool: ["#style", "#knitwear", "#slowfashion"], max: 3}}
imagery: {{folder: personas/{id}/images}}
accounts:
{accounts}
"""
SCHEDULE = """id: {id}-daily
persona: {id}
platforms: [{platforms}]
times: ["09:00", "18:00"]
timezone: Europe/Stockholm
jitter: 600
end: 2031-12-31
images: {{reuse_after_days: 0}}
"""
MINUTELY = """id: minutely
persona: twin00
platforms: [x]
cron: "* * * * *"
timezone: Europe/Stockholm
jitter: 20
end: 2031-12-31
"""
BASELINE = """
import json, sys
from datetime import datetime, timedelta
from sqlmodel import Session, col, select
from influencer.store import Post, open_store
start = datetime.fromisoformat(sys.argv[2])
end = start + timedelta(days=int(sys.argv[3]))
with Session(open_store(sys.argv[1])) as session:
    posts = session.exec(select(Post).where(col(Post.slot_at) >= start, col(Post.slot_at) < end)
                         .order_by(col(Post.publish_at))).all()
    print(json.dumps({"posts": [p.model_dump(mode="json") for p in posts]}, indent=2,
                     ensure_ascii=False))
"""


def platforms_of(n: int) -> tuple[str, ...]:
    return PLATFORMS[:2 + n % 3]


def make_workspace(root: Path, personas: int) -> None:
    (root / "schedules").mkdir(parents=True)
    for n in range(personas):
        pid = f"twin{n:02d}"
        folder = root / "personas" / pid / "images"
        folder.mkdir(parents=True)
        names = ", ".join(platforms_of(n))
        accounts = "\n".join(f"  {p}: " + ACCOUNTS[p].format(n=n) for p in platforms_of(n))
        (root / "personas" / f"{pid}.yaml").write_text(
            PERSONA.format(id=pid, n=n, platforms=names, accounts=accounts), encoding="utf-8")
        (root / "schedules" / f"{pid}.yaml").write_text(SCHEDULE.format(id=pid, platforms=names),
                                                       encoding="utf-8")
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


@dataclass
class Measured:
    database: str
    days: int
    posts: int
    cold: Child
    warm: Child
    baseline: Child


def preview(root: Path, url: str, days: int) -> Child:
    env = {**os.environ, "INFLUENCER_NOW": NOW, "INFLUENCER_HOME": str(root),
           "INFLUENCER_DATABASE_URL": url}
    return run_child([sys.executable, "-m", "influencer", "preview", "--days", str(days),
                      "--json"], env)


def median_of_three(run: Callable[[], Child]) -> Child:
    return sorted((run() for _ in range(3)), key=lambda c: c.wall)[1]


def measure(root: Path, database: str, url: str, days: int) -> Measured:
    shutil.rmtree(root / ".influencer", ignore_errors=True)  # no renders, no thumbnails
    cold = preview(root, url, days)
    warm = median_of_three(lambda: preview(root, url, days))
    baseline = median_of_three(lambda: run_child(
        [sys.executable, "-c", BASELINE, url, NOW, str(days)], os.environ))
    posts = cold.stdout.count('"post_id"')
    assert posts == warm.stdout.count('"post_id"') == baseline.stdout.count('"persona"'), \
        "cold, warm and baseline must show the same posts"
    return Measured(database, days, posts, cold, warm, baseline)


def planning_rates(root: Path) -> list[tuple[str, float, float, int]]:
    """(what, our slots/s, APScheduler's slots/s, slots) for a year of the roster and for 30
    days of a per-minute schedule."""
    from apscheduler.triggers.cron import CronTrigger

    from influencer.config import load_workspace
    from influencer.flow.plan import plan

    (root / "schedules" / "minutely.yaml").write_text(MINUTELY, encoding="utf-8")
    ws = load_workspace(root)
    (root / "schedules" / "minutely.yaml").unlink()
    year = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    month = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
    roster = [s for s in ws.schedules.values() if s.id != "minutely"]
    results = []
    for what, schedules, (start, end), crons in (
            ("a year of the roster", roster, year, [{"hour": 9, "minute": 0},
                                                    {"hour": 18, "minute": 0}]),
            ("30 days of a per-minute schedule", [ws.schedules["minutely"]], month, [{}])):
        began = time.perf_counter()
        count = sum(len(plan(s, ws.personas[s.persona], start, end).slots) for s in schedules)
        ours = count / (time.perf_counter() - began)
        began = time.perf_counter()
        fired = 0
        for schedule in schedules:
            for fields in crons:
                trigger = CronTrigger(timezone=schedule.timezone, **fields)
                moment = trigger.get_next_fire_time(None, start)
                while moment is not None and moment < end:
                    fired += len(schedule.platforms)
                    moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
        results.append((what, ours, fired / (time.perf_counter() - began), count))
    return results


def report(rows: list[Measured]) -> None:
    print(f"{'database':<10} {'days':>4} {'posts':>5}  {'cold s':>7} {'CPU/post':>9} "
          f"{'cold RSS':>8}  {'warm s':>6} {'warm RSS':>8}  {'baseline':>8} {'warm/base':>9}")
    for m in rows:
        print(f"{m.database:<10} {m.days:>4} {m.posts:>5}  {m.cold.wall:>7.1f} "
              f"{m.cold.cpu / m.posts * 1000:>6.1f} ms {m.cold.rss_mb:>5.0f} MB  "
              f"{m.warm.wall:>6.2f} {m.warm.rss_mb:>5.0f} MB  {m.baseline.wall:>6.2f} s "
              f"{m.warm.wall / m.baseline.wall:>8.1f}×")
    print()
    for m in rows:
        if m.days == 7:
            print(f"goal {m.database}, warm 7 days < 5 s and < 3× baseline: "
                  f"{m.warm.wall:.2f} s, {m.warm.wall / m.baseline.wall:.1f}× — "
                  + ("ok" if m.warm.wall < 5 and m.warm.wall < 3 * m.baseline.wall else "MISSED"))
        per_post = m.cold.cpu / m.posts * 1000
        print(f"goal {m.database}, {m.days} days, cold CPU per post ≤ 22.5 ms: {per_post:.1f} ms"
              f" — " + ("ok" if per_post <= 22.5 else "MISSED"))
    for database in sorted({m.database for m in rows}):
        by_days = {m.days: m for m in rows if m.database == database}
        if 7 in by_days and 30 in by_days:
            for phase in ("cold", "warm"):
                ratio = (getattr(by_days[30], phase).rss_mb / getattr(by_days[7], phase).rss_mb)
                print(f"goal {database}, {phase} peak RSS 30 days / 7 days ≤ 1.2: {ratio:.2f} — "
                      + ("ok" if ratio <= 1.2 else "MISSED"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personas", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="SQLite and 7 days only")
    args = parser.parse_args()
    windows = (7,) if args.quick else (7, 30)
    rows: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        root = Path(tmp)
        make_workspace(root, args.personas)
        for days in windows:
            (root / "sqlite.db").unlink(missing_ok=True)
            rows.append(measure(root, "SQLite", f"sqlite:///{root / 'sqlite.db'}", days))
            if args.quick:
                continue
            with postgres_database() as url:
                if url is not None:
                    rows.append(measure(root, "PostgreSQL", url, days))
        report(rows)
        print()
        for what, ours, theirs, slots in planning_rates(root):
            goal = 100_000 if "minute" in what else 20_000
            print(f"planning {what} ({slots:,} slots): {ours:,.0f} slots/s, APScheduler "
                  f"{theirs:,.0f} slots/s ({ours / theirs:.1f}×); goal > {goal:,}: "
                  + ("ok" if ours > goal else "MISSED"))


if __name__ == "__main__":
    main()
