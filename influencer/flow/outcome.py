"""Recording what became of a send, one transaction and one audit event each: published (with
its publication), moved to another status, or sent back to wait for another attempt.

Every record also keeps the adapter's ``progress`` (what its attempts did, e.g. containers made),
so the next attempt or lookup starts from there.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from influencer.errors import HeldBack, RetryableError
from influencer.flow.context import Context, Limits, step
from influencer.flow.limits import account_key, backoff, block_until, wait_for_retry
from influencer.platforms import Published
from influencer.store import Post, PostMode, PostStatus, Publication, transition

S = PostStatus
CLEARED = {"lease_until": None}


class AlreadySettled(Exception):
    """The platform id found for a post already settles another post of the account."""

    def __init__(self, platform_id: str, other: str) -> None:
        self.platform_id, self.other = platform_id, other
        super().__init__(f"{platform_id} already settles post {other}")


def settling_post(session: Session, post: Post, platform_id: str) -> str | None:
    """The post a live publication with ``platform_id`` on this account settles, if any."""
    found = session.exec(select(Publication.post_id).where(
        col(Publication.mode) == PostMode.live, col(Publication.platform) == post.platform,
        col(Publication.account) == post.persona, col(Publication.platform_id) == platform_id)).first()
    return str(found) if found else None


def record_published(ctx: Context, session: Session, post: Post, published: Published,
                     reason: str | None = None, progress: dict[str, Any] | None = None) -> Post:
    """The live publication and the move to ``published``, committed together. A platform id
    that already settles another post of the account is refused (``AlreadySettled``)."""
    other = settling_post(session, post, published.platform_id)
    if other is not None and other != post.id:
        raise AlreadySettled(published.platform_id, other)
    session.add(Publication(post_id=post.id, mode=PostMode.live, platform=post.platform,
                            account=post.persona, platform_id=published.platform_id,
                            url=published.url, published_at=ctx.now(), detail=published.detail))
    changes: dict[str, Any] = {"lease_until": None, "last_error": None}
    if progress is not None:
        changes["progress"] = progress
    try:
        return transition(session, post.id, PostStatus.published, actor=ctx.actor, now=ctx.now(),
                          reason=reason, changes=changes)
    except IntegrityError:  # the unique key on (account, platform id): another settled it meanwhile
        session.rollback()
        raise AlreadySettled(published.platform_id, "another") from None


def move(ctx: Context, post: Post, target: PostStatus, reason: str,
         changes: dict[str, Any] | None = None) -> Post:
    with ctx.session() as session:
        moved = transition(session, post.id, target, actor=ctx.actor, now=ctx.now(), reason=reason,
                           changes={**CLEARED, "last_error": reason, **(changes or {})})
    step(moved, str(target), reason, logging.WARNING)
    return moved


def retrying(post: Post) -> bool:
    """Sent back to ``approved`` after an error, to be tried again (not a quota wait)."""
    return post.status == S.approved and (post.reason or "").startswith("attempt ")


def retry_later(ctx: Context, post: Post, exc: RetryableError, limits: Limits,
                changes: dict[str, Any] | None = None) -> Post:
    """Back to approved, waiting in ``publish_retry`` (backoff, never sooner than the platform
    asked); failed once the attempts are spent. A quota wait (``HeldBack``) spends none."""
    held = isinstance(exc, HeldBack)
    attempts = post.attempts - 1 if held else post.attempts
    if not held and attempts >= limits.attempts:
        return move(ctx, post, S.failed, f"gave up after {attempts} attempts: {exc}", changes)
    now = ctx.now()
    wait = (exc.retry_after or limits.backoff_base) if held else backoff(
        attempts, limits.backoff_base, limits.backoff_cap, exc.retry_after)
    reason = (f"held back for {wait:.0f} s: {exc}" if held else
              f"attempt {attempts} of {limits.attempts} failed, retrying in {wait:.0f} s: {exc}")
    with ctx.session() as session:
        wait_for_retry(session, post.id, now + timedelta(seconds=wait), str(exc))
        if exc.retry_after:
            block_until(session, account_key(post.persona, post.platform),
                        now + timedelta(seconds=exc.retry_after))
        moved = transition(session, post.id, S.approved, actor=ctx.actor, now=now, reason=reason,
                           changes={**CLEARED, "last_error": str(exc), "attempts": attempts,
                                    **(changes or {})})
    step(moved, "held-back" if held else "retrying", reason, logging.WARNING)
    return moved
