"""Settling what did not simply go out: unknown outcomes, claims a stopping daemon did not
send, failed posts a person sends again, slots missed while no daemon ran.

    lookup finds it once   unconfirmed → published (its platform id settles no other post)
    lookup finds nothing   stays unconfirmed, looked up again every ``settle_every``; sent again
                           only where the platform refuses a second copy (``resend_safe_for``)
                           or shows the post was not made; after ``settle_within`` a person is
                           alerted with the candidates found
    expired lease          publishing → unconfirmed (the claimer died; it may have been sent)
    a stopping daemon      publishing → unconfirmed (still sending at its shutdown deadline),
                           or → approved when it was claimed but never handed to a sender
    resolve --published    unconfirmed → published, at the URL the person found
    resolve --not-…        unconfirmed → approved, sent again at once
    retry                  failed → approved, attempts renewed, sent again at once
    missed                 planned | approved → skipped, once the slot and its grace are past

A lookup matches only this account's posts made since the post was first claimed, with the same
text and number of images (and the same record key where the platform keeps one).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select as rows_of
from sqlmodel import col, select

from influencer.errors import IllegalTransition, InfluencerError
from influencer.flow.accounts import adapter_for
from influencer.flow.context import Context, log, posts_by_id, step
from influencer.flow.draft import labelled
from influencer.flow.limits import backoff, release_now, wait_for_retry
from influencer.flow.outcome import AlreadySettled, record_published
from influencer.platforms import Lookup, Published
from influencer.store import Move, Post, PostMode, PostStatus, apply_moves, transition
from influencer.store.models import PublishRetry

S = PostStatus
CLOCK_SKEW = timedelta(minutes=2)  # a platform's clock may run this far behind ours


def settle(ctx: Context, post: Post) -> Post | None:
    """Look an unconfirmed post up on its platform: published when exactly one new match is
    found, sent again only where that cannot make a second copy; else it stays unconfirmed."""
    now = ctx.now()
    try:
        adapter = adapter_for(ctx, post, dry_run=False)
        if not adapter.finds_published:
            return _looked(ctx, post, "cannot be looked up on this platform; a person must resolve it")
        adapter.progress = dict(post.progress)
        since = (post.first_claimed_at or post.updated_at) - CLOCK_SKEW
        lookup = adapter.find_published(labelled(ctx, post), since)
    except InfluencerError as exc:
        return _looked(ctx, post, f"lookup failed: {exc}", logging.WARNING)
    if len(lookup.matches) == 1:
        return _settled(ctx, post, lookup.matches[0], adapter.progress)
    if lookup.matches:
        return _looked(ctx, post, "several posts match: " + _candidates(lookup), logging.WARNING,
                       candidates=lookup)
    if lookup.proven_absent or _resend_safe(adapter.resend_safe_for, post, now):
        return _send_again(ctx, post, "the platform shows it was not made" if lookup.proven_absent else
                           f"{post.platform} refuses a second copy of it, so it is sent again")
    return _looked(ctx, post, "not found among the account's posts since its claim")


def _resend_safe(window: timedelta | None, post: Post, now: datetime) -> bool:
    claimed = post.first_claimed_at
    return window is not None and claimed is not None and (window == timedelta.max or now - claimed < window)


def _settled(ctx: Context, post: Post, found: Published, progress: dict[str, object]) -> Post | None:
    try:
        with ctx.session() as session:
            done = record_published(ctx, session, post, found, progress=dict(progress),
                                    reason="settled: found on the platform by lookup")
    except AlreadySettled as exc:
        return _looked(ctx, post, f"the only match, {exc}; a person must resolve it", logging.WARNING)
    step(done, "published", f"settled by lookup: {found.url or found.platform_id}")
    return done


def _send_again(ctx: Context, post: Post, why: str) -> Post | None:
    """Back to approved to be sent again after the usual backoff; failed once the attempts are
    spent (the platform shows no post, so a person may retry it)."""
    now, limits = ctx.now(), ctx.limits
    last = post.last_error or post.reason or "no answer"
    if post.attempts >= limits.attempts:
        with ctx.session() as session:
            moved = transition(session, post.id, S.failed, actor=ctx.actor, now=now,
                               reason=f"gave up after {post.attempts} attempts: {last}",
                               changes={"looked_up_at": now, "lease_until": None})
        step(moved, "failed", moved.reason or "", logging.WARNING)
        return None
    wait = backoff(post.attempts, limits.backoff_base, limits.backoff_cap)
    with ctx.session() as session:
        wait_for_retry(session, post.id, now + timedelta(seconds=wait), last)
        moved = transition(session, post.id, S.approved, actor=ctx.actor, now=now,
                           reason=f"not found: {why}, in {wait:.0f} s (attempt {post.attempts} of "
                                  f"{limits.attempts}: {last})",
                           changes={"looked_up_at": now, "lease_until": None})
    step(moved, "resending", moved.reason or "", logging.WARNING)
    return None


def _looked(ctx: Context, post: Post, what: str, level: int = logging.INFO,
            candidates: Lookup | None = None) -> Post | None:
    """Record the lookup (and the candidates, for the person who will decide); no status change."""
    with ctx.session() as session:
        row = session.get(Post, post.id)
        if row is not None and row.status == S.unconfirmed:
            row.looked_up_at, row.last_error = ctx.now(), what
            if candidates is not None:
                row.progress = {**row.progress, "candidates": [m.url or m.platform_id
                                                                for m in candidates.matches]}
            session.add(row)
            session.commit()
    step(post, "not-settled", what, level)
    return None


def _candidates(lookup: Lookup) -> str:
    return ", ".join(m.url or m.platform_id for m in lookup.matches)


def settle_unconfirmed(ctx: Context) -> list[Post]:
    """Look every unconfirmed post up again once ``settle_every`` has passed since the last time;
    return those still unconfirmed ``settle_within`` after their first claim (a person must act)."""
    now, limits = ctx.now(), ctx.limits
    with ctx.session() as session:
        waiting = session.exec(select(Post).where(col(Post.status) == S.unconfirmed,
                                                  col(Post.mode) == PostMode.live)).all()
    overdue = []
    for post in waiting:
        claimed = post.first_claimed_at or post.updated_at
        if now - claimed > timedelta(seconds=limits.settle_within):
            overdue.append(post)
        elif post.looked_up_at is None or now - post.looked_up_at >= timedelta(seconds=limits.settle_every):
            settle(ctx, post)
    return overdue


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


@dataclass(frozen=True)
class Missed:
    """A post skipped because its time and grace passed while no daemon was publishing."""

    id: str  # the post's
    persona: str
    platform: str
    schedule: str
    publish_at: datetime
    reason: str


def skip_missed(ctx: Context) -> list[Missed]:
    """Never-tried posts whose slot and grace are past: skipped with the reason, never sent late
    in a burst. Set-based: one transaction, one UPDATE per status and reason (a reason per
    grace) and 500 posts, the audit trail complete, so a week of a per-minute schedule is
    caught up in seconds (``bench/bench_catchup.py``)."""
    now = ctx.now()
    tried = select(PublishRetry.post_id)
    with ctx.session() as session:
        overdue = session.execute(
            rows_of(col(Post.id), col(Post.persona), col(Post.platform), col(Post.schedule),
                    col(Post.publish_at), col(Post.status))
            .where(col(Post.mode) == PostMode.live, col(Post.status).in_([S.planned, S.approved]),
                   col(Post.publish_at) <= now, col(Post.attempts) == 0,
                   col(Post.id).not_in(tried))).all()
        missed: list[Missed] = []
        moves: list[Move] = []
        for post_id, persona, platform, schedule_id, publish_at, status in overdue:
            schedule = ctx.ws.schedules.get(schedule_id)
            grace = schedule.grace if schedule else 0
            if now <= publish_at + timedelta(seconds=grace):
                continue
            reason = (f"missed: its time and the schedule's grace of {grace} s passed while no "
                      "daemon was publishing")
            missed.append(Missed(post_id, persona, platform, schedule_id, publish_at, reason))
            moves.append(Move(post_id, status, S.skipped, reason))
        moved = set(apply_moves(session, moves, actor=ctx.actor, now=now,
                                where=col(Post.attempts) == 0))
        session.commit()
    skipped = [m for m in missed if m.id in moved]
    _say_skipped(skipped)
    return skipped


SAID_ONE_BY_ONE = 5  # more missed slots of one schedule and platform than this: one line for all


def _say_skipped(skipped: list[Missed]) -> None:
    groups: dict[tuple[str, str], list[Missed]] = {}
    for post in sorted(skipped, key=lambda p: p.publish_at):
        groups.setdefault((post.schedule, post.platform), []).append(post)
    for (_, platform), posts in groups.items():
        if len(posts) <= SAID_ONE_BY_ONE:
            for post in posts:
                step(post, "skipped", f"missed: its time {post.publish_at:%Y-%m-%d %H:%M:%S} UTC "
                     f"and {str(post.reason).removeprefix('missed: its time and ')}",
                     logging.WARNING)
            continue
        first, last = posts[0].publish_at, posts[-1].publish_at
        log.warning("%s on %s: %d missed slots skipped, %s to %s UTC — %s", posts[0].persona,
                    platform, len(posts), f"{first:%Y-%m-%d %H:%M}", f"{last:%Y-%m-%d %H:%M}",
                    str(posts[0].reason).removeprefix("missed: its time and "))
