"""Moving a post between statuses: one transaction and one audit event per move.

The update is conditional on the status the caller saw, so two processes racing for the
same post cannot both win: the loser gets ``IllegalTransition`` naming the status it found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from influencer.errors import IllegalTransition, StoreError
from influencer.store import audit
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
    audit.append(session, [audit.event(
        twin=post.persona, at=moment, post_id=post_id, actor=actor, action="transition",
        from_status=current, to_status=target,
        detail={**({"reason": reason} if reason else {}), **(note or {})})])
    session.commit()
    session.refresh(post)
    return post


@dataclass(frozen=True)
class Move:
    """One post to move from the status its caller saw to ``target``, with the fields the move
    writes (a draft's caption and images) and its reason."""

    post_id: str
    source: PostStatus
    target: PostStatus
    reason: str | None = None
    changes: Mapping[str, Any] = field(default_factory=dict)


def apply_moves(session: Session, moves: Sequence[Move], *, actor: str, now: datetime,
                where: Any = None) -> list[str]:
    """``moves`` in the caller's transaction (not committed): one UPDATE per source, target and
    reason (and chunk), then the moved posts' own fields in one executemany, and one audit event
    per move — the trail ``transition`` would leave, without a round trip per post. A post that
    is no longer in its ``source`` status (another process moved it), or no longer matches
    ``where``, is left alone; the ids moved are returned, in the order of ``moves``."""
    groups: dict[tuple[PostStatus, PostStatus, str | None], list[str]] = defaultdict(list)
    for item in moves:
        if not allowed(item.source, item.target):
            raise IllegalTransition(item.post_id, item.source, item.target)
        groups[(item.source, item.target, item.reason)].append(item.post_id)
    moved: set[str] = set()
    for (source, target, reason), ids in groups.items():
        moved.update(_move(session, ids, source, target, reason, now, actor, where))
    rows = [{"id": m.post_id, **m.changes} for m in moves if m.changes and m.post_id in moved]
    for same in _by_keys(rows).values():  # an executemany takes one set of columns
        session.execute(update(Post), same)
    return [m.post_id for m in moves if m.post_id in moved]


def _move(session: Session, post_ids: Sequence[str], source: PostStatus, target: PostStatus,
          reason: str | None, now: datetime, actor: str, where: Any = None) -> list[str]:
    """One UPDATE … RETURNING per chunk of ids, and the audit events of the posts it moved."""
    done: list[tuple[str, str]] = []  # (post id, twin)
    for start in range(0, len(post_ids), CHUNK):
        query = (update(Post)
                 .where(col(Post.id).in_(list(post_ids[start:start + CHUNK])),
                        col(Post.status) == source)
                 .values(status=target, reason=reason, updated_at=now)
                 .returning(col(Post.id), col(Post.persona)))
        if where is not None:
            query = query.where(where)
        done += [(str(i), str(twin)) for i, twin in session.execute(query)]
    detail = {"reason": reason} if reason else {}
    audit.append(session, [audit.event(twin=twin, at=now, post_id=post_id, actor=actor,
                                       action="transition", from_status=source, to_status=target,
                                       detail=detail) for post_id, twin in done])
    return [post_id for post_id, _ in done]


def _by_keys(rows: list[dict[str, Any]]) -> dict[frozenset[str], list[dict[str, Any]]]:
    groups: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[frozenset(row)].append(row)
    return groups


CHUNK = 500  # ids per statement: well under SQLite's and PostgreSQL's parameter limits


def history(session: Session, post_id: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.post_id == post_id).order_by(col(AuditEvent.id))
    return list(session.exec(query))
