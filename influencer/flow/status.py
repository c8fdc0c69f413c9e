"""Status: what will run next, what the posts are doing, which daemons are alive
(``influencer status``, the metrics), and the heartbeats daemons record for it.

Each daemon records who it is, when it was last alive and a hash of the configuration it runs,
so a dead daemon, or two daemons reading different files, is noticed.

Exit codes (for monitoring): 0 healthy; 1 no daemon seen within its heartbeat window (nothing is
publishing); 2 a post failed in the last 24 hours or is unconfirmed (a person must act); 3 the
database is unreachable (the command's own handling). No daemon outranks a failed post.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from influencer.config import Workspace
from influencer.config.settings import SETTINGS_FILE
from influencer.flow.context import Context, grant_for
from influencer.flow.plan import plan
from influencer.store import Post, PostMode, PostStatus
from influencer.store.models import DaemonBeat, Pause

LOOK_AHEAD = timedelta(days=32)  # far enough for a monthly cron
SHOWN_FOR = timedelta(days=1)  # stopped daemons are listed this long after their last beat
RECENT = timedelta(days=1)  # failed posts count against health this long; unconfirmed ones until settled
EXIT_HEALTHY, EXIT_NO_DAEMON, EXIT_POSTS_FAILED = 0, 1, 2


@dataclass
class StatusReport:
    now: datetime
    next_runs: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    daemons: list[dict[str, Any]] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    config_hash: str = ""
    problems: list[dict[str, Any]] = field(default_factory=list)  # failed (recent), unconfirmed
    retrying: int = 0  # approved posts waiting to be sent again after an error
    window: float = 0.0  # seconds: a daemon seen this recently counts as alive

    @property
    def alive(self) -> int:
        return sum(d["alive"] for d in self.daemons)

    @property
    def exit_code(self) -> int:
        if not self.alive:
            return EXIT_NO_DAEMON
        return EXIT_POSTS_FAILED if self.problems else EXIT_HEALTHY

    def as_json(self) -> dict[str, Any]:
        return {"now": self.now.isoformat(), "config_hash": self.config_hash,
                "next_runs": self.next_runs, "counts": self.counts, "retrying": self.retrying,
                "problems": self.problems, "daemons": self.daemons, "paused": self.paused,
                "alive": self.alive, "heartbeat_window": self.window, "exit_code": self.exit_code}


def status_report(ctx: Context, window: float | None = None) -> StatusReport:
    """The report; a daemon counts as alive when seen within ``window`` seconds (default three
    heartbeats). A ``run --once`` daemon stops after its pass: seen within the window is alive
    (set the window above the cron interval)."""
    now = ctx.now()
    window = window or 3 * ctx.ws.settings.daemon.heartbeat
    report = StatusReport(now, _next_runs(ctx, now), config_hash=config_hash(ctx.ws), window=window)
    stale_after = timedelta(seconds=window)
    with ctx.session() as session:
        rows = session.exec(select(Post.status, func.count()).where(col(Post.mode) == PostMode.live)
                            .group_by(col(Post.status))).all()
        report.counts = {str(status): count for status, count in rows}
        report.retrying = session.exec(select(func.count()).select_from(Post).where(
            col(Post.mode) == PostMode.live, col(Post.status) == PostStatus.approved,
            col(Post.attempts) > 0)).one()
        troubled = session.exec(select(Post).where(
            col(Post.mode) == PostMode.live,
            (col(Post.status) == PostStatus.unconfirmed)
            | ((col(Post.status) == PostStatus.failed) & (col(Post.updated_at) >= now - RECENT)))
            .order_by(col(Post.updated_at))).all()
        report.problems = [{
            "post_id": p.id, "persona": p.persona, "platform": p.platform, "status": str(p.status),
            "publish_at": p.publish_at.isoformat(), "since": p.updated_at.isoformat(),
            "attempts": p.attempts, "error": p.last_error or p.reason} for p in troubled]
        beats = session.exec(select(DaemonBeat).where(col(DaemonBeat.seen_at) >= now - SHOWN_FOR)
                             .order_by(col(DaemonBeat.seen_at).desc())).all()
        report.paused = sorted(session.exec(select(Pause.scope)).all())
    for row in beats:
        alive = (row.stopped_at is None or row.once) and row.seen_at >= now - stale_after
        report.daemons.append({
            "id": row.id, "host": row.host, "pid": row.pid, "mode": row.mode, "once": row.once,
            "started_at": row.started_at.isoformat(), "seen_at": row.seen_at.isoformat(),
            "stopped_at": row.stopped_at.isoformat() if row.stopped_at else None, "alive": alive,
            "config_hash": row.config_hash, "same_config": row.config_hash == report.config_hash,
            "config_errors": row.detail.get("config_errors", []),
            "next_publish": row.detail.get("next_publish")})
    return report


def _next_runs(ctx: Context, now: datetime) -> list[dict[str, Any]]:
    runs = []
    for schedule in sorted(ctx.ws.schedules.values(), key=lambda s: s.id):
        persona = ctx.ws.personas[schedule.persona]
        first: dict[str, datetime] = {}
        for slot in plan(schedule, persona, now, now + LOOK_AHEAD, grant_for(ctx, persona.id)).slots:
            if slot.publish_at >= now:
                first.setdefault(slot.platform, slot.publish_at)
        for platform in schedule.platforms:
            when = first.get(platform)
            runs.append({"schedule": schedule.id, "persona": schedule.persona, "platform": platform,
                         "next_publish_at": when.isoformat() if when else None})
    return runs


def post_counts(ctx: Context) -> list[tuple[str, str, int]]:
    """Live posts by (status, platform), as the database has them now."""
    with ctx.session() as session:
        rows = session.exec(select(Post.status, Post.platform, func.count())
                            .where(col(Post.mode) == PostMode.live)
                            .group_by(col(Post.status), col(Post.platform))).all()
    return [(str(status), platform, count) for status, platform, count in rows]


def config_hash(ws: Workspace) -> str:
    """One hash over every persona and schedule file and influencer.toml."""
    digest = hashlib.sha256()
    for key in sorted(ws.sources):
        digest.update(f"{key}={ws.sources[key].sha256}\n".encode())
    settings = ws.root / SETTINGS_FILE
    if settings.exists():
        digest.update(settings.read_bytes())
    return digest.hexdigest()


def beat(ctx: Context, mode: str, once: bool, detail: dict[str, Any], stopped: bool = False) -> None:
    """Record this daemon's heartbeat. The heartbeat job and a stopping daemon may write the
    first one at the same moment: the loser of that race updates the winner's row."""
    for _ in range(2):
        now = ctx.now()
        with ctx.session() as session:
            row = session.get(DaemonBeat, ctx.actor) or DaemonBeat(
                id=ctx.actor, host=socket.gethostname(), pid=os.getpid(), mode=mode, once=once,
                started_at=now, config_hash="")
            row.seen_at, row.config_hash, row.detail = now, config_hash(ctx.ws), detail
            row.stopped_at = now if stopped else None
            session.add(row)
            try:
                session.commit()
                return
            except IntegrityError:
                session.rollback()
