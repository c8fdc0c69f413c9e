"""``influencer check``: every problem in the workspace's files, and everything in them that the
model's consent in force refuses on every day, each at its file and line.

A conflict with the consent does not stop the workspace from loading: the daemon then refuses
the posts concerned (``rights.refusal``) instead of keeping an older configuration that the
model's agent has since narrowed.
"""

from __future__ import annotations

from datetime import date

from influencer import rights
from influencer.config import Persona, Schedule, Workspace
from influencer.errors import BadImage, ConfigIssue

PLACEHOLDER_VOICE = ("Describe the twin's voice in one or two sentences.",
                     "Write a line the twin would really post.")


def problems(ws: Workspace) -> list[ConfigIssue]:
    """The files' problems, then the conflicts with each persona file's grant (the consent in
    force until grants are recorded in the database)."""
    found = list(ws.issues)
    for persona in sorted(ws.personas.values(), key=lambda p: p.id):
        source = ws.sources[f"persona:{persona.id}"]
        for conflict in rights.account_conflicts(persona.rights, persona.accounts, twin=persona.id):
            found.append(_issue(source.shown, source.line(*conflict.loc), conflict))
    for schedule in sorted(ws.schedules.values(), key=lambda s: s.id):
        owner = ws.personas.get(schedule.persona)
        if owner is None:
            continue
        source = ws.sources[f"schedule:{schedule.id}"]
        for conflict in rights.schedule_conflicts(owner.rights, schedule, twin=owner.id):
            found.append(_issue(source.shown, source.line(*conflict.loc), conflict))
        found += _tags_without_images(ws, owner, schedule)
    return found


def check_warnings(ws: Workspace, today: date) -> list[ConfigIssue]:
    """What is allowed but probably not meant: consent that has ended or ends before a schedule
    does, a voice still the template's placeholder. ``check`` prints them; they fail nothing."""
    found = []
    for persona in sorted(ws.personas.values(), key=lambda p: p.id):
        source = ws.sources[f"persona:{persona.id}"]
        grant = persona.rights
        if grant.revoked:
            found.append(ConfigIssue(source.shown, source.line("rights", "revoked"),
                                     "rights.revoked", f"the grant is revoked: nothing of "
                                     f"{persona.id} is drafted or published"))
        elif grant.expires < today:
            found.append(ConfigIssue(source.shown, source.line("rights", "expires"),
                                     "rights.expires", f"the grant expired on {grant.expires}: "
                                     f"nothing of {persona.id} is drafted or published",
                                     "record the renewed contract's dates"))
        voice = persona.voice
        if voice.description in PLACEHOLDER_VOICE or set(voice.examples) & set(PLACEHOLDER_VOICE):
            found.append(ConfigIssue(source.shown, source.line("voice"), "voice",
                                     "still the template's placeholder text",
                                     "describe the twin's real voice and give examples in its "
                                     "own words: the captions are written from them"))
    for schedule in sorted(ws.schedules.values(), key=lambda s: s.id):
        owner = ws.personas.get(schedule.persona)
        if owner is None or owner.rights.revoked:
            continue
        source = ws.sources[f"schedule:{schedule.id}"]
        expires = owner.rights.expires
        if expires >= today and (schedule.end is None or schedule.end > expires):
            found.append(ConfigIssue(
                source.shown, source.line("end") if schedule.end else source.line("persona"),
                "end", f"runs past {owner.id}'s grant, which expires on {expires}: slots after "
                "it are refused", f"end: {expires}, or record the renewed grant"))
    return found


def _tags_without_images(ws: Workspace, persona: Persona, schedule: Schedule) -> list[ConfigIssue]:
    """A schedule whose tags no image in the twin's folder carries (read from the sidecars,
    so it holds before the first ``images scan``)."""
    from influencer.imagery.library import image_files
    from influencer.imagery.sidecar import load_sidecar

    match = schedule.images.tags
    folder = ws.imagery_dir(persona)
    if not (match.all or match.any) or not folder.is_dir():
        return []
    tags_seen: set[str] = set()
    for image in image_files(folder):
        try:
            sidecar = load_sidecar(image, ws.root)
        except BadImage:
            continue  # images scan reports it
        if not sidecar.do_not_use and match.matches(sidecar.tags):
            return []
        tags_seen.update(sidecar.tags)
    source = ws.sources[f"schedule:{schedule.id}"]
    known = ", ".join(sorted(tags_seen)) or "none: add sidecars with tags"
    return [ConfigIssue(source.shown, source.line("images", "tags"), "images.tags",
                        f"no usable image of {persona.id} is tagged {match}",
                        f"tags in {persona.imagery.folder}: {known}")]


def _issue(shown: str, line: int, conflict: rights.Conflict) -> ConfigIssue:
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in conflict.loc)
    return ConfigIssue(shown, line, field.lstrip("."), conflict.message, conflict.hint)
