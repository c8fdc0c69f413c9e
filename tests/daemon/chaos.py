"""Fault injection with real processes: several daemons publish to a Mastodon and an X stand-in
that answer creates with 503 after making them, drop connections after making them, and make
uploads wait (202); daemons are killed with SIGKILL at seeded random points and replaced. Then
the posts are settled and counted from the stand-ins' own records of what they made, never
from our tables (our unique keys would make our own count 0 by construction).

Used by ``tests/daemon/test_faults.py`` (a capped run) and ``bench/bench_faults.py`` (the soak).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from influencer.flow.context import posts_by_id
from influencer.flow.draft import draft_posts
from influencer.flow.edit import edited_fields
from influencer.store import Post, PostStatus, Publication, open_store
from influencer.store.models import PublishRetry, new_post_id
from tests.daemon.harness import NOW, DaemonProcess, Daemons, context, make_workspace, posts, wait_for
from tests.platforms.mastodon_standin import MastodonStandIn
from tests.platforms.x_standin import CREDENTIALS, XStandIn

LEASE = 300  # the harness's [daemon] lease
CONCURRENCY = 8  # and its account_concurrency


@dataclass
class Figures:
    seed: int
    posts: int
    kills: int
    creates: int  # posts the stand-ins made, by their own records
    duplicates: int  # creates beyond the first of a post (must be 0)
    lost: int  # posts neither published nor waiting for a person (must be 0)
    phantoms: int  # recorded published without a create of its own on the server (must be 0)
    unconfirmed: dict[str, str] = field(default_factory=dict)  # post id -> what its lookup found
    failed: dict[str, str] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        lines = [f"seed {self.seed}: {self.posts} posts, {self.kills} kills, faults {self.faults}",
                 f"creates {self.creates}, duplicates {self.duplicates}, lost {self.lost}, "
                 f"phantom publishes {self.phantoms}, left unconfirmed {len(self.unconfirmed)}, "
                 f"failed {len(self.failed)}, {self.seconds:.0f} s"]
        lines += [f"  unconfirmed {i}: {why}" for i, why in self.unconfirmed.items()]
        lines += [f"  failed {i}: {why}" for i, why in self.failed.items()]
        return lines


class Chaos:
    """The seeded choices: which creates fail and how, when a daemon dies, which one."""

    def __init__(self, seed: int, rate: float = 0.25) -> None:
        self.rng, self.rate = random.Random(seed), rate
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def fault(self, kind: str) -> str | None:
        with self._lock:
            if self.rng.random() >= self.rate:
                return None
            chosen = "202" if kind == "media" else self.rng.choice(["503", "drop"])
            self.counts[f"{kind} {chosen}"] = self.counts.get(f"{kind} {chosen}", 0) + 1
            return chosen


class Timeline:
    """One clock for every process of a run, the stand-ins' included: NOW when the run started,
    then real time; ``jump`` moves everyone forward (the daemons are started at the new time)."""

    def __init__(self) -> None:
        self.start, self.origin = NOW, time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.origin)

    def jump(self, to: datetime) -> None:
        self.start, self.origin = to, time.monotonic()


def live_workspace(root: Path, mastodon: MastodonStandIn, x: XStandIn) -> None:
    """Ava live on both stand-ins (make_workspace sets up Mastodon; X is added here)."""
    make_workspace(root, mastodon.url, grace=3600)
    persona = root / "personas" / "ava.yaml"
    lines = persona.read_text(encoding="utf-8").splitlines()
    lines = [f'  x:         {{handle: "@ava_twin", credentials: env:AVA_X, live: true, '
             f'base_url: "{x.url}", territories: [EU, US]}}' if line.startswith("  x:") else line
             for line in lines]
    persona.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (root / "influencer.toml").open("a", encoding="utf-8") as settings:
        settings.write("[concurrency]\npublishers = 4\n")


def seed_posts(root: Path, db_url: str, count: int, start: datetime) -> list[str]:
    """``count`` approved posts due by ``start``, half on each platform, each with its own text
    (X refuses a text the account already posted), drafted and labelled for real."""
    ctx = context(root, db_url)
    try:
        model_at = start - timedelta(hours=1)  # the two drafts the posts are made from
        firsts = [Post(persona="ava", schedule="ava-masto", platform=platform, slot_at=model_at,
                       publish_at=model_at, status=PostStatus.planned) for platform in ("mastodon", "x")]
        with ctx.session() as session:
            session.add_all(firsts)
            session.commit()
        assert draft_posts(ctx, [p.id for p in firsts]) == 0
        drafted = {p.platform: p for p in posts_by_id(ctx, [p.id for p in firsts])}
        ids = []
        with ctx.session() as session:
            for n in range(count):
                platform = ("mastodon", "x")[n % 2]
                model = drafted[platform]
                moment = start - timedelta(seconds=n)  # all due at once
                copy = Post(**model.model_dump(exclude={"id", "slot_at", "publish_at"})
                            | {"id": new_post_id(), "slot_at": moment, "publish_at": moment})
                copy.images = list(model.images)
                for name, value in edited_fields(ctx, copy, f"{model.body} Look {n + 1}.",
                                                 list(copy.hashtags), None).items():
                    setattr(copy, name, value)
                session.add(copy)
                ids.append(copy.id)
            for first in firsts:
                row = session.get(Post, first.id)
                assert row is not None
                session.delete(row)
            session.commit()
        return ids
    finally:
        ctx.engine.dispose()


def creates_seen(mastodon: MastodonStandIn, x: XStandIn) -> int:
    return (len(mastodon.server.matching("POST", r"/api/v1/statuses"))
            + len(x.server.matching("POST", r"/2/tweets")))


def run_chaos(root: Path, db_url: str, run: Daemons, mastodon: MastodonStandIn, x: XStandIn, *,
              seed: int, daemons: int, count: int, kills: int, rate: float = 0.25) -> Figures:
    started = time.monotonic()
    chaos, clock = Chaos(seed, rate), Timeline()
    mastodon.faults, x.faults = chaos.fault, lambda: chaos.fault("create")
    mastodon.clock = x.clock = clock
    run.env["AVA_X"] = CREDENTIALS
    ids = seed_posts(root, db_url, count, NOW)
    alive = [run.start(now=clock()) for _ in range(daemons)]
    points = sorted(chaos.rng.sample(range(1, count), min(kills, count - 1))) if kills else []
    for point in points:  # SIGKILL when the stand-ins have seen that many creates
        if not _wait_or_quiet(lambda p=point: creates_seen(mastodon, x) >= p, db_url, ids, alive, clock):
            break
        victim = alive.pop(chaos.rng.randrange(len(alive)))
        victim.process.kill()
        victim.process.wait(timeout=10)
        alive.append(run.start(now=clock()))
    _wait_or_quiet(lambda: False, db_url, ids, alive, clock, timeout=180)
    for daemon in alive:  # a graceful stop, once each has started (a stop during start-up is
        # not graceful yet: issue 13)
        _wait_started(daemon)
        assert run.stop(daemon) == 0, daemon.output()
    for _ in range(6):  # leases end, lookups settle, retries come due; each pass later in time
        clock.jump(clock() + timedelta(seconds=LEASE + 60))
        run.once(now=clock())
        if not [p for p in posts(db_url, ids) if p.status in (PostStatus.approved, PostStatus.publishing)]:
            break
    return _figures(db_url, ids, mastodon, x, chaos, seed, len(points), time.monotonic() - started)


def _wait_started(daemon: DaemonProcess) -> None:
    wait_for(lambda: " started (" in daemon.output(), 60, "the daemon to start")


def _wait_or_quiet(check: Any, db_url: str, ids: list[str], alive: list[DaemonProcess],
                   clock: Timeline, timeout: float = 120) -> bool:
    """Wait for ``check``; False when the live daemons have nothing left to do first."""
    def ready() -> str:
        if check():
            return "check"
        return "quiet" if _quiet(db_url, ids, [d.process.pid for d in alive], clock()) else ""
    try:
        return bool(wait_for(ready, timeout, "the next kill point or the daemons to be done") == "check")
    except AssertionError as exc:
        counts: dict[str, int] = {}
        for post in posts(db_url, ids):
            counts[str(post.status)] = counts.get(str(post.status), 0) + 1
        tails = "\n".join(f"--- daemon {d.process.pid} (exit {d.process.poll()}):\n"
                          + "\n".join(d.output().splitlines()[-8:]) for d in alive)
        raise AssertionError(f"{exc}; posts by status {counts}\n{tails}") from None


def _quiet(db_url: str, ids: list[str], pids: list[int], now: datetime) -> bool:
    """No post is due and free to claim, and none is being sent by a living daemon. The claims
    of killed daemons wait for their leases to end (and meanwhile hold their account's
    concurrency, as in-flight posts do); retries wait for their time."""
    engine = open_store(db_url)
    try:
        with Session(engine) as session:
            waiting = set(session.exec(select(PublishRetry.post_id)
                                       .where(col(PublishRetry.not_before) > now)))
            rows = list(session.exec(select(Post).where(col(Post.id).in_(ids))))
    finally:
        engine.dispose()
    in_flight: dict[str, int] = {}
    for post in rows:
        sender = post.claimed_by or ""
        if post.status == PostStatus.publishing and any(f":{pid}:" in sender for pid in pids):
            return False
        if post.status == PostStatus.publishing:
            in_flight[post.platform] = in_flight.get(post.platform, 0) + 1
    return not any(post.status == PostStatus.approved and post.id not in waiting
                   and post.publish_at <= now and in_flight.get(post.platform, 0) < CONCURRENCY
                   for post in rows)


def _figures(db_url: str, ids: list[str], mastodon: MastodonStandIn, x: XStandIn, chaos: Chaos,
             seed: int, kills: int, seconds: float) -> Figures:
    rows = {p.id: p for p in posts(db_url, ids)}
    # post id -> what each server made for it, matched by its text (each post has its own),
    # not by any key of ours
    made: dict[str, list[str]] = {i: [] for i in ids}
    by_text = {(p.platform, p.text): p.id for p in rows.values()}
    for status_id, status in mastodon.statuses.items():
        owner = by_text.get(("mastodon", status.get("text")))
        if owner is not None:
            made[owner].append(status_id)
    for post_id, body in x.posts.items():
        owner = by_text.get(("x", body.get("text")))
        if owner is not None:
            made[owner].append(post_id)
    engine = open_store(db_url)
    with Session(engine) as session:
        recorded = {p.post_id: p.platform_id for p in session.exec(
            select(Publication).where(col(Publication.post_id).in_(ids), col(Publication.mode) == "live"))}
    engine.dispose()
    return Figures(
        seed=seed, posts=len(ids), kills=kills, creates=sum(len(v) for v in made.values()),
        duplicates=sum(max(0, len(v) - 1) for v in made.values()),
        lost=sum(1 for p in rows.values() if p.status not in (
            PostStatus.published, PostStatus.unconfirmed, PostStatus.failed)),
        phantoms=sum(1 for i, platform_id in recorded.items() if platform_id not in made[i]),
        unconfirmed={i: f"{p.platform}, claimed {p.first_claimed_at:%H:%M:%S}: {p.last_error or ''}; "
                        f"made on the server: {made[i] or 'no'}"
                     for i, p in rows.items() if p.status == PostStatus.unconfirmed},
        failed={i: p.reason or "" for i, p in rows.items() if p.status == PostStatus.failed},
        faults=dict(sorted(chaos.counts.items())), seconds=seconds)
