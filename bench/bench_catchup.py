"""Benchmark: catching up after downtime — the daemon's first pass recording every missed slot.

    .venv/bin/python bench/bench_catchup.py

Two workspaces, each on a new SQLite database: 30 twins × 3 platforms × 3 posts a day, and
one per-minute schedule on 2 platforms. The daemon was down for a day (its look-back): the
pass plans the day (`materialise`) and skips every slot past its grace (`skip_missed`), with one
audit event per post. Timed in-process, with the number of SQL statements, against a baseline
in the same run that makes the same rows and the same status changes and audit writes in one
transaction with no per-post round trips (executemany). Goal: within 2× of the baseline.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, update
from sqlalchemy.engine import Engine

from influencer.clock import Clock
from influencer.config import load_workspace
from influencer.flow import Context, Window
from influencer.flow.plan import materialise
from influencer.flow.settle import skip_missed
from influencer.store import AuditEvent, Post, PostStatus, open_store

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
DOWN = timedelta(days=1)

PERSONA = """id: {id}
name: Twin {n}
twin_of: Model {n}
rights: {{holder: Model {n}, granted: 2026-01-01, expires: 2031-12-31, platforms: [x, instagram, mastodon]}}
voice: {{description: Bench twin {n}., examples: ["Layers, always."]}}
imagery: {{folder: personas/{id}/images}}
accounts:
  x: {{handle: "@t{n}", credentials: env:T_X}}
  instagram: {{handle: t{n}, credentials: env:T_IG}}
  mastodon: {{handle: "@t{n}@example.social", credentials: env:T_M, base_url: "https://example.social"}}
"""
SCHEDULE = """id: {id}
persona: {persona}
platforms: [{platforms}]
{when}
timezone: Europe/Paris
grace: 300
"""


def roster(root: Path, twins: int) -> None:
    for folder in ("personas", "schedules"):
        (root / folder).mkdir(parents=True)
    for n in range(twins):
        (root / "personas" / f"t{n}").mkdir()
        (root / "personas" / f"t{n}" / "images").mkdir()
        (root / "personas" / f"t{n}.yaml").write_text(PERSONA.format(id=f"t{n}", n=n))
        (root / "schedules" / f"t{n}.yaml").write_text(SCHEDULE.format(
            id=f"t{n}-daily", persona=f"t{n}", platforms="x, instagram, mastodon",
            when='times: ["08:00", "13:00", "19:00"]'))


def per_minute(root: Path) -> None:
    roster(root, 1)
    (root / "schedules" / "t0.yaml").write_text(SCHEDULE.format(
        id="t0-minute", persona="t0", platforms="x, mastodon", when='cron: "* * * * *"'))


class Counter:
    def __init__(self, engine: Engine) -> None:
        self.statements = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        self.statements += 1


def fixed(moment: datetime) -> Clock:
    return lambda: moment


def ours(root: Path, url: str) -> tuple[float, int, int]:
    ws = load_workspace(root).raise_for_issues()
    engine = open_store(url)
    counter = Counter(engine)
    ctx = Context(ws, engine, fixed(NOW), "daemon@bench")
    started = time.perf_counter()
    planned = materialise(ctx, Window(NOW - DOWN, NOW)).posts
    skipped = skip_missed(ctx)
    seconds = time.perf_counter() - started
    engine.dispose()
    past = [p for p in planned if p.publish_at + timedelta(seconds=300) < NOW]  # grace: 300
    assert len(skipped) == len(past), (len(skipped), len(past))  # those in their grace stay
    return seconds, len(skipped), counter.statements


def baseline(root: Path, url: str) -> float:
    """The same rows, status changes and audit events, in one transaction, no round trips."""
    ws = load_workspace(root).raise_for_issues()
    engine = open_store(url)
    ctx = Context(ws, engine, fixed(NOW), "daemon@bench")
    from influencer.flow.plan import plan_window

    slots, _ = plan_window(ctx, Window(NOW - DOWN, NOW))  # planning itself is not compared
    started = time.perf_counter()
    rows = [Post(persona=s.persona, schedule=s.schedule, platform=s.platform,
                 slot_at=s.slot_at, publish_at=s.publish_at, status=PostStatus.planned,
                 created_at=NOW, updated_at=NOW).model_dump() for s in slots]
    with engine.begin() as connection:
        connection.execute(insert(Post), rows)
    with engine.begin() as connection:
        connection.execute(update(Post).where(Post.status == "planned")  # type: ignore[arg-type]
                           .values(status=PostStatus.skipped, reason="missed", updated_at=NOW))
        connection.execute(insert(AuditEvent), [
            {"at": NOW, "post_id": r["id"], "actor": "daemon@bench", "action": "transition",
             "from_status": "planned", "to_status": "skipped", "detail": {"reason": "missed"}}
            for r in rows])
    seconds = time.perf_counter() - started + _planning_share(ctx)
    engine.dispose()
    return seconds


def _planning_share(ctx: Context) -> float:
    """The planner's own time, which both sides pay (so the ratio compares the storing)."""
    from influencer.flow.plan import plan_window

    started = time.perf_counter()
    plan_window(ctx, Window(NOW - DOWN, NOW))
    return time.perf_counter() - started


def main() -> None:
    import logging

    logging.disable(logging.WARNING)  # one line per missed slot is the daemon's, not the bench's
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    for name, build in (("30 twins × 3 platforms × 3 a day", lambda r: roster(r, 30)),
                        ("one per-minute schedule × 2 platforms", per_minute)):
        results = []
        for side in ("ours", "baseline"):
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                build(root)
                url = f"sqlite:///{root / 'bench.db'}"
                results.append(ours(root, url) if side == "ours" else (baseline(root, url), 0, 0))
        (seconds, missed, statements), (base, _, _) = results
        print(f"{name}: {missed} missed slots in {seconds:.2f} s "
              f"({seconds / missed * 1000:.2f} ms and {statements / missed:.2f} statements per "
              f"slot); baseline {base:.2f} s; ratio {seconds / base:.2f}× (goal ≤ 2×)")


if __name__ == "__main__":
    main()
