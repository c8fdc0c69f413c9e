"""Settling what did not simply go out: claims whose outcome is unknown, failed posts a person
sends again, slots missed while no daemon ran.

    expired lease        publishing → unconfirmed (the claimer died; it may have been sent)
    a stopping daemon    publishing → unconfirmed (still sending at its shutdown deadline)
    resolve --published  unconfirmed → published, at the URL the person found
    resolve --not-…      unconfirmed → approved, sent again at once
    retry                failed → approved, attempts renewed, sent again at once
    missed               planned | approved → skipped, once the slot and its grace are past

Looking an unconfirmed post up on its platform is ``publish.settle``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import col, select

from influencer.errors import IllegalTransition, InfluencerError
from influencer.flow.context import Context, posts_by_id, step
from influencer.flow.limits import release_now
from influencer.flow.publish import record_published
from influencer.platforms import Published
from influencer.store import Post, PostMode, PostStatus, transition
from influencer.store.models import PublishRetry

S = PostStatus


def retry(ctx: Context, post_id: str) -> Post:
    """A failed post goes back to approved with its attempts renewed, and may go at once."""
    [post] = posts_by_id(ctx, [post_id])
    if post.status != PostStatus.failed:
        raise InfluencerError(f"post {post_id} is {post.status}; only failed posts can be retried")
    with ctx.session() as session:
        release_now(session, post.id, ctx.now(), f"retry asked by {ctx.actor}")
        return transition(session, post.id, PostStatus.approved, actor=ctx.actor, now=ctx.now(),
                          reason=f"retry asked by {ctx.actor}", changes={"attempts": 0})


def resolve(ctx: Context, post_id: str, url: str | None) -> Post:
    """A person settles an unconfirmed post: published at ``url``, or (None) not published."""
    [post] = posts_by_id(ctx, [post_id])
    if post.status != PostStatus.unconfirmed:
        raise InfluencerError(f"post {post_id} is {post.status}; only unconfirmed posts are resolved")
    with ctx.session() as session:
        if url is not None:
            found = Published(post.platform, post.id, url, url, PostMode.live, ctx.now(),
                              {"resolved_by": ctx.actor})
            return record_published(ctx, session, post, found, reason=f"resolved by {ctx.actor}")
        release_now(session, post.id, ctx.now(), f"not published, said {ctx.actor}")
        return transition(session, post.id, PostStatus.approved, actor=ctx.actor, now=ctx.now(),
                          reason=f"not published, said {ctx.actor}: it will be sent again")


def abandon_claims(ctx: Context) -> list[Post]:
    """This process's claims still sending at its shutdown deadline: unconfirmed now, not
    when their leases end."""
    moved = []
    with ctx.session() as session:
        mine = session.exec(select(Post).where(col(Post.status) == S.publishing,
                                               col(Post.claimed_by) == ctx.actor)).all()
        for post in mine:
            try:
                moved.append(transition(session, post.id, S.unconfirmed, actor=ctx.actor,
                                        now=ctx.now(), reason="the daemon stopped while sending it"))
            except IllegalTransition:
                continue
    for post in moved:
        step(post, "unconfirmed", post.reason or "", logging.WARNING)
    return moved


def skip_missed(ctx: Context) -> list[Post]:
    """Never-tried posts whose slot and grace are past: skipped with the reason, never sent late
    in a burst."""
    now = ctx.now()
    tried = select(PublishRetry.post_id)
    skipped = []
    with ctx.session() as session:
        overdue = session.exec(select(Post).where(
            col(Post.mode) == PostMode.live, col(Post.status).in_([S.planned, S.approved]),
            col(Post.publish_at) <= now, col(Post.attempts) == 0,
            col(Post.id).not_in(tried))).all()
        for post in overdue:
            schedule = ctx.ws.schedules.get(post.schedule)
            grace = schedule.grace if schedule else 0
            if now <= post.publish_at + timedelta(seconds=grace):
                continue
            reason = (f"missed: its time {post.publish_at:%Y-%m-%d %H:%M:%S} UTC and the "
                      f"schedule's grace of {grace} s passed while no daemon was publishing")
            try:
                moved = transition(session, post.id, S.skipped, actor=ctx.actor, now=now,
                                   reason=reason)
            except IllegalTransition:
                continue  # another daemon claimed or skipped it meanwhile
            step(moved, "skipped", reason, logging.WARNING)
            skipped.append(moved)
    return skipped
