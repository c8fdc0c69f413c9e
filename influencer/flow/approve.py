"""Approval: a person signs off drafts, rejects them (the reason and the rejected images are
kept for the redraft); drafts still unapproved at their slot are held, then skipped once the
grace has passed. Edits are in ``influencer.flow.edit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlmodel import col, select

from influencer.errors import InfluencerError
from influencer.flow.context import (
    Context,
    is_stale,
    posts_by_id,
    posts_for,
    rights_refusal,
    short_id,
)
from influencer.flow.draft import REJECTED, redraft
from influencer.flow.edit import Edit, edit_post
from influencer.store import Post, PostKind, PostMode, PostStatus, transition

MANUAL_WAIT = timedelta(days=1)  # how long a post made now waits for a person's approval
QUEUE_STATUSES = (PostStatus.planned, PostStatus.drafted, PostStatus.held, PostStatus.approved,
                  PostStatus.failed, PostStatus.unconfirmed)


def queue(ctx: Context, unconfirmed_only: bool = False) -> list[Post]:
    """Posts waiting for something: approval, a person's decision, or their slot. A listing
    changes nothing (drafts past their time are held by the daemon, not by looking at them)."""
    statuses = (PostStatus.unconfirmed,) if unconfirmed_only else QUEUE_STATUSES
    with ctx.session() as session:
        return list(session.exec(select(Post).where(col(Post.mode) == PostMode.live,
                                                    col(Post.status).in_(statuses))
                                 .order_by(col(Post.publish_at))).all())


def select_posts(ctx: Context, ids: Sequence[str], persona: str | None, day: date | None,
                 statuses: Sequence[PostStatus]) -> list[Post]:
    if ids and persona:
        raise InfluencerError("give post ids or --persona, not both")
    if ids:
        return posts_by_id(ctx, ids)
    if persona:
        return posts_for(ctx, persona, day, statuses)
    raise InfluencerError("give post ids, or --persona (and --day)")


def approve(ctx: Context, posts: Sequence[Post]) -> list[Post]:
    """A person signs off drafted (or held) posts; stale drafts must be redrafted first. A post
    made by ``post --now`` goes out when it is approved: its time becomes the approval's."""
    done = []
    now = ctx.now()
    with ctx.session() as session:
        for post in posts:
            refused = approval_refusal(ctx, post)
            if refused:
                raise InfluencerError(f"post {short_id(post.id)} cannot be approved: {refused}")
            changes: dict[str, object] = {"approved_by": ctx.actor, "approved_at": now}
            if post.kind == PostKind.manual and post.publish_at < now:
                changes["publish_at"] = now
            done.append(transition(session, post.id, PostStatus.approved, actor=ctx.actor,
                                   now=now, changes=changes))
    return done


APPROVABLE = (PostStatus.drafted, PostStatus.held)


def approval_refusal(ctx: Context, post: Post) -> str | None:
    """Why a person may not approve ``post`` now, in words that say what to do instead."""
    sid = short_id(post.id)
    if post.status == PostStatus.approved:
        return f"it is already approved (by {post.approved_by or 'the schedule'})"
    if post.status == PostStatus.planned:
        return f"it has no draft yet{_because(post.last_error)}; draft it: influencer redraft {sid}"
    if post.status == PostStatus.skipped:
        return f"it was skipped ({post.reason or 'no reason recorded'}); to use the slot, redraft " \
               f"it (influencer redraft {sid}) and approve the new draft"
    if post.status not in APPROVABLE:
        return f"it is {post.status}{_because(post.reason)}"
    refusal = rights_refusal(ctx, post)
    if refusal:
        return f"blocked by rights: {refusal}; it cannot go out"
    if is_stale(ctx, post):
        return f"it is stale (what it was drafted from changed): redraft it (influencer redraft " \
               f"{sid}) and approve the new draft"
    return None


def _because(reason: str | None) -> str:
    return f" ({reason})" if reason else ""


def reject(ctx: Context, post: Post, reason: str) -> Post:
    """Skip the post with the person's reason; the audit event keeps the caption and the images
    rejected, so a redraft of the slot is told why and never picks those images again."""
    with ctx.session() as session:
        return transition(session, post.id, PostStatus.skipped, actor=ctx.actor,
                          reason=f"{REJECTED}{reason}", now=ctx.now(),
                          note={"rejected_text": post.body,
                                "rejected_images": [i.source_sha256 for i in post.images]})


def settle_unapproved(ctx: Context) -> list[Post]:
    """Hold drafts still unapproved at their slot; skip them once the grace period is over.
    A ``post --now`` draft waits for its approval up to ``MANUAL_WAIT``, then is skipped."""
    now = ctx.now()
    changed = []
    with ctx.session() as session:
        query = select(Post).where(col(Post.mode) == PostMode.live,
                                   col(Post.status).in_([PostStatus.drafted, PostStatus.held]),
                                   col(Post.publish_at) <= now)
        for post in list(session.exec(query)):
            if post.kind == PostKind.manual:  # made now by a person: it waits for approval
                if now > post.publish_at + MANUAL_WAIT:
                    changed.append(transition(session, post.id, PostStatus.skipped,
                                              actor=ctx.actor, now=now,
                                              reason="post --now: not approved within a day"))
                continue
            schedule = ctx.ws.schedules.get(post.schedule)
            grace = timedelta(seconds=schedule.grace if schedule else 0)
            if now > post.publish_at + grace:
                changed.append(transition(session, post.id, PostStatus.skipped, actor=ctx.actor,
                                          now=now, reason="not approved before its grace period ended"))
            elif post.status == PostStatus.drafted:
                changed.append(transition(session, post.id, PostStatus.held, actor=ctx.actor,
                                          now=now, reason="not approved by its slot time"))
    return changed


def reject_and_redraft(ctx: Context, post: Post, reason: str) -> int:
    reject(ctx, post, reason)
    return redraft(ctx, posts_by_id(ctx, [post.id]))


def edit_caption(ctx: Context, post: Post, caption: str) -> Post:
    """A person's new caption (see ``influencer.flow.edit``)."""
    return edit_post(ctx, post, Edit(caption=caption))
