"""Sending one claimed post and recording what happened, right after it happened.

    rights revoked or expired       publishing → skipped
    draft stale or relabels wrong   publishing → held
    Published                       publishing → published (+ publication row, one commit)
    RetryableError                  publishing → approved, waiting in publish_retry; or failed
                                    once the configured attempts are spent
    PermanentError, refused before  publishing → failed with the platform's message
    UnknownOutcome, anything else   publishing → unconfirmed, then settled by lookup if the
                                    adapter offers ``find_published``; never sent again blindly
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from influencer.config.settings import DaemonSettings
from influencer.daemon.claims import claim
from influencer.daemon.logs import log, step
from influencer.daemon.ratelimits import account_key, block_until
from influencer.daemon.retries import backoff, wait_for_retry
from influencer.disclosure import LabeledPost
from influencer.errors import InfluencerError, PlatformError, RetryableError, UnknownOutcome
from influencer.pipeline import Context
from influencer.platforms import Published
from influencer.publishing import adapter_for, labelled, record_published, rights_refusal
from influencer.store import Post, PostStatus, transition

S = PostStatus
CLEARED = {"lease_until": None}


@dataclass(frozen=True)
class Sent:
    post: Post
    seconds: float  # time spent in the platform call (0 when it was not made)


def send_claimed(ctx: Context, post: Post, limits: DaemonSettings) -> Sent:
    """Publish one post this daemon claimed; the outcome is committed before returning."""
    refusal = rights_refusal(ctx, post)
    if refusal:
        return Sent(_move(ctx, post, S.skipped, refusal), 0.0)
    try:
        ready = labelled(ctx, post)
        adapter = adapter_for(ctx, post, dry_run=False)
    except InfluencerError as exc:
        return Sent(_move(ctx, post, S.held, str(exc)), 0.0)
    step(post, "sending", f"attempt {post.attempts}")
    started = time.perf_counter()
    try:
        published = adapter.publish(ready)
    except RetryableError as exc:
        return Sent(_retry_or_fail(ctx, post, exc, limits), time.perf_counter() - started)
    except UnknownOutcome as exc:
        return Sent(_unknown(ctx, post, str(exc)), time.perf_counter() - started)
    except (PlatformError, InfluencerError) as exc:  # refused, or stopped before sending
        return Sent(_move(ctx, post, S.failed, str(exc)), time.perf_counter() - started)
    except Exception as exc:  # an adapter bug: whether it sent is unknown, so do not resend
        log.exception("adapter error on post %s", post.id)
        return Sent(_unknown(ctx, post, f"unexpected error: {type(exc).__name__}: {exc}"),
                    time.perf_counter() - started)
    seconds = time.perf_counter() - started
    with ctx.session() as session:
        done = record_published(ctx, session, post, published)
    step(done, "published", published.url or published.platform_id)
    return Sent(done, seconds)


@dataclass(frozen=True)
class Outcome:
    post: Post
    held_back: str | None = None  # why it was not sent now: paused, a limit of its account


def publish_approved(ctx: Context, post: Post) -> Outcome:
    """Claim this one approved post and send it now, through the daemon's own path: the same
    pause and budget checks, lease, retries and audit (``post --now``)."""
    limits = ctx.ws.settings.daemon
    claimed = claim(ctx, post.persona, post.platform, 1, limits, only=[post.id])
    if not claimed.posts:
        return Outcome(post, claimed.held_back or f"post {post.id} is not due or not approved")
    [mine] = claimed.posts
    step(mine, "claimed", f"lease until {mine.lease_until:%H:%M:%S}")
    return Outcome(send_claimed(ctx, mine, limits).post)


def _move(ctx: Context, post: Post, target: PostStatus, reason: str) -> Post:
    with ctx.session() as session:
        moved = transition(session, post.id, target, actor=ctx.actor, now=ctx.now(), reason=reason,
                           changes={**CLEARED, "last_error": reason})
    step(moved, str(target), reason, logging.WARNING)
    return moved


def _retry_or_fail(ctx: Context, post: Post, exc: RetryableError, limits: DaemonSettings) -> Post:
    if post.attempts >= limits.attempts:
        return _move(ctx, post, S.failed, f"gave up after {post.attempts} attempts: {exc}")
    now = ctx.now()
    wait = backoff(post.attempts, limits.backoff_base, limits.backoff_cap, exc.retry_after)
    reason = f"attempt {post.attempts} of {limits.attempts} failed, retrying in {wait:.0f} s: {exc}"
    with ctx.session() as session:
        wait_for_retry(session, post.id, now + timedelta(seconds=wait), str(exc))
        if exc.retry_after:
            block_until(session, account_key(post.persona, post.platform),
                        now + timedelta(seconds=exc.retry_after))
        moved = transition(session, post.id, S.approved, actor=ctx.actor, now=now, reason=reason,
                           changes={**CLEARED, "last_error": str(exc)})
    step(moved, "retrying", reason, logging.WARNING)
    return moved


def _unknown(ctx: Context, post: Post, reason: str) -> Post:
    moved = _move(ctx, post, S.unconfirmed, reason)
    return settle(ctx, moved) or moved


def settle(ctx: Context, post: Post) -> Post | None:
    """Look the unconfirmed post up on its platform; published if found there, else None."""
    try:
        adapter = adapter_for(ctx, post, dry_run=False)
        finder: Callable[[LabeledPost], Published | None] | None = getattr(
            adapter, "find_published", None)
        if finder is None:
            return None
        found = finder(labelled(ctx, post))
    except InfluencerError as exc:
        step(post, "lookup-failed", str(exc), logging.WARNING)
        return None
    if found is None:
        step(post, "not-found", "not among the account's recent posts; a person must resolve it")
        return None
    with ctx.session() as session:
        done = record_published(ctx, session, post, found,
                                reason="settled: found on the platform by lookup")
    step(done, "published", f"settled by lookup: {found.url or found.platform_id}")
    return done

