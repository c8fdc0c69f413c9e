"""Erasure: when a model withdraws consent and asks for it, every copy of the twin's likeness
this tool made or keeps is removed — the rendered images (render cache and their preview
thumbnails), the outbox folders, the reference images and the voice profile. The audit log
keeps what was removed by path and sha256 only, so the erasure itself can be proved.
The twin's own imagery library (``personas/<id>/images``) belongs to the workspace: it is left,
and said so, for a person to remove."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import col, select

from influencer.errors import InfluencerError
from influencer.flow.context import Context
from influencer.store import Post, audit

REFERENCE = "reference"  # personas/<id>/reference/: a model's own pictures, imported for the voice
VOICE = "voice"  # .influencer/voice/<id>.json: the voice profile learned from their posts


@dataclass(frozen=True)
class Erased:
    persona: str
    files: list[tuple[str, str]] = field(default_factory=list)  # (path in the workspace, sha256)
    dry_run: bool = False
    kept: str = ""  # what is left for a person, and where


def erase(ctx: Context, persona_id: str, *, dry_run: bool = False) -> Erased:
    """Remove every copy of the twin's likeness the tool keeps; ``dry_run``: list them only."""
    persona = ctx.ws.personas.get(persona_id)
    if persona is None:
        raise InfluencerError(f"no persona {persona_id!r}; see: influencer personas")
    found = sorted(set(_likeness(ctx, persona_id)))
    files = [(_shown(ctx, path), _sha256(path)) for path in found]
    kept = (f"the imagery library {persona.imagery.folder} is the workspace's: remove it by hand "
            "if the contract says so")
    if dry_run:
        return Erased(persona_id, files, True, kept)
    with ctx.session() as session:  # the record first: an erasure cut short is still on file
        audit.append(session, [audit.event(
            twin=persona_id, at=ctx.now(), actor=ctx.actor, action="erase",
            detail={"persona": persona_id, "files": [{"path": p, "sha256": h} for p, h in files]})])
        session.commit()
    for path in found:
        path.unlink(missing_ok=True)
    for folder in (ctx.ws.outbox_dir / persona_id, ctx.ws.root / "personas" / persona_id / REFERENCE):
        _remove_empty(folder)
    return Erased(persona_id, files, False, kept)


def _likeness(ctx: Context, persona_id: str) -> list[Path]:
    """The files of the twin's likeness the tool keeps, each inside the state folder, the outbox
    or the twin's reference folder (never anything else a record might point to)."""
    state = ctx.ws.state_dir.resolve()
    found: list[Path] = []
    with ctx.session() as session:
        posts = session.exec(select(Post).where(col(Post.persona) == persona_id)).all()
    for post in posts:
        for image in post.images:
            path = ctx.ws.resolve(image.path).resolve()
            if path.is_file() and path.is_relative_to(state / "renders"):
                found.append(path)
            found += (state / "thumbs").glob(f"{image.sha256}-*.jpg")
    for folder in (ctx.ws.outbox_dir / persona_id, ctx.ws.root / "personas" / persona_id / REFERENCE):
        if folder.is_dir():
            found += [p.resolve() for p in folder.rglob("*") if p.is_file()]
    profile = state / VOICE / f"{persona_id}.json"
    if profile.is_file():
        found.append(profile)
    return found


def _shown(ctx: Context, path: Path) -> str:
    try:
        return str(path.relative_to(ctx.ws.root.resolve()))
    except ValueError:
        return str(path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _remove_empty(folder: Path) -> None:
    if not folder.is_dir():
        return
    for inner in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
        if not any(inner.iterdir()):
            inner.rmdir()
    if not any(folder.iterdir()):
        folder.rmdir()
