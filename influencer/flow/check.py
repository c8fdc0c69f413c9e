"""``influencer check``: every problem in the workspace's files, and everything in them that the
model's consent in force refuses on every day, each at its file and line.

A conflict with the consent does not stop the workspace from loading: the daemon then refuses
the posts concerned (``rights.refusal``) instead of keeping an older configuration that the
model's agent has since narrowed.
"""

from __future__ import annotations

from influencer import rights
from influencer.config import Workspace
from influencer.errors import ConfigIssue


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
    return found


def _issue(shown: str, line: int, conflict: rights.Conflict) -> ConfigIssue:
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in conflict.loc)
    return ConfigIssue(shown, line, field.lstrip("."), conflict.message, conflict.hint)
