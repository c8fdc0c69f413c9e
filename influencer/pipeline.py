"""Plan, draft, label, approve and publish posts: orchestration only.

A slot becomes one post row; a draft is made once, stored, and later read back, so what a
manager previewed is what is published. Drafting itself (images and captions) is in
``drafting.py``; the status machine is in ``store/``; the disclosure step in ``disclosure.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from influencer.clock import Clock, system_clock
from influencer.config import Workspace, open_workspace
from influencer.errors import InfluencerError
from influencer.planning import Excluded, Slot, plan
from influencer.store import Post, PostStatus, cli_actor, open_store, transition
from influencer.store.models import Publication

INACTIVE = (PostStatus.skipped, PostStatus.cancelled)


@dataclass
class Context:
    """What every pipeline step needs: the workspace, the database, the clock, who acts."""

    ws: Workspace
    engine: Engine
    clock: Clock
    actor: str

    @classmethod
    def open(cls, workspace: str | None = None, actor: str | None = None) -> Context:
        ws = open_workspace(workspace)
        return cls(ws, open_store(ws.database_url()), system_clock(), actor or cli_actor())

    def now(self) -> datetime:
        return self.clock()

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


@dataclass
class Window:
    start: datetime
    end: datetime
    persona: str | None = None
    platform: str | None = None


@dataclass
class Planned:
    posts: list[Post]
    excluded: list[Excluded] = field(default_factory=list)


def source_hash(ctx: Context, kind: str, ident: str) -> str:
    return ctx.ws.sources[f"{kind}:{ident}"].sha256


def plan_window(ctx: Context, window: Window) -> tuple[list[Slot], list[Excluded]]:
    slots: list[Slot] = []
    excluded: list[Excluded] = []
    for schedule in ctx.ws.schedules.values():
        if window.persona and schedule.persona != window.persona:
            continue
        persona = ctx.ws.personas[schedule.persona]
        result = plan(schedule, persona, window.start, window.end)
        slots += [s for s in result.slots if not window.platform or s.platform == window.platform]
        excluded += [e for e in result.excluded
                     if not window.platform or e.platform == window.platform]
    slots.sort()
    return slots, excluded


def materialise(ctx: Context, window: Window) -> Planned:
    """The window's posts: existing rows reused, a planned row created for each new slot."""
    slots, excluded = plan_window(ctx, window)
    with ctx.session() as session:
        existing = _existing(session, slots)
        posts: list[Post] = []
        for slot in slots:
            post = existing.get((slot.schedule, slot.platform, slot.slot_at))
            if post is None:
                refusal = _over_daily_limit(ctx, session, slot, posts)
                if refusal:
                    excluded.append(Excluded(slot.schedule, slot.platform, slot.slot_at, refusal))
                    continue
                post = slot_post(ctx, slot)
            posts.append(post)
    return Planned(posts, excluded)


def _existing(session: Session, slots: Sequence[Slot]) -> dict[tuple[str, str, datetime], Post]:
    if not slots:
        return {}
    query = select(Post).where(col(Post.mode) == "live", col(Post.kind) == "slot",
                               col(Post.slot_at) >= slots[0].slot_at - timedelta(days=1),
                               col(Post.slot_at) <= max(s.slot_at for s in slots),
                               col(Post.schedule).in_({s.schedule for s in slots}))
    return {(p.schedule, p.platform, p.slot_at): p for p in session.exec(query)}


def _over_daily_limit(ctx: Context, session: Session, slot: Slot, taken: list[Post]) -> str | None:
    schedule = ctx.ws.schedules[slot.schedule]
    if schedule.max_per_day is None:
        return None
    zone = ZoneInfo(schedule.timezone)
    day_start = datetime.combine(slot.local_day, datetime.min.time(), zone)
    day_end = day_start + timedelta(days=1)
    count = session.exec(select(func.count()).select_from(Post).where(
        col(Post.schedule) == slot.schedule, col(Post.platform) == slot.platform,
        col(Post.mode) == "live", col(Post.status).not_in(INACTIVE),
        col(Post.slot_at) >= day_start, col(Post.slot_at) < day_end)).one()
    if count >= schedule.max_per_day:
        return f"max_per_day {schedule.max_per_day} reached on {slot.local_day}"
    return None


def slot_post(ctx: Context, slot: Slot, mode: str = "live", kind: str = "slot") -> Post:
    """The post of this slot identity (schedule, platform, slot time, mode, kind), created
    planned if new; when it exists (another process made it, or an identical ``post --now``
    ran in the same second), the existing one. Its own transaction, so that losing the race
    rolls back nothing of the caller's."""
    identity = (col(Post.schedule) == slot.schedule, col(Post.platform) == slot.platform,
                col(Post.slot_at) == slot.slot_at, col(Post.mode) == mode, col(Post.kind) == kind)
    post = Post(persona=slot.persona, schedule=slot.schedule, platform=slot.platform,
                slot_at=slot.slot_at, publish_at=slot.publish_at, mode=mode, kind=kind,
                status=PostStatus.planned, created_at=ctx.now(), updated_at=ctx.now())
    with ctx.session() as session:
        session.add(post)
        try:
            session.commit()
        except IntegrityError:  # the unique slot key: made already, or by a concurrent process
            session.rollback()
            return session.exec(select(Post).where(*identity)).one()
    return post


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
        query = select(Post).where(col(Post.persona) == persona, col(Post.mode) == "live",
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


def approve(ctx: Context, posts: Sequence[Post]) -> list[Post]:
    """A person signs off drafted (or held) posts; stale drafts must be redrafted first."""
    done = []
    with ctx.session() as session:
        for post in posts:
            if is_stale(ctx, post):
                raise InfluencerError(f"post {post.id} is stale (its persona or schedule changed): "
                                      f"redraft it before approving")
            done.append(transition(session, post.id, PostStatus.approved, actor=ctx.actor,
                                   now=ctx.now(), changes={"approved_by": ctx.actor,
                                                           "approved_at": ctx.now()}))
    return done


def reject(ctx: Context, post: Post, reason: str) -> Post:
    with ctx.session() as session:
        return transition(session, post.id, PostStatus.skipped, actor=ctx.actor,
                          reason=f"rejected: {reason}", now=ctx.now())


def settle_unapproved(ctx: Context) -> list[Post]:
    """Hold drafts still unapproved at their slot; skip them once the grace period is over."""
    now = ctx.now()
    changed = []
    with ctx.session() as session:
        query = select(Post).where(col(Post.mode) == "live",
                                   col(Post.status).in_([PostStatus.drafted, PostStatus.held]),
                                   col(Post.publish_at) <= now)
        for post in list(session.exec(query)):
            schedule = ctx.ws.schedules.get(post.schedule)
            grace = timedelta(seconds=schedule.grace if schedule else 0)
            if now > post.publish_at + grace:
                changed.append(transition(session, post.id, PostStatus.skipped, actor=ctx.actor,
                                          now=now, reason="not approved before its grace period ended"))
            elif post.status == PostStatus.drafted:
                changed.append(transition(session, post.id, PostStatus.held, actor=ctx.actor,
                                          now=now, reason="not approved by its slot time"))
    return changed


def dry_publication(ctx: Context, post_id: str) -> Publication | None:
    with ctx.session() as session:
        return session.exec(select(Publication).where(col(Publication.post_id) == post_id,
                                                      col(Publication.mode) == "dry")).first()
