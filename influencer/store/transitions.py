"""Moving a post between statuses: one transaction and one audit event per move.

The update is conditional on the status the caller saw, so two processes racing for the
same post cannot both win: the loser gets ``IllegalTransition`` naming the status it found.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def transition_many(
    session: Session,
    post_ids: Sequence[str],
    sources: Sequence[PostStatus],
    target: PostStatus,
    *,
    actor: str,
    reason: str,
    now: datetime,
    where: Any = None,
) -> list[str]:
    """Move every post of ``post_ids`` still in one of ``sources`` (and matching ``where``) to
    ``target`` in one statement per chunk, with one audit event each, in one transaction; the
    ids actually moved are returned (a post another process moved meanwhile is left alone).
    The audit trail is the same as ``transition``'s, without a round trip per post."""
    for current in sources:
        if not allowed(current, target):
            raise IllegalTransition("*", current, target)
    moved: list[str] = []
    for start in range(0, len(post_ids), CHUNK):
        chunk = list(post_ids[start:start + CHUNK])
        for current in sources:  # one statement per source status: each event names its from
            query = (update(Post).where(col(Post.id).in_(chunk), col(Post.status) == current)
                     .values(status=target, reason=reason, updated_at=now)
                     .returning(col(Post.id)))
            if where is not None:
                query = query.where(where)
            done = list(session.execute(query).scalars())
            session.add_all([AuditEvent(at=now, post_id=post_id, actor=actor,
                                        action="transition", from_status=current,
                                        to_status=target, detail={"reason": reason})
                             for post_id in done])
            moved += done
    session.commit()
    return moved


CHUNK = 500  # ids per statement: well under SQLite's and PostgreSQL's parameter limits


def history(session: Session, post_id: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.post_id == post_id).order_by(col(AuditEvent.id))
    return list(session.exec(query))
