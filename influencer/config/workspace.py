"""Finding the workspace and reading all of it, with every problem reported in one run.

The workspace is the folder holding ``personas/`` and ``schedules/``: found from the current
folder upwards, or named by ``--workspace`` / ``INFLUENCER_HOME``. Relative paths in its files
resolve from its root, whatever folder a command runs in.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from influencer.config.persona import Persona
from influencer.config.schedule import Schedule
from influencer.config.settings import SETTINGS_FILE, Settings, load_settings
from influencer.config.source import YamlDocument, line_of, load_yaml, plain
from influencer.config.validation import validate
from influencer.errors import ConfigError, ConfigIssue, WorkspaceNotFound

M = TypeVar("M", bound=BaseModel)
MARKERS = ("personas", "schedules", SETTINGS_FILE)
STATE_DIR = ".influencer"


@dataclass(frozen=True)
class SourceFile:
    """Where a persona or schedule came from, and the hash drafts record to notice changes."""

    path: Path
    shown: str  # the path as shown to people: relative to the workspace root
    sha256: str
    document: YamlDocument = field(repr=False, compare=False)

    def line(self, *loc: str | int) -> int:
        return line_of(self.document.data, loc)


@dataclass
class Workspace:
    root: Path
    settings: Settings = field(default_factory=Settings)
    personas: dict[str, Persona] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    sources: dict[str, SourceFile] = field(default_factory=dict)  # "persona:ava", "schedule:…"
    issues: list[ConfigIssue] = field(default_factory=list)

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def outbox_dir(self) -> Path:
        return self.resolve(self.settings.outbox.folder)

    def resolve(self, relative: str) -> Path:
        path = Path(relative).expanduser()
        return path if path.is_absolute() else self.root / path

    def imagery_dir(self, persona: Persona) -> Path:
        return self.resolve(persona.imagery.folder)

    def database_url(self) -> str:
        """``INFLUENCER_DATABASE_URL``, else ``[database] url`` — itself a URL or a reference to
        one (``env:NAME``, ``file:PATH[#KEY]``, so no password need be written in the file) —
        else SQLite in the state folder. PostgreSQL reads a password left out of the URL from
        ``PGPASSFILE`` (~/.pgpass) itself."""
        url = os.environ.get("INFLUENCER_DATABASE_URL") or self.settings.database.url
        if url and url.startswith(("env:", "file:")):
            from influencer.config.credentials import resolve

            url = resolve(url, self.root).reveal()
        return url or f"sqlite:///{self.state_dir / 'influencer.db'}"

    def raise_for_issues(self) -> Workspace:
        if self.issues:
            raise ConfigError(self.issues)
        return self


def find_root(start: Path | None = None, explicit: str | Path | None = None) -> Path:
    """The workspace root: ``explicit``, else ``INFLUENCER_HOME``, else searched upwards."""
    named = explicit or os.environ.get("INFLUENCER_HOME")
    if named:
        root = Path(named).expanduser().resolve()
        if not any((root / marker).exists() for marker in MARKERS):
            raise WorkspaceNotFound(
                f"{root} is not a workspace: it has no personas/, schedules/ or {SETTINGS_FILE}"
            )
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "personas").is_dir() or (folder / "schedules").is_dir():
            return folder
    raise WorkspaceNotFound(
        f"no workspace in {here} or above: run in a folder with personas/ and schedules/, "
        "pass --workspace, or set INFLUENCER_HOME"
    )


def load_workspace(root: Path) -> Workspace:
    """Read every file of the workspace; problems are collected in ``Workspace.issues``."""
    root = root.resolve()
    settings, issues = load_settings(root / SETTINGS_FILE, SETTINGS_FILE)
    ws = Workspace(root=root, settings=settings, issues=issues)
    for doc in _documents(ws, "personas"):
        _add_persona(ws, doc)
    for doc in _documents(ws, "schedules"):
        _add_schedule(ws, doc)
    from influencer.config.crosscheck import cross_check

    ws.issues.extend(cross_check(ws))
    return ws


def _documents(ws: Workspace, folder: str) -> Iterable[YamlDocument]:
    directory = ws.root / folder
    if not directory.is_dir():
        return
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    for path in files:
        doc, issue = load_yaml(path, f"{folder}/{path.name}")
        if issue is not None:
            ws.issues.append(issue)
        if doc is not None:
            yield doc


def _source(doc: YamlDocument) -> SourceFile:
    digest = hashlib.sha256(doc.path.read_bytes()).hexdigest()
    return SourceFile(doc.path, doc.shown, digest, doc)


DUPLICATE_HINTS = {"persona": "each persona needs its own id",
                   "schedule": "schedule ids identify posted slots; give this one its own"}


def _read(ws: Workspace, doc: YamlDocument, model: type[M], kind: str) -> M | None:
    """Validate one file; refuse an id another file already uses."""
    item, issues = validate(model, plain(doc.data), doc.shown, lambda loc: line_of(doc.data, loc))
    ws.issues.extend(issues)
    if item is None:
        return None
    source = _source(doc)
    ident = str(getattr(item, "id"))  # noqa: B009 - both models have an id; the type var does not say so
    previous = ws.sources.get(f"{kind}:{ident}")
    if previous is not None:
        ws.issues.append(ConfigIssue(doc.shown, source.line("id"), "id",
                                     f"{kind} id {ident!r} is already used by {previous.shown}",
                                     DUPLICATE_HINTS[kind]))
        return None
    ws.sources[f"{kind}:{ident}"] = source
    return item


def _add_persona(ws: Workspace, doc: YamlDocument) -> None:
    persona = _read(ws, doc, Persona, "persona")
    if persona is not None:
        ws.personas[persona.id] = persona


def _add_schedule(ws: Workspace, doc: YamlDocument) -> None:
    schedule = _read(ws, doc, Schedule, "schedule")
    if schedule is not None:
        ws.schedules[schedule.id] = schedule


def open_workspace(explicit: str | Path | None = None, start: Path | None = None) -> Workspace:
    """Find and load the workspace, raising ConfigError when any file has a problem."""
    return load_workspace(find_root(start, explicit)).raise_for_issues()
