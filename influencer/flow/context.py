"""What every step of a post's life needs: the workspace, the database, the clock, who acts;
the queries the steps share; and the one log line each publishing step writes."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from influencer import rights
from influencer.clock import Clock, system_clock
from influencer.config import Workspace, load_workspace, open_workspace
from influencer.config.people import who_acts
from influencer.config.persona import Rights
from influencer.config.settings import DaemonSettings
from influencer.errors import InfluencerError
from influencer.rights import GrantState, Refusal
from influencer.store import Post, PostMode, PostStatus, open_store

Limits = DaemonSettings  # the publishing limits of ``[daemon]``, as the flow reads them
log = logging.getLogger("influencer.flow")


@dataclass
class Context:
    """What every step needs: the workspace, the database, the clock, who acts."""

    ws: Workspace
    engine: Engine
    clock: Clock
    actor: str

    @classmethod
    def open(cls, workspace: str | None = None, actor: str | None = None,
             needed_for: str | None = None) -> Context:
        """The workspace's context, acting as ``actor`` (``--as``) or the default person; for
        ``needed_for`` (a decision about what goes out) a person must be named."""
        ws = open_workspace(workspace)
        who = who_acts(actor, ws.settings.audit.actor, needed_for)
        return cls(ws, open_store(ws.database_url()), system_clock(), who)

    def now(self) -> datetime:
        return self.clock()

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @property
    def limits(self) -> Limits:
        return self.ws.settings.daemon

    def reread(self) -> list[str]:
        """Read the workspace's files again; on success use them, else keep the ones in use.
        Returns the problems found, each as ``file:line: field: message``."""
        fresh = load_workspace(self.ws.root)
        if fresh.issues:
            return [str(issue) for issue in fresh.issues]
        self.ws = fresh
        return []


@dataclass
class Window:
    start: datetime
    end: datetime
    persona: str | None = None
    platform: str | None = None


def posts_by_id(ctx: Context, ids: Iterable[str]) -> list[Post]:
    wanted = list(ids)
    with ctx.session() as session:
        found = {p.id: p for p in session.exec(select(Post).where(col(Post.id).in_(wanted)))}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InfluencerError(f"no post with id {', '.join(missing)}")
    return [found[i] for i in wanted]


def posts_for(ctx: Context, persona: str, day: date | None,
              statuses: Sequence[PostStatus]) -> list[Post]:
    """A persona's live posts in the given statuses, on one local day if ``day`` is given."""
    if persona not in ctx.ws.personas:
        raise InfluencerError(f"no persona {persona!r}")
    with ctx.session() as session:
        query = select(Post).where(col(Post.persona) == persona, col(Post.mode) == PostMode.live,
                                   col(Post.status).in_(statuses)).order_by(col(Post.publish_at))
        posts = list(session.exec(query))
    return [p for p in posts if day is None or local_day(ctx, p) == day]


def local_day(ctx: Context, post: Post) -> date:
    schedule = ctx.ws.schedules.get(post.schedule)
    zone = ZoneInfo(schedule.timezone) if schedule else ZoneInfo("UTC")
    return post.slot_at.astimezone(zone).date()


def is_stale(ctx: Context, post: Post) -> bool:
    """A draft whose persona or schedule file changed since it was written."""
    if post.persona_hash is None:
        return False
    persona = ctx.ws.sources.get(f"persona:{post.persona}")
    schedule = ctx.ws.sources.get(f"schedule:{post.schedule}")
    return (persona is None or persona.sha256 != post.persona_hash
            or schedule is None or schedule.sha256 != post.schedule_hash)


def grant_for(ctx: Context, persona: str) -> Rights:
    """The model's consent in force for ``persona``: today, its persona file's ``rights``."""
    return ctx.ws.personas[persona].rights


def rights_refusal(ctx: Context, post: Post) -> Refusal | None:
    """Why the consent in force stops ``post`` on its slot's local day, or None."""
    persona = ctx.ws.personas[post.persona]
    schedule = ctx.ws.schedules.get(post.schedule)
    return rights.refusal(grant_for(ctx, post.persona), post.platform, local_day(ctx, post),
                          schedule.campaign if schedule else None,
                          persona.accounts.get(post.platform), twin=persona.id)


def grant_state(ctx: Context, persona: str) -> GrantState:
    """Where ``persona``'s grant stands today, expiring within ``[alerts] rights_warning_days``."""
    return rights.state(grant_for(ctx, persona), ctx.now().date(),
                        ctx.ws.settings.alerts.rights_warning_days)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached (not a bug, not a rule refused)."""
    from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

    from influencer.errors import IllegalTransition, StoreError

    if isinstance(exc, IllegalTransition):
        return False
    return isinstance(exc, OperationalError | InterfaceError | DisconnectionError | StoreError)


STEP_FIELDS = ("persona", "platform", "post", "status", "daemon")


def step(post: Post, status: str, detail: str = "", level: int = logging.INFO) -> None:
    """One publishing step of one post: a log line naming persona, platform, post and status
    (structured fields ``STEP_FIELDS`` for the JSON log format). Never a secret: messages come
    from our own errors."""
    fields = {"persona": post.persona, "platform": post.platform, "post": post.id, "status": status}
    text = f"{post.persona}/{post.platform} post {post.id} {status}" + (f": {detail}" if detail else "")
    log.log(level, text, extra=fields)
