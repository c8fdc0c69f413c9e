"""Publishing: one path for every post that goes out live, whoever asks.

The daemon claims due posts (``claim.py``) and sends each with ``send_claimed``;
``influencer post --now`` makes its posts and sends them with ``publish_approved``, which claims
that one post through the same claim and sends it through the same ``send_claimed``. So both
take a lease, respect pauses and the account's budget, retry the same way and write the same
audit. What a send ends in, committed right after the platform answered:

    rights revoked or expired       publishing → skipped
    draft stale or relabels wrong   publishing → held
    Published                       publishing → published (+ publication row, one commit)
    RetryableError                  publishing → approved, waiting in publish_retry; or failed
                                    once the configured attempts are spent
    PermanentError, refused before  publishing → failed with the platform's message
    UnknownOutcome, anything else   publishing → unconfirmed, then settled by lookup (``settle``):
                                    published when found, sent again only where the platform
                                    refuses a second copy; never sent again blindly

Dry runs go to the outbox instead (``publish_dry``) and record a dry publication of their own:
the post's live status is untouched, and repeating one changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from influencer.errors import InfluencerError, PlatformError, RetryableError, UnknownOutcome
from influencer.flow.accounts import adapter_for
from influencer.flow.claim import claim
from influencer.flow.context import Context, Limits, log, posts_by_id, rights_refusal, step
from influencer.flow.draft import draft_posts, labelled
from influencer.flow.outcome import AlreadySettled, move, record_published, retry_later
from influencer.flow.plan import Slot, slot_post
from influencer.flow.settle import settle
from influencer.platforms import Published
from influencer.store import Post, PostKind, PostMode, PostStatus, Publication, audit, transition

S = PostStatus


@dataclass(frozen=True)
class Sent:
    post: Post
    seconds: float  # time spent in the platform call (0 when it was not made)
    published: Published | None = None  # where it went, when it went


@dataclass(frozen=True)
class Outcome:
    post: Post
    held_back: str | None = None  # why it was not sent now: paused, a limit of its account
    published: Published | None = None  # where it went (the platform, or the outbox), if it did


def send_claimed(ctx: Context, post: Post, limits: Limits) -> Sent:
    """Publish one post this process claimed; the outcome is committed before returning."""
    refusal = rights_refusal(ctx, post)
    if refusal:
        return Sent(move(ctx, post, S.skipped, str(refusal)), 0.0)
    try:
        ready = labelled(ctx, post)
        adapter = adapter_for(ctx, post, dry_run=False)
    except InfluencerError as exc:
        return Sent(move(ctx, post, S.held, str(exc)), 0.0)
    adapter.progress = dict(post.progress)
    step(post, "sending", f"attempt {post.attempts}")
    started = time.perf_counter()
    try:
        published = adapter.publish(ready)
    except RetryableError as exc:
        kept = {"progress": adapter.progress}
        return Sent(retry_later(ctx, post, exc, limits, kept), time.perf_counter() - started)
    except UnknownOutcome as exc:
        return Sent(_unknown(ctx, post, str(exc), adapter.progress), time.perf_counter() - started)
    except (PlatformError, InfluencerError) as exc:  # refused, or stopped before sending
        kept = {"progress": adapter.progress}
        return Sent(move(ctx, post, S.failed, str(exc), kept), time.perf_counter() - started)
    except Exception as exc:  # an adapter bug: whether it sent is unknown, so do not resend
        log.exception("adapter error on post %s", post.id)
        return Sent(_unknown(ctx, post, f"unexpected error: {type(exc).__name__}: {exc}", adapter.progress),
                    time.perf_counter() - started)
    seconds = time.perf_counter() - started
    try:
        with ctx.session() as session:
            done = record_published(ctx, session, post, published, progress=adapter.progress)
    except AlreadySettled as exc:  # the platform answered with an id another post holds
        return Sent(_unknown(ctx, post, f"published as {exc}", adapter.progress), seconds)
    step(done, "published", published.url or published.platform_id)
    return Sent(done, seconds, published)


def publish_approved(ctx: Context, post: Post) -> Outcome:
    """Claim this one approved post and send it now, through the daemon's own path: the same
    pause and budget checks, lease, retries and audit (``post --now``)."""
    claimed = claim(ctx, post.persona, post.platform, 1, ctx.limits, only=[post.id])
    if not claimed.posts:  # as it is now: the claim may have refused it (consent), or others moved it
        [now] = posts_by_id(ctx, [post.id])
        why = (f"post {post.id} is {now.status}: {now.reason}" if now.status != S.approved
               else f"post {post.id} is not due")
        return Outcome(now, claimed.held_back or why)
    [mine] = claimed.posts
    step(mine, "claimed", f"lease until {mine.lease_until:%H:%M:%S}")
    sent = send_claimed(ctx, mine, ctx.limits)
    return Outcome(sent.post, published=sent.published)


def post_now(ctx: Context, schedule_id: str, dry_run: bool, approve: bool = False) -> list[Outcome]:
    """One post per platform of the schedule, now, through the one publish path.

    Each is a ``manual`` post whose slot is this second: it never takes a planned slot's
    identity, and repeating the command within the same second finds the same posts instead of
    making more. Approval is the schedule's: under ``approval: auto`` the drafting approves it
    and it goes out; under ``approval: required`` it stays drafted, waiting for a person, unless
    ``approve``, which approves it as ``ctx.actor`` (a person the caller named). A dry run makes
    posts of mode ``dry`` that the daemon never publishes live, under the same rule.
    """
    schedule = ctx.ws.schedules.get(schedule_id)
    if schedule is None:
        raise InfluencerError(f"no schedule {schedule_id!r}; see: influencer schedules")
    moment = ctx.now().replace(microsecond=0)
    day = moment.astimezone(ZoneInfo(schedule.timezone)).date()
    mode = PostMode.dry if dry_run else PostMode.live
    made = [slot_post(ctx, Slot(moment, moment, schedule.id, platform, schedule.persona, day),
                      mode=mode, kind=PostKind.manual) for platform in schedule.platforms]
    draft_posts(ctx, [p.id for p in made if p.status == PostStatus.planned])
    return [_publish_now(ctx, post, dry_run, approve)
            for post in posts_by_id(ctx, [p.id for p in made])]


def waiting_for_approval(outcome: Outcome) -> bool:
    """A ``post --now`` post left drafted: its schedule requires a person's approval."""
    return outcome.post.status == PostStatus.drafted


def _publish_now(ctx: Context, post: Post, dry_run: bool, approve: bool) -> Outcome:
    if post.status == PostStatus.drafted and approve:
        with ctx.session() as session:
            post = transition(session, post.id, PostStatus.approved, actor=ctx.actor,
                              now=ctx.now(), reason="approved with post --now --approve",
                              changes={"approved_by": ctx.actor, "approved_at": ctx.now()})
    if post.status != PostStatus.approved:
        return Outcome(post)  # waiting for approval, held, skipped, or sent by an identical run
    if dry_run:
        return Outcome(post, published=publish_dry(ctx, post))
    return publish_approved(ctx, post)


def publish_dry(ctx: Context, post: Post) -> Published:
    """Publish to the outbox as a dry run: the post's own status does not change."""
    published = adapter_for(ctx, post, dry_run=True).publish(labelled(ctx, post))
    with ctx.session() as session:
        row = session.exec(select(Publication).where(col(Publication.post_id) == post.id,
                                                     col(Publication.mode) == PostMode.dry)).first()
        row = row or Publication(post_id=post.id, mode=PostMode.dry, platform=post.platform)
        row.platform_id, row.url, row.published_at = published.platform_id, published.url, ctx.now()
        row.detail = published.detail
        session.add(row)
        audit.append(session, [audit.event(twin=post.persona, at=ctx.now(), post_id=post.id,
                                           actor=ctx.actor, action="dry-publish",
                                           detail={"folder": published.detail.get("folder")})])
        session.commit()
    return published


def publish_window_dry(ctx: Context, posts: Iterable[Post]) -> int:
    """Dry-publish every drafted post of a window to the outbox; return how many went."""
    count = 0
    for post in posts:
        if post.text and post.status in (PostStatus.drafted, PostStatus.approved):
            publish_dry(ctx, post)
            count += 1
    return count


def _unknown(ctx: Context, post: Post, reason: str, progress: dict[str, Any]) -> Post:
    moved = move(ctx, post, S.unconfirmed, reason, {"progress": progress})
    return settle(ctx, moved) or moved
