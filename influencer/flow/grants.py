"""The consent ledger's reading side: which version of each twin's grant is in force.

A grant is written in the persona file's ``rights``; the database keeps every version of it
(``grant_version``) and which one is in force (``grant_head``). The rule of which wins:

- a twin with no recorded version takes its file's terms (they become version 1 when recorded);
- a change of the file becomes a new version, unless the version in force was recorded after
  the file last changed (``rights grant`` or ``rights revoke`` then stands: the file is older);
- a revocation stands until a new grant: editing the file back to active does not restore
  consent; only ``rights grant`` or a new ``contract`` reference in the file does.

``decide`` is that rule, pure; ``in_force`` applies it to the recorded heads, so a command that
records nothing (a dry run) sees exactly what one that records would. ``locked_terms`` reads a
twin's terms inside a claim's transaction, holding its head row against a revocation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from influencer.config.persona import Persona, Rights
from influencer.store.models import GrantHead, GrantVersion

FILE, GRANT, REVOKE = "file", "grant", "revoke"  # where a version came from


@dataclass(frozen=True)
class Grant:
    """One recorded version of a twin's grant."""

    persona: str
    version: int
    rights: Rights
    source: str
    reason: str | None
    file_sha: str
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, row: GrantVersion) -> Grant:
        return cls(row.persona, row.version, Rights.model_validate(row.terms), row.source,
                   row.reason, row.file_sha, row.recorded_by, row.recorded_at)


def terms(rights: Rights) -> dict[str, Any]:
    return rights.model_dump(mode="json")


def digest(rights: Rights) -> str:
    """The sha256 of a grant's terms: what a version records of the file it was read with."""
    return hashlib.sha256(json.dumps(terms(rights), sort_keys=True).encode()).hexdigest()


def decide(current: Grant | None, written: Rights) -> str | None:
    """Why the file's terms ``written`` become a new version, or None when ``current`` stands."""
    if current is None:
        return "first recorded from the persona file"
    if terms(written) == terms(current.rights) or digest(written) == current.file_sha:
        return None  # the same terms, or a file older than the version in force
    if current.rights.revoked and written.contract == current.rights.contract:
        return None  # a revocation stands until a new grant (check says how)
    if written.revoked:
        return "revoked in the persona file"
    return "the persona file's rights changed"


def recorded(session: Session, personas: Iterable[str] | None = None) -> dict[str, Grant]:
    """The version in force of each twin that has one recorded (of ``personas``, if given)."""
    query = select(GrantVersion).join(
        GrantHead, (col(GrantHead.persona) == col(GrantVersion.persona))
        & (col(GrantHead.version) == col(GrantVersion.version)))
    if personas is not None:
        query = query.where(col(GrantVersion.persona).in_(list(personas)))
    return {row.persona: Grant.of(row) for row in session.exec(query)}


def in_force(personas: Mapping[str, Persona], ledger: Mapping[str, Grant]) -> dict[str, Rights]:
    """Each twin's terms in force: the recorded version, or its file's where the file would
    make a new one (what recording them will do)."""
    found = {}
    for persona_id, persona in personas.items():
        current = ledger.get(persona_id)
        found[persona_id] = (persona.rights if current is None or decide(current, persona.rights)
                             else current.rights)
    return found


def history(session: Session, persona: str) -> list[Grant]:
    query = (select(GrantVersion).where(col(GrantVersion.persona) == persona)
             .order_by(col(GrantVersion.version)))
    return [Grant.of(row) for row in session.exec(query)]


def lock_head(session: Session, persona: str, *, exclusive: bool) -> int | None:
    """Take the twin's consent lock for the rest of the transaction and return the version in
    force (None: nothing recorded). A claim takes it shared (``FOR SHARE``: claims do not wait
    on each other), a revocation exclusive (``FOR UPDATE``: it waits for claims in flight, and
    claims after it wait for it and then read the revocation). SQLite has one writer at a time:
    a claim there holds the write lock already, and a revocation's first write takes it."""
    if exclusive and session.get_bind().dialect.name == "sqlite":  # the write lock, first
        session.execute(update(GrantHead).where(col(GrantHead.persona) == persona)
                        .values(version=col(GrantHead.version)))
    query = (select(GrantHead.version).where(col(GrantHead.persona) == persona)
             .with_for_update(read=not exclusive))  # PostgreSQL: FOR SHARE / FOR UPDATE
    return session.exec(query).first()


def locked_terms(session: Session, persona: Persona) -> tuple[int | None, Rights]:
    """The twin's terms in force and their version (None: the file's, not yet recorded), read
    under its shared consent lock (a claim's check; the version is recorded with the claim)."""
    version = lock_head(session, persona.id, exclusive=False)
    if version is None:
        return None, persona.rights
    row = session.exec(select(GrantVersion).where(col(GrantVersion.persona) == persona.id,
                                                  col(GrantVersion.version) == version)).one()
    current = Grant.of(row)
    return (None, persona.rights) if decide(current, persona.rights) else (version, current.rights)
