"""Claiming due posts: ``approved → publishing`` with the claimer's id (a daemon, or the person
running ``post --now``) and a lease, committed before any platform is called, so only the
claimer ever sends a post.

A claim is one transaction per account: lock the account's limit row, check pauses and the
budget, pick due posts (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so daemons never wait on each
other's posts), move them with one conditional UPDATE each and one audit event each, commit.

A lease that ends with the post still ``publishing`` means its daemon died between claim and
outcome: the post becomes ``unconfirmed``, never sent again blindly.

Test hook: ``INFLUENCER_TEST_EXIT_AFTER_CLAIM=1`` makes the process exit (code 70) right after a
claim commits, to test a daemon dying between claim and call. Unset, it does nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlmodel import Session, col, select

from influencer.errors import IllegalTransition
from influencer.flow.consent import ensure_recorded
from influencer.flow.context import Context, Limits, rights_refusal, step
from influencer.flow.grants import locked_terms
from influencer.flow.limits import Budget, account_key, budget, ensure_account, lock_account, spend
from influencer.platforms import platform_class
from influencer.store import Post, PostMode, PostStatus, audit, transition
from influencer.store.models import Pause, PublishRetry

EXIT_AFTER_CLAIM = "INFLUENCER_TEST_EXIT_AFTER_CLAIM"
A = PostStatus


def _due(ctx: Context) -> list[ColumnElement[bool]]:
    """Conditions of a live approved post that is due and not waiting for a retry."""
    now = ctx.now()
    waiting = select(PublishRetry.post_id).where(col(PublishRetry.not_before) > now)
    return [col(Post.mode) == PostMode.live, col(Post.status) == A.approved, col(Post.publish_at) <= now,
            col(Post.id).not_in(waiting)]


def accounts_due(ctx: Context) -> list[tuple[str, str]]:
    """Accounts (persona, platform) with posts ready to claim now."""
    with ctx.session() as session:
        rows = session.exec(select(Post.persona, Post.platform).where(*_due(ctx)).distinct())
        return [(persona, platform) for persona, platform in rows]


def paused(session: Session, persona: str) -> bool:
    found = session.exec(select(Pause.scope).where(col(Pause.scope).in_([persona, "*"]))).first()
    return found is not None


@dataclass(frozen=True)
class Claimed:
    posts: list[Post]
    held_back: str | None = None  # why the account may start nothing now (pause, limits)


def claim(ctx: Context, persona: str, platform: str, want: int, limits: Limits,
          only: Sequence[str] | None = None, stopping: Callable[[], bool] = lambda: False) -> Claimed:
    """Claim up to ``want`` due posts of one account (of ``only`` these, if given); commit. A
    claimer that started stopping meanwhile rolls back instead (checked inside the transaction)."""
    key = account_key(persona, platform)
    ensure_account(ctx.engine, key)
    ensure_recorded(ctx, persona)
    now = ctx.now()
    lease_until = now + timedelta(seconds=limits.lease)
    with ctx.session() as session:
        row = lock_account(session, key, now)
        allowance = (Budget(0, f"{persona} is paused (influencer resume)") if paused(session, persona)
                     else budget(session, row, persona, platform, limits, now))
        if allowance.allowance <= 0:
            session.rollback()
            return Claimed([], allowance.why_none)
        owner = ctx.ws.personas.get(persona)
        version, grant = locked_terms(session, owner) if owner is not None else (None, None)
        query = (select(Post).where(*_due(ctx), col(Post.persona) == persona,
                                    col(Post.platform) == platform)
                 .order_by(col(Post.publish_at)).limit(min(want, allowance.allowance)))
        if only is not None:
            query = query.where(col(Post.id).in_(only))
        if ctx.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = []
        events: list[dict[str, Any]] = []  # appended to the twin's chain once, below
        adapter = platform_class(platform)
        for post in session.exec(query).all():
            refusal = rights_refusal(ctx, post, grant) if grant is not None else None
            if refusal is not None:  # the consent in force, read under the lock, says no
                events += _refuse(session, ctx, post, str(refusal))
                continue
            # the first claim fixes when any create may have started and the key it is made under
            moved = session.execute(update(Post).where(
                col(Post.id) == post.id, col(Post.status) == A.approved).values(
                status=A.publishing, claimed_by=ctx.actor, lease_until=lease_until, reason=None,
                attempts=col(Post.attempts) + 1, updated_at=now,
                first_claimed_at=post.first_claimed_at or now,
                platform_key=post.platform_key or adapter.claim_key(post.id, now)))
            if getattr(moved, "rowcount", 0) == 1:
                events.append(audit.event(
                    twin=persona, at=now, post_id=post.id, actor=ctx.actor, action="transition",
                    from_status=A.approved, to_status=A.publishing,
                    detail={"lease_until": lease_until.isoformat(),
                            "grant_version": version}))  # what authorised it (the export says)
                claimed.append(post.id)
        audit.append(session, events)
        if stopping():  # a claim must never outlive the process that would send it
            session.rollback()
            return Claimed([], "stopping")
        spend(row, len(claimed), now)
        session.add(row)
        session.commit()
        fresh = list(session.exec(select(Post).where(col(Post.id).in_(claimed))
                                  .execution_options(populate_existing=True)))
    if claimed and os.environ.get(EXIT_AFTER_CLAIM) == "1":
        os._exit(70)
    return Claimed(fresh)


def _refuse(session: Session, ctx: Context, post: Post, reason: str) -> list[dict[str, Any]]:
    """A due post the consent refuses, skipped in the claim's transaction (never claimed);
    its audit event, for the claim to append."""
    now = ctx.now()
    moved = session.execute(update(Post).where(col(Post.id) == post.id,
                                               col(Post.status) == A.approved)
                            .values(status=A.skipped, reason=reason, updated_at=now))
    if getattr(moved, "rowcount", 0) != 1:
        return []
    step(post, "skipped", reason)
    return [audit.event(twin=post.persona, at=now, post_id=post.id, actor=ctx.actor,
                        action="transition", from_status=A.approved, to_status=A.skipped,
                        detail={"reason": reason})]


def release(ctx: Context, post: Post, reason: str) -> Post | None:
    """A claim this process made but never handed to a sender: back to approved, the attempt
    not counted (nothing was sent)."""
    with ctx.session() as session:
        try:
            return transition(session, post.id, A.approved, actor=ctx.actor, now=ctx.now(), reason=reason,
                              changes={"lease_until": None, "attempts": max(0, post.attempts - 1)})
        except IllegalTransition:  # settled meanwhile by someone else
            return None


def expired_leases(ctx: Context) -> list[Post]:
    """Claims whose daemon did not record an outcome in time: now ``unconfirmed``."""
    now = ctx.now()
    moved = []
    with ctx.session() as session:
        stale = session.exec(select(Post).where(col(Post.status) == A.publishing,
                                                col(Post.mode) == PostMode.live,
                                                col(Post.lease_until) < now)).all()
        for post in stale:
            reason = (f"claimed by {post.claimed_by}, which recorded no outcome before its lease "
                      f"ended at {post.lease_until:%Y-%m-%d %H:%M:%S} UTC; it may have been sent")
            try:
                moved.append(transition(session, post.id, A.unconfirmed, actor=ctx.actor, now=now,
                                        reason=reason, changes={"last_error": reason}))
            except IllegalTransition:  # another daemon settled it first
                continue
    return moved
