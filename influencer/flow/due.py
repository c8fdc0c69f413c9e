"""What is due now, for a daemon's pass: slots to draft (within their lead time, no draft yet)
and, in a dry run, approved posts to rehearse into the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, select

from influencer.errors import InfluencerError
from influencer.flow.context import Context, Window
from influencer.flow.plan import SlotPost, materialise
from influencer.flow.publish import publish_dry
from influencer.platforms import Published
from influencer.store import Post, PostMode, PostStatus, Publication

LOOKBACK = timedelta(days=1)  # missed slots this far back are recorded as skipped
REDRAFT = timedelta(minutes=5)  # a slot whose drafting failed is tried again after this


def drafts_due(ctx: Context) -> list[SlotPost]:
    """Planned posts within their schedule's lead time and grace, not drafted yet (nor failed
    to draft in the last ``REDRAFT``)."""
    schedules = ctx.ws.schedules.values()
    if not schedules:
        return []
    now = ctx.now()
    lead = max(s.lead_time for s in schedules)
    # Slots of the look-back past their grace are left to ``maintain`` (live runs only), which
    # skips them with the reason: a dry run with any clock changes no existing post.
    planned = materialise(ctx, Window(now - LOOKBACK, now + timedelta(seconds=lead + 60))).posts
    due = []
    for post in planned:
        schedule = ctx.ws.schedules[post.schedule]
        if (post.status == PostStatus.planned
                and (not post.last_error or post.updated_at < now - REDRAFT)
                and post.slot_at - timedelta(seconds=schedule.lead_time) <= now
                and now <= post.publish_at + timedelta(seconds=schedule.grace)):
            due.append(post)
    return due


@dataclass(frozen=True)
class Rehearsed:
    post: Post
    published: Published | None
    error: str | None = None


def rehearse_due(ctx: Context) -> list[Rehearsed]:
    """Dry run: approved posts whose time has come (within the longest grace) and that have no
    dry publication yet go to the outbox; no live status changes."""
    now = ctx.now()
    grace = max((s.grace for s in ctx.ws.schedules.values()), default=0)
    done = select(Publication.post_id).where(col(Publication.mode) == PostMode.dry)
    with ctx.session() as session:
        due = session.exec(select(Post).where(
            col(Post.mode) == PostMode.live, col(Post.status) == PostStatus.approved,
            col(Post.publish_at) <= now, col(Post.publish_at) >= now - timedelta(seconds=grace),
            col(Post.id).not_in(done))).all()
    results = []
    for post in due:
        try:
            results.append(Rehearsed(post, publish_dry(ctx, post)))
        except InfluencerError as exc:
            results.append(Rehearsed(post, None, str(exc)))
    return results
