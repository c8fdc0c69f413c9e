"""A twin's image library: its folder scanned into the database, incrementally.

Each image is known by its content hash (SHA-256) with its size, dimensions and perceptual
hash. A file whose size and modification time are unchanged is not read again (its sidecar
is, since it is small and may change on its own). A file that has gone, or has turned into
something unusable, is marked ``missing`` and never selected. A bad file is reported with its
path and reason and skipped; the scan goes on, and each persona's changes are one transaction.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from influencer.clock import utcnow
from influencer.errors import BadImage, ImageryError
from influencer.imagery.sidecar import (
    SIDECAR_SUFFIXES,
    Sidecar,
    decodable,
    load_sidecar,
    readable,
    shown_path,
    sidecar_candidates,
)
from influencer.imagery.source import (
    IMAGE_SUFFIXES,
    OTHER_IMAGE_SUFFIXES,
    examine,
    sha256_file,
)
from influencer.store.models import ImageAsset, ImageUse

if TYPE_CHECKING:
    from influencer.config import Persona, Workspace

Hasher = Callable[[Path], str]  # injectable, so tests can count how often files are read


@dataclass(frozen=True)
class SkippedFile:
    path: str  # relative to the workspace root
    reason: str


@dataclass
class ScanReport:
    persona: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # newly gone since the last scan
    skipped: list[SkippedFile] = field(default_factory=list)
    orphans: list[SkippedFile] = field(default_factory=list)  # sidecars that match no image


@dataclass(frozen=True)
class LibraryEntry:
    """One image as ``images list`` shows it: what it is, how it is tagged, how it was used."""

    path: str
    sha256: str
    width: int
    height: int
    format: str
    tags: list[str]
    alt_text: str | None
    do_not_use: bool
    missing: bool
    uses: int
    last_used: date | None
    platforms: list[str]


def scan_library(ws: Workspace, engine: Engine, persona_id: str | None = None, *,
                 hasher: Hasher = sha256_file, show_progress: bool | None = None,
                 now: datetime | None = None) -> list[ScanReport]:
    """Scan one persona's imagery folder, or every persona's; a progress bar on a terminal."""
    personas = [_persona(ws, persona_id)] if persona_id else \
        [ws.personas[key] for key in sorted(ws.personas)]
    moment = now or utcnow()
    console = Console(stderr=True)
    enabled = console.is_terminal if show_progress is None else show_progress
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True, disable=not enabled) as progress:
        return [_scan_persona(ws, engine, p, hasher, moment, progress) for p in personas]


def _persona(ws: Workspace, persona_id: str) -> Persona:
    if persona_id not in ws.personas:
        known = ", ".join(sorted(ws.personas)) or "none"
        raise ImageryError(f"unknown persona {persona_id!r} (known: {known})")
    return ws.personas[persona_id]


def _scan_persona(ws: Workspace, engine: Engine, persona: Persona, hasher: Hasher,
                  now: datetime, progress: Progress) -> ScanReport:
    report = ScanReport(persona.id)
    folder = ws.imagery_dir(persona)
    if not folder.is_dir():
        report.skipped.append(SkippedFile(shown_path(folder, ws.root),
                                          "the imagery folder does not exist"))
    files = list(image_files(folder)) if folder.is_dir() else []
    task = progress.add_task(f"scanning {persona.id}", total=len(files))
    with Session(engine) as session:
        query = select(ImageAsset).where(ImageAsset.persona == persona.id)
        rows = {row.path: row for row in session.exec(query)}
        for path in files:
            rel = shown_path(path, ws.root)
            try:
                if not decodable(rel):
                    raise BadImage("its name is not valid UTF-8: rename it")
                row = rows.get(rel) or _new_row(persona.id, rel, now)
                outcome = _scan_file(session, ws.root, folder, path, row, hasher, now)
                session.commit()  # file by file: one bad file never loses the others
                getattr(report, outcome).append(rel)
            except BadImage as exc:
                session.rollback()
                report.skipped.append(SkippedFile(readable(rel), str(exc)))
                _set_missing(session, rows.get(rel))
                session.commit()
            progress.advance(task)
        report.orphans = _orphan_sidecars(ws.root, folder, files)
        seen = {shown_path(path, ws.root) for path in files}
        for rel, row in sorted(rows.items()):
            if rel not in seen and not row.missing:
                _set_missing(session, row)
                report.missing.append(rel)
        session.commit()
    return report


def _orphan_sidecars(root: Path, folder: Path, images: list[Path]) -> list[SkippedFile]:
    """Sidecars no image claims (a renamed or deleted image, a typo), with the likeliest image."""
    if not folder.is_dir():
        return []
    claimed = {c for image in images for c in sidecar_candidates(image)}
    names = [image.name for image in images]
    orphans = []
    for here, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(files):
            path = Path(here) / name
            if name.startswith(".") or path.suffix.lower() not in SIDECAR_SUFFIXES \
                    or path in claimed:
                continue
            stem = name.removesuffix(path.suffix)
            close = difflib.get_close_matches(stem, names, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            orphans.append(SkippedFile(readable(shown_path(path, root)),
                                       f"sidecar matches no image{hint}: name it "
                                       "<image file>.yaml or <image stem>.yaml, or delete it"))
    return orphans


def _new_row(persona_id: str, rel: str, now: datetime) -> ImageAsset:
    """A row not yet in the session: added only once its file has been read successfully."""
    return ImageAsset(persona=persona_id, path=rel, sha256="", size=-1, mtime_ns=-1, width=0,
                      height=0, format="", first_seen=now, last_seen=now)


def image_files(folder: Path) -> Iterator[Path]:
    """Image-like files below ``folder`` in a stable order, hidden files and folders left out."""
    suffixes = IMAGE_SUFFIXES | OTHER_IMAGE_SUFFIXES
    for here, folders, names in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(names):
            if not name.startswith(".") and Path(name).suffix.lower() in suffixes:
                yield Path(here) / name


def _scan_file(session: Session, root: Path, folder: Path, path: Path, row: ImageAsset,
               hasher: Hasher, now: datetime) -> str:
    """Bring ``row`` up to date with ``path``; the outcome names a ScanReport list."""
    _check_link(path, folder)
    try:
        stat = path.stat()
    except OSError as exc:
        raise BadImage(f"cannot read: {exc.strerror or exc}") from None
    if stat.st_size == 0:
        raise BadImage("empty file (0 bytes)")
    if not os.access(path, os.R_OK):
        raise BadImage("cannot read: permission denied")
    sidecar = load_sidecar(path, root)
    outcome = "unchanged"
    if (row.size, row.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
        outcome = "added" if row.id is None else "changed"
        _read_contents(row, path, hasher)
        row.size, row.mtime_ns = stat.st_size, stat.st_mtime_ns
    _apply_sidecar(row, sidecar)
    row.missing, row.last_seen = False, now
    session.add(row)
    return outcome


def _check_link(path: Path, folder: Path) -> None:
    if not path.is_symlink():
        return
    target = path.resolve()
    try:
        target.relative_to(folder.resolve())
    except ValueError:
        raise BadImage(f"symlink points outside the imagery folder (to {target})") from None


def _read_contents(row: ImageAsset, path: Path, hasher: Hasher) -> None:
    try:
        sha256 = hasher(path)
    except OSError as exc:
        raise BadImage(f"cannot read: {(exc.strerror or str(exc)).lower()}") from None
    facts = examine(path)
    row.sha256, row.phash = sha256, facts.phash
    row.width, row.height, row.format = facts.width, facts.height, facts.format


def _apply_sidecar(row: ImageAsset, sidecar: Sidecar) -> None:
    row.tags = list(sidecar.tags)
    row.alt_text = sidecar.alt
    row.focal_x, row.focal_y = sidecar.focal if sidecar.focal else (None, None)
    row.do_not_use = sidecar.do_not_use


def _set_missing(session: Session, row: ImageAsset | None) -> None:
    if row is not None and not row.missing:
        row.missing = True
        session.add(row)


def list_images(ws: Workspace, engine: Engine, persona_id: str) -> list[LibraryEntry]:
    """Every image of a persona's library with its tags and how often and when it was used."""
    persona = _persona(ws, persona_id)
    with Session(engine) as session:
        assets = session.exec(select(ImageAsset).where(ImageAsset.persona == persona.id)
                              .order_by(col(ImageAsset.path))).all()
        counts = session.exec(
            select(ImageUse.sha256, func.count(), func.max(ImageUse.used_on))
            .where(ImageUse.persona == persona.id).group_by(col(ImageUse.sha256))).all()
        pairs = session.exec(select(ImageUse.sha256, ImageUse.platform).distinct()
                             .where(ImageUse.persona == persona.id)).all()
    used = {sha: (int(n), last) for sha, n, last in counts}
    platforms: dict[str, set[str]] = {}
    for sha, platform in pairs:
        platforms.setdefault(sha, set()).add(platform)
    return [LibraryEntry(
        path=a.path, sha256=a.sha256, width=a.width, height=a.height, format=a.format,
        tags=list(a.tags), alt_text=a.alt_text, do_not_use=a.do_not_use, missing=a.missing,
        uses=used.get(a.sha256, (0, None))[0], last_used=used.get(a.sha256, (0, None))[1],
        platforms=sorted(platforms.get(a.sha256, set())),
    ) for a in assets]
