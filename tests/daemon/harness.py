"""Real daemon processes (``python -m influencer run``) on a workspace whose Mastodon account
posts to a stand-in instance; posts seeded from one real draft."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from influencer.config import load_workspace
from influencer.flow.context import Context
from influencer.flow.draft import draft_posts
from influencer.store import Post, PostStatus, open_store
from influencer.store.models import new_post_id
from tests.helpers import FixedClock
from tests.platforms.mastodon_standin import TOKEN, MastodonStandIn
from tests.platforms.standin import Reply, StandIn

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday
SCHEDULE = """\
id: ava-masto
persona: ava
platforms: [mastodon]
times: [{times}]
timezone: UTC
jitter: 0
lead_time: 3600
grace: {grace}
approval: {approval}
campaign: {{theme: Winter knits, paid: false}}
images: {{tags: [], reuse_after_days: 0, per_post: 1}}
start: 2026-11-01
end: 2030-12-31
"""
SETTINGS = """\
[daemon]
poll = 0.5
heartbeat = 1
lease = 300
attempts = 3
backoff_base = 60
backoff_cap = 600
account_concurrency = {concurrency}
outage_backoff_cap = 2
{extra}
"""


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def make_workspace(root: Path, instance_url: str, *, times: tuple[str, ...] = ("03:00",), grace: int = 900,
                   approval: str = "auto", concurrency: int = 8, extra: str = "") -> Path:
    """Only Ava on Mastodon, live, pointed at the stand-in; a fast-polling daemon."""
    for old in (root / "schedules").glob("*.yaml"):
        old.unlink()
    for persona in ("mei", "noor"):
        (root / "personas" / f"{persona}.yaml").unlink(missing_ok=True)
    write_schedule(root, times=times, grace=grace, approval=approval)
    persona_file = root / "personas" / "ava.yaml"
    text = persona_file.read_text(encoding="utf-8")
    start = text.index("  mastodon:")
    end = text.index("\n", start)
    live = f'  mastodon:  {{handle: "@ava@127.0.0.1", credentials: env:AVA_MASTODON, live: true, ' \
           f'base_url: "{instance_url}", territories: [EU]}}'
    persona_file.write_text(text[:start] + live + text[end:], encoding="utf-8")
    (root / "influencer.toml").write_text(SETTINGS.format(concurrency=concurrency, extra=extra),
                                          encoding="utf-8")
    return root


def write_schedule(root: Path, *, times: tuple[str, ...] = ("03:00",), grace: int = 900,
                   approval: str = "auto") -> None:
    listed = ", ".join(f'"{t}"' for t in times)
    path = root / "schedules" / "ava-masto.yaml"
    path.write_text(SCHEDULE.format(times=listed, grace=grace, approval=approval), encoding="utf-8")


def context(root: Path, db_url: str, now: datetime = NOW) -> Context:
    ws = load_workspace(root).raise_for_issues()
    return Context(ws, open_store(db_url), FixedClock(now), "test")


def seed(root: Path, db_url: str, publish_at: list[datetime],
         status: PostStatus = PostStatus.approved) -> list[str]:
    """Posts due at ``publish_at``: one drafted for real, the rest copies of its draft."""
    ctx = context(root, db_url)
    try:
        first = Post(persona="ava", schedule="ava-masto", platform="mastodon", slot_at=publish_at[0],
                     publish_at=publish_at[0], status=PostStatus.planned)
        with ctx.session() as session:
            session.add(first)
            session.commit()
        assert draft_posts(ctx, [first.id]) == 0
        with ctx.session() as session:
            draft = session.get(Post, first.id)
            assert draft is not None and draft.status == PostStatus.approved
            fields = draft.model_dump(exclude={"id", "slot_at", "publish_at", "status"})
            ids = [first.id]
            if status != PostStatus.approved:
                session.execute(Post.__table__.update().where(Post.__table__.c.id == first.id)  # type: ignore[attr-defined]
                                .values(status=status))
            for moment in publish_at[1:]:
                copy = Post(**fields | {"id": new_post_id(), "slot_at": moment, "publish_at": moment,
                                        "status": status})
                session.add(copy)
                ids.append(copy.id)
            session.commit()
        return ids
    finally:
        ctx.engine.dispose()


def posts(db_url: str, ids: list[str] | None = None) -> list[Post]:
    engine = open_store(db_url)
    try:
        with Session(engine) as session:
            query = select(Post)
            if ids is not None:
                query = query.where(col(Post.id).in_(ids))
            return list(session.exec(query))
    finally:
        engine.dispose()


def wait_for(check: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    """Poll ``check`` until it is truthy (waiting on other processes, not for time to pass)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class DaemonProcess:
    process: subprocess.Popen[bytes]
    log: Path
    started_at: datetime | None = None  # INFLUENCER_NOW it was given
    origin: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        """About where the daemon's clock is now (it runs on from INFLUENCER_NOW)."""
        assert self.started_at is not None
        return self.started_at + timedelta(seconds=time.monotonic() - self.origin)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class Daemons:
    """Starts ``influencer run`` processes; every one is killed at the end of the test."""

    root: Path
    db_url: str
    env: dict[str, str] = field(default_factory=dict)
    started: list[DaemonProcess] = field(default_factory=list)

    def environment(self, now: datetime | None, extra: dict[str, str] | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUENCER_")}
        env |= {"INFLUENCER_DATABASE_URL": self.db_url, "AVA_MASTODON": TOKEN,
                "INFLUENCER_ACTOR": "ines",  # the person running the commands
                "PYTHONPATH": str(REPO)} | self.env | (extra or {})
        if now is not None:
            env["INFLUENCER_NOW"] = iso(now)
        return env

    def start(self, *args: str, now: datetime | None = NOW,
              env: dict[str, str] | None = None) -> DaemonProcess:
        log = self.root.parent / f"daemon-{len(self.started)}.log"
        origin = time.monotonic()
        with log.open("wb") as out:
            command = [sys.executable, "-m", "influencer", "-w", str(self.root), "run", *args]
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                       env=self.environment(now, env), cwd=self.root.parent)
        started = DaemonProcess(process, log, now, origin)
        self.started.append(started)
        return started

    def once(self, *args: str, now: datetime = NOW, env: dict[str, str] | None = None,
             timeout: float = 120) -> DaemonProcess:
        """``run --once``: exit 0, or 1 when a post did not go out as planned (never a crash)."""
        started = self.start("--once", *args, now=now, env=env)
        code = started.process.wait(timeout=timeout)
        assert code in (0, 1), started.output()
        return started

    def cli(self, *args: str, now: datetime = NOW) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "influencer", "-w", str(self.root), *args],
                              capture_output=True, text=True, env=self.environment(now, None),
                              timeout=120, cwd=self.root.parent)  # never the repository

    def stop(self, daemon: DaemonProcess, timeout: float = 60) -> int:
        daemon.process.send_signal(signal.SIGTERM)
        return daemon.process.wait(timeout=timeout)

    def kill_all(self) -> None:
        for daemon in self.started:
            if daemon.process.poll() is None:
                daemon.process.kill()
                daemon.process.wait(timeout=10)


@contextmanager
def daemons(root: Path, db_url: str) -> Iterator[Daemons]:
    group = Daemons(root, db_url)
    try:
        yield group
    finally:
        group.kill_all()


def spread(count: int, last: datetime = NOW, step: timedelta = timedelta(seconds=1)) -> list[datetime]:
    """``count`` distinct times up to ``last`` (distinct: a slot's identity includes its time)."""
    return [last - step * i for i in range(count)]


def killed_while_answering(run: Daemons, instance: MastodonStandIn, *, made: bool = True) -> None:
    """A daemon SIGKILLed while the instance holds its status request; then the instance goes on
    and makes the status (``made``), the daemon never hearing of it."""
    hold = instance.server.hold("POST", r"/api/v1/statuses")
    daemon = run.start()
    assert hold.arrived.wait(timeout=60), daemon.output()
    daemon.process.kill()
    daemon.process.wait(timeout=10)
    if made:
        hold.release()
        wait_for(lambda: instance.statuses, what="the instance to make the status")


@contextmanager
def webhook(root: Path) -> Iterator[StandIn]:
    """A webhook on 127.0.0.1 that takes alerts, named in the workspace's ``[alerts]``."""
    with StandIn() as hooks:
        hooks.route("POST", r"/hook", lambda rec, m: Reply(204))
        with (root / "influencer.toml").open("a", encoding="utf-8") as settings:
            settings.write(f'[alerts]\nwebhook_url = "{hooks.url}/hook"\n')
        yield hooks
