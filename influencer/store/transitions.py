"""Moving a post between statuses: one transaction and one audit event per move.

The update is conditional on the status the caller saw, so two processes racing for the
same post cannot both win: the loser gets ``IllegalTransition`` naming the status it found.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from influencer.errors import IllegalTransition, StoreError
from influencer.store.models import AuditEvent, Post
from influencer.store.status import PostStatus, allowed


def transition(
    session: Session,
    post_id: str,
    target: PostStatus,
    *,
    actor: str,
    reason: str | None = None,
    now: datetime | None = None,
    changes: dict[str, Any] | None = None,
    note: dict[str, Any] | None = None,
) -> Post:
    """Move ``post_id`` to ``target``, record the event (its reason and ``note``, e.g. an edit's
    old and new text), commit, and return the fresh row."""
    post = session.get(Post, post_id)
    if post is None:
        raise StoreError(f"no post {post_id}")
    current = PostStatus(post.status)
    if not allowed(current, target):
        raise IllegalTransition(post_id, current, target)
    moment = now or datetime.now(UTC)
    values: dict[str, Any] = {"status": target, "reason": reason, "updated_at": moment,
                              **(changes or {})}
    result = session.execute(
        update(Post).where(col(Post.id) == post_id, col(Post.status) == current).values(**values)
    )
    if getattr(result, "rowcount", 0) != 1:
        session.rollback()
        fresh = session.get(Post, post_id)
        raise IllegalTransition(post_id, str(fresh.status if fresh else "gone"), target)
    session.add(AuditEvent(at=moment, post_id=post_id, actor=actor, action="transition",
                           from_status=current, to_status=target,
                           detail={**({"reason": reason} if reason else {}), **(note or {})}))
    session.commit()
    session.refresh(post)
    return post


def history(session: Session, post_id: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.post_id == post_id).order_by(col(AuditEvent.id))
    return list(session.exec(query))
