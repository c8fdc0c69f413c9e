"""Benchmark: catching up after downtime — the daemon's first pass recording every missed slot.

    .venv/bin/python bench/bench_catchup.py [--quick]

Two workspaces: 30 twins × 3 platforms × 3 posts a day, and one per-minute schedule on 2
platforms; each on a new SQLite and a new PostgreSQL database. After 1 day of downtime (the
daemon's look-back) the pass plans the day (`materialise`) and skips every slot past its grace
(`skip_missed`), one audit event per post. After 7 days, the week had been planned before the
daemon stopped (a preview does that), so its posts exist and the pass skips them all; slots
older than the look-back that were never planned are not made (nothing of them exists to
skip). Timed in-process, with the number of SQL statements, against a baseline in the same run
that makes the same rows and the same status changes and audit writes in one transaction with
no per-post round trips (executemany). Goal: within 2× of the baseline. ``--quick``: SQLite,
1 day.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchlib import postgres_database
from sqlalchemy import event, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from influencer.clock import Clock
from influencer.config import load_workspace
from influencer.flow import Context, Window
from influencer.flow.due import LOOKBACK
from influencer.flow.plan import materialise
from influencer.flow.settle import skip_missed
from influencer.store import Post, PostStatus, audit, open_store

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)

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


def ours(root: Path, url: str, down: timedelta) -> tuple[float, int, int]:
    ws = load_workspace(root).raise_for_issues()
    engine = open_store(url)
    ctx = Context(ws, engine, fixed(NOW), "daemon@bench")
    if down > LOOKBACK:  # planned before the daemon stopped
        materialise(ctx, Window(NOW - down, NOW))
    counter = Counter(engine)
    started = time.perf_counter()
    planned = materialise(ctx, Window(NOW - LOOKBACK, NOW)).posts
    skipped = skip_missed(ctx)
    seconds = time.perf_counter() - started
    engine.dispose()
    past = [p for p in planned if p.publish_at + timedelta(seconds=300) < NOW]  # grace: 300
    assert len(skipped) >= len(past), (len(skipped), len(past))  # those in their grace stay
    return seconds, len(skipped), counter.statements


def baseline(root: Path, url: str, down: timedelta) -> float:
    """The same rows, status changes and audit events, in one transaction, no round trips."""
    ws = load_workspace(root).raise_for_issues()
    engine = open_store(url)
    ctx = Context(ws, engine, fixed(NOW), "daemon@bench")
    from influencer.flow.plan import plan_window

    slots, _ = plan_window(ctx, Window(NOW - down, NOW))  # planning itself is not compared
    rows = [Post(persona=s.persona, schedule=s.schedule, platform=s.platform,
                 slot_at=s.slot_at, publish_at=s.publish_at, status=PostStatus.planned,
                 created_at=NOW, updated_at=NOW).model_dump() for s in slots]
    made_before = [r for r in rows if r["slot_at"] < NOW - LOOKBACK] if down > LOOKBACK else []
    if made_before:
        with engine.begin() as connection:
            connection.execute(insert(Post), made_before)
    missed = [r for r in rows if r["publish_at"] + timedelta(seconds=300) < NOW]
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(insert(Post), rows[len(made_before):])
    with Session(engine) as session:  # the chained audit writes: one executemany, a head per twin
        session.execute(update(Post).where(col(Post.id).in_([r["id"] for r in missed]))
                        .values(status=PostStatus.skipped, reason="missed", updated_at=NOW))
        audit.append(session, [audit.event(
            twin=r["persona"], at=NOW, post_id=r["id"], actor="daemon@bench", action="transition",
            from_status="planned", to_status="skipped", detail={"reason": "missed"})
            for r in missed])
        session.commit()
    seconds = time.perf_counter() - started + _planning_share(ctx)
    engine.dispose()
    return seconds


def _planning_share(ctx: Context) -> float:
    """The planner's own time for the look-back, which both sides pay (so the ratio compares
    the storing)."""
    from influencer.flow.plan import plan_window

    started = time.perf_counter()
    plan_window(ctx, Window(NOW - LOOKBACK, NOW))
    return time.perf_counter() - started


def databases(quick: bool) -> Iterator[tuple[str, Callable[[Path], AbstractContextManager[str | None]]]]:
    yield "SQLite", lambda root: nullcontext(f"sqlite:///{root / 'bench.db'}")
    if not quick:
        yield "PostgreSQL", lambda root: postgres_database()


def main() -> None:
    import logging

    logging.disable(logging.WARNING)  # one line per missed slot is the daemon's, not the bench's
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="SQLite, 1 day of downtime")
    args = parser.parse_args()
    for database, opened in databases(args.quick):
        for days in (1,) if args.quick else (1, 7):
            down = timedelta(days=days)
            for name, build in (("30 twins × 3 platforms × 3 a day", lambda r: roster(r, 30)),
                                ("one per-minute schedule × 2 platforms", per_minute)):
                results = []
                for side in ("ours", "baseline"):
                    with tempfile.TemporaryDirectory() as tmp:
                        root = Path(tmp)
                        build(root)
                        with opened(root) as url:
                            if url is None:
                                return
                            results.append(ours(root, url, down) if side == "ours"
                                           else (baseline(root, url, down), 0, 0))
                (seconds, missed, statements), (base, _, _) = results
                print(f"{database}, {days} day(s) down, {name}: {missed} missed slots in "
                      f"{seconds:.2f} s ({seconds / missed * 1000:.2f} ms and "
                      f"{statements / missed:.2f} statements per slot); baseline {base:.2f} s; "
                      f"ratio {seconds / base:.2f}× (goal ≤ 2×)")


if __name__ == "__main__":
    main()
