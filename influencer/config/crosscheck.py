"""Checks that need more than one file: schedules against personas, paths against the disk."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from influencer.config.fields import did_you_mean
from influencer.config.platforms import platform_spec
from influencer.config.settings import SETTINGS_FILE
from influencer.errors import ConfigError, ConfigIssue

if TYPE_CHECKING:
    from influencer.config.persona import Persona
    from influencer.config.schedule import Schedule
    from influencer.config.workspace import Workspace


def cross_check(ws: Workspace) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    for persona in ws.personas.values():
        issues += _persona_paths(ws, persona)
    for schedule in ws.schedules.values():
        issues += _schedule_against_persona(ws, schedule)
    issues += _settings_paths(ws)
    return issues


def inside(root: Path, path: Path) -> bool:
    """Whether ``path`` (links resolved) lies within ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _persona_paths(ws: Workspace, persona: Persona) -> list[ConfigIssue]:
    source = ws.sources[f"persona:{persona.id}"]
    folder = ws.imagery_dir(persona)
    issues = []
    if not inside(ws.root, folder):
        issues.append(ConfigIssue(source.shown, source.line("imagery", "folder"), "imagery.folder",
                                  f"{persona.imagery.folder!r} is outside the workspace",
                                  "keep a twin's imagery inside the workspace, e.g. "
                                  f"personas/{persona.id}/images"))
    elif not folder.is_dir():
        issues.append(ConfigIssue(source.shown, source.line("imagery", "folder"), "imagery.folder",
                                  f"folder {persona.imagery.folder!r} does not exist",
                                  f"create it: mkdir -p {persona.imagery.folder}"))
    template = persona.writer.template
    if template is not None and not ws.resolve(template).is_file():
        issues.append(ConfigIssue(source.shown, source.line("writer", "template"), "writer.template",
                                  f"template file {template!r} does not exist"))
    return issues


def _schedule_against_persona(ws: Workspace, schedule: Schedule) -> list[ConfigIssue]:
    source = ws.sources[f"schedule:{schedule.id}"]
    persona = ws.personas.get(schedule.persona)
    if persona is None:
        if any((ws.root / "personas" / f"{schedule.persona}{ext}").exists() for ext in (".yaml", ".yml")):
            return []  # the persona file exists but has errors of its own, reported already
        hint = did_you_mean(schedule.persona, sorted(ws.personas)) or (
            f"create it with: influencer personas new {schedule.persona}")
        return [ConfigIssue(source.shown, source.line("persona"), "persona",
                            f"unknown persona {schedule.persona!r}", hint)]
    issues = []
    persona_file = ws.sources[f"persona:{persona.id}"].shown
    for index, platform in enumerate(schedule.platforms):
        line, field = source.line("platforms", index), f"platforms[{index}]"
        if platform not in persona.accounts:
            issues.append(ConfigIssue(source.shown, line, field,
                                      f"persona {persona.id!r} has no account on {platform}",
                                      f"add accounts.{platform} to {persona_file}"))
        try:
            spec = platform_spec(platform)
        except ConfigError as exc:  # a plugin that registers an adapter but no limits
            issues += [ConfigIssue(source.shown, line, field, i.message, i.hint) for i in exc.issues]
            continue
        if schedule.images.per_post > spec.images_per_post:
            issues.append(ConfigIssue(source.shown, source.line("images", "per_post"), "images.per_post",
                                      f"{schedule.images.per_post} images per post, but {spec.title} "
                                      f"takes at most {spec.images_per_post}"))
    return issues


def _settings_paths(ws: Workspace) -> list[ConfigIssue]:
    signing = ws.settings.signing
    if (signing.certificate is None) != (signing.key is None):
        return [ConfigIssue(SETTINGS_FILE, _line(ws, ("signing",)), "signing",
                            "give both certificate and key, or neither")]
    issues = []
    for name in ("certificate", "key"):
        value = getattr(signing, name)
        if value is not None and not ws.resolve(value).is_file():
            issues.append(ConfigIssue(SETTINGS_FILE, _line(ws, ("signing", name)),
                                      f"signing.{name}", f"file {value!r} does not exist"))
    return issues


def _line(ws: Workspace, loc: tuple[str, ...]) -> int:
    from influencer.config.settings import toml_line

    path = ws.root / SETTINGS_FILE
    return toml_line(path.read_text(encoding="utf-8"), loc) if path.exists() else 1
