"""The consent ledger's writing side: the file's grants recorded, a revocation, a new grant.

Each change is one transaction holding the twin's consent lock (``grants.lock_head``
exclusive), with an audit event of its own. A revocation — by ``rights revoke`` or by
``revoked: true`` in the persona file — cancels every pending post of the twin in the same
transaction; posts claimed before it committed (being sent, or sent with an outcome unknown) may
still go out and are reported, for the takedown to cover; nothing claimed after it can, because
a claim checks the grant under the same lock (``claim.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from influencer.config.persona import Persona, Rights
from influencer.config.validation import validate
from influencer.errors import InfluencerError
from influencer.flow.context import Context
from influencer.flow.grants import (
    FILE,
    GRANT,
    REVOKE,
    Grant,
    decide,
    digest,
    lock_head,
    recorded,
    terms,
)
from influencer.flow.takedown import request_takedown
from influencer.store import Move, Post, PostMode, PostStatus, Publication, apply_moves, audit
from influencer.store.models import GrantHead, GrantVersion

S = PostStatus
PENDING = (S.planned, S.drafted, S.approved, S.held, S.failed)  # what a revocation cancels
IN_FLIGHT = (S.publishing, S.unconfirmed)  # claimed already: may have gone out


@dataclass(frozen=True)
class Recorded:
    """A version just recorded (or, in a dry run, that would be), and what it did."""

    grant: Grant
    cancelled: list[str] = field(default_factory=list)  # pending posts cancelled by it
    in_flight: list[str] = field(default_factory=list)  # claimed before it committed
    published: int = 0  # the twin's posts live on platforms (what a takedown would remove)
    dry_run: bool = False
    takedown: int = 0  # posts added to the twin's takedown (with ``takedown=True``)


def record_file_grants(ctx: Context) -> list[Recorded]:
    """Record each twin's file terms where the ledger's rule makes them a new version (read
    without a lock first: a daemon asks at every pass, and usually nothing changed)."""
    with ctx.session() as session:
        ledger = recorded(session)
    made = []
    for persona in ctx.ws.personas.values():
        if decide(ledger.get(persona.id), persona.rights) is None:
            continue
        done = _record_from_file(ctx, persona)  # decided again, under the lock
        if done is not None:
            made.append(done)
    ctx.forget_grants()
    return made


def ensure_recorded(ctx: Context, persona_id: str) -> None:
    """Make sure the twin has a recorded grant, whose head row a claim can lock: without one, a
    claim could start before a first revocation made the row, and not wait for it."""
    persona = ctx.ws.personas.get(persona_id)
    with ctx.session() as session:
        if persona is None or session.get(GrantHead, persona_id) is not None:
            return
    _record_from_file(ctx, persona)
    ctx.forget_grants()


def _record_from_file(ctx: Context, persona: Persona, attempt: int = 0) -> Recorded | None:
    try:
        with ctx.session() as session:
            current = _current(session, persona.id, exclusive=True)
            why = decide(current, persona.rights)
            if why is None:
                return None
            done = _write(ctx, session, persona, persona.rights, FILE, why, current)
            session.commit()
            return done
    except IntegrityError:  # another process recorded this twin's first version meanwhile
        if attempt:
            raise
        return _record_from_file(ctx, persona, attempt + 1)


def revoke(ctx: Context, persona_id: str, reason: str, *, dry_run: bool = False,
           takedown: bool = False) -> Recorded:
    """Record that the model withdrew consent, cancel the twin's pending posts and (with
    ``takedown``) ask for every post that went out to be deleted, in one transaction;
    ``dry_run``: say what would happen and change nothing."""
    persona = _persona(ctx, persona_id)
    if not reason.strip():
        raise InfluencerError("a revocation needs its reason: --reason \"…\"")
    if not dry_run:
        _record_from_file(ctx, persona)  # the file's version first, so the history shows it
    with ctx.session() as session:
        current = _current(session, persona.id, exclusive=True)
        base = current.rights if current is not None else persona.rights
        if current is not None and current.rights.revoked:
            raise InfluencerError(f"{persona.id}'s grant is revoked already (version "
                                  f"{current.version}, by {current.recorded_by} on "
                                  f"{current.recorded_at:%Y-%m-%d}: {current.reason})")
        revoked = base.model_copy(update={"revoked": True})
        done = _write(ctx, session, persona, revoked, REVOKE, reason.strip(), current,
                      dry_run=dry_run)
        if takedown:
            done = replace(done, takedown=request_takedown(ctx, session, persona.id))
        if dry_run:
            session.rollback()
        else:
            session.commit()
    ctx.forget_grants()
    return done


def takedown(ctx: Context, persona_id: str, *, dry_run: bool = False) -> int:
    """Ask for every post of the twin that went out to be deleted (the daemon works through
    them); how many were added. Only for a twin whose consent is revoked."""
    persona = _persona(ctx, persona_id)
    with ctx.session() as session:
        current = _current(session, persona.id, exclusive=True)
        if current is None or not current.rights.revoked:
            raise InfluencerError(f"{persona.id}'s consent is not revoked: a takedown follows a "
                                  f"revocation (influencer rights revoke {persona.id} --takedown)")
        added = request_takedown(ctx, session, persona.id)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    return added


def grant(ctx: Context, persona_id: str, changes: dict[str, Any], reason: str) -> Recorded:
    """A new version of the twin's grant: the terms in force with ``changes`` (the fields of a
    persona file's ``rights``), not revoked. It supersedes a revocation; the file stays as it is
    (``check`` says where the two differ)."""
    persona = _persona(ctx, persona_id)
    _record_from_file(ctx, persona)
    with ctx.session() as session:
        current = _current(session, persona.id, exclusive=True)
        base = terms(current.rights if current is not None else persona.rights)
        rights, issues = validate(Rights, {**base, **changes, "revoked": False}, "rights grant",
                                  lambda loc: 0)
        if rights is None:
            problems = "; ".join(f"{i.field or 'rights'}: {i.message}"
                                 + (f" ({i.hint})" if i.hint else "") for i in issues)
            raise InfluencerError(f"the new grant for {persona.id} is not valid: {problems}")
        done = _write(ctx, session, persona, rights, GRANT, reason.strip() or "a new grant",
                      current)
        session.commit()
    ctx.forget_grants()
    return done


def _persona(ctx: Context, persona_id: str) -> Persona:
    persona = ctx.ws.personas.get(persona_id)
    if persona is None:
        raise InfluencerError(f"no persona {persona_id!r}; see: influencer personas")
    return persona


def _current(session: Session, persona_id: str, *, exclusive: bool) -> Grant | None:
    version = lock_head(session, persona_id, exclusive=exclusive)
    if version is None:
        return None
    row = session.exec(select(GrantVersion).where(col(GrantVersion.persona) == persona_id,
                                                  col(GrantVersion.version) == version)).one()
    return Grant.of(row)


def _write(ctx: Context, session: Session, persona: Persona, rights: Rights, source: str,
           reason: str, current: Grant | None, *, dry_run: bool = False) -> Recorded:
    """The new version, the head moved to it, its audit event; and when it revokes a grant in
    force, the twin's pending posts cancelled. Not committed."""
    now = ctx.now()
    number = (current.version if current is not None else 0) + 1
    row = GrantVersion(persona=persona.id, version=number, terms=terms(rights), source=source,
                       reason=reason, file_sha=digest(persona.rights), recorded_by=ctx.actor,
                       recorded_at=now)
    session.add(row)
    head = session.get(GrantHead, persona.id)
    if head is None:
        session.add(GrantHead(persona=persona.id, version=number, updated_at=now))
    else:
        head.version, head.updated_at = number, now
        session.add(head)
    session.flush()
    cancelled: list[str] = []
    revoking = rights.revoked and (current is None or not current.rights.revoked)
    if revoking:
        why = (f"rights revoked by {ctx.actor}: {reason}" if source == REVOKE
               else f"rights revoked in personas/{persona.id}.yaml")
        pending = list(session.exec(select(Post.id, Post.status).where(
            col(Post.persona) == persona.id, col(Post.mode) == PostMode.live,
            col(Post.status).in_(PENDING))))
        cancelled = apply_moves(session, [Move(post_id, PostStatus(status), S.cancelled, why)
                                          for post_id, status in pending],
                                actor=ctx.actor, now=now)
    in_flight = list(session.exec(select(Post.id).where(
        col(Post.persona) == persona.id, col(Post.mode) == PostMode.live,
        col(Post.status).in_(IN_FLIGHT)))) if revoking else []
    published = session.exec(select(func.count()).select_from(Publication).where(
        col(Publication.account) == persona.id, col(Publication.mode) == PostMode.live,
        col(Publication.deleted_at).is_(None))).one() if revoking else 0
    audit.append(session, [audit.event(
        twin=persona.id, at=now, actor=ctx.actor, action=f"rights-{source}",
        detail={"persona": persona.id, "version": number, "reason": reason,
                "revoked": rights.revoked, "cancelled": len(cancelled),
                "in_flight": len(in_flight)})])
    grant_made = Grant(persona.id, number, rights, source, reason, row.file_sha, ctx.actor, now)
    return Recorded(grant_made, cancelled, in_flight, int(published), dry_run)
