"""Approval: a person signs off drafts, rejects them, edits their captions; drafts still
unapproved at their slot are held, then skipped once the grace has passed.

An edited caption goes through the persona's rules, the platform's limit and the disclosure
step like any other; the label cannot be removed, and an approved post goes back to drafted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlmodel import col, select

from influencer.captions import Caption, CaptionRequest
from influencer.captions.fitting import compose, fits, length_of
from influencer.captions.safety import rule_violations
from influencer.config import platform_spec
from influencer.errors import InfluencerError
from influencer.flow.context import Context, is_stale, posts_by_id, posts_for
from influencer.flow.draft import labelled, redraft
from influencer.store import Post, PostKind, PostMode, PostStatus, transition

MANUAL_WAIT = timedelta(days=1)  # how long a post made now waits for a person's approval
QUEUE_STATUSES = (PostStatus.planned, PostStatus.drafted, PostStatus.held, PostStatus.approved,
                  PostStatus.failed, PostStatus.unconfirmed)


def queue(ctx: Context, unconfirmed_only: bool = False) -> list[Post]:
    """Posts waiting for something: approval, a person's decision, or their slot."""
    settle_unapproved(ctx)
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
            if is_stale(ctx, post):
                raise InfluencerError(f"post {post.id} is stale (its persona or schedule changed): "
                                      f"redraft it before approving")
            changes: dict[str, object] = {"approved_by": ctx.actor, "approved_at": now}
            if post.kind == PostKind.manual and post.publish_at < now:
                changes["publish_at"] = now
            done.append(transition(session, post.id, PostStatus.approved, actor=ctx.actor,
                                   now=now, changes=changes))
    return done


def reject(ctx: Context, post: Post, reason: str) -> Post:
    with ctx.session() as session:
        return transition(session, post.id, PostStatus.skipped, actor=ctx.actor,
                          reason=f"rejected: {reason}", now=ctx.now())


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
    with ctx.session() as session:
        transition(session, post.id, PostStatus.skipped, actor=ctx.actor, now=ctx.now(),
                   reason=f"rejected: {reason}")
    return redraft(ctx, posts_by_id(ctx, [post.id]))


def edit_caption(ctx: Context, post: Post, body: str) -> Post:
    """A person's new caption body: fitted, checked and labelled like any other, never unlabelled."""
    if post.status not in (PostStatus.drafted, PostStatus.approved, PostStatus.held):
        raise InfluencerError(f"post {post.id} is {post.status}; only drafted, approved or held "
                              "posts can be edited")
    persona = ctx.ws.personas[post.persona]
    label = persona.disclosure.label_for(persona.voice.language)
    body = body.strip().removeprefix(label).strip()  # the label is added back, never doubled
    if not body:
        raise InfluencerError("the new caption is empty")
    request = CaptionRequest(persona=persona, platform=platform_spec(post.platform),
                             slot_key=post.id, campaign=ctx.ws.schedules[post.schedule].campaign)
    caption = Caption(body, tuple(post.hashtags), post.images[0].alt if post.images else "",
                      "person", ctx.actor, "")
    problems = rule_violations(caption, request)
    if problems:
        raise InfluencerError(f"post {post.id}: the new caption breaks the persona's rules: "
                              + "; ".join(problems))
    if not fits(caption, request):
        raise InfluencerError(f"post {post.id}: the new caption is {length_of(caption, request)} "
                              f"long with its label and hashtags; {post.platform} allows "
                              f"{request.limit}")
    edited = replace_body(ctx, post, body)
    with ctx.session() as session:
        return transition(session, post.id, PostStatus.drafted, actor=ctx.actor, now=ctx.now(),
                          reason="caption edited", changes=edited,
                          note={"old_text": post.text, "new_text": edited["text"]})


def replace_body(ctx: Context, post: Post, body: str) -> dict[str, object]:
    """The stored fields after changing the body: labelled again by the disclosure step."""
    trial = post.model_copy(update={"body": body, "writer": "person"})
    ready = labelled(ctx, trial.model_copy(update={"text": _composed(ctx, trial)}))
    return {"body": body, "text": ready.text, "writer": "person", "model": ctx.actor,
            "alt_texts": ready.alt_texts}


def _composed(ctx: Context, post: Post) -> str:
    persona = ctx.ws.personas[post.persona]
    schedule = ctx.ws.schedules[post.schedule]
    return compose(post.body or "", post.hashtags, persona.disclosure.label_for(persona.voice.language),
                   persona.disclosure.position, schedule.campaign.paid)
