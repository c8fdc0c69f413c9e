"""Rows for the ``personas`` and ``schedules`` listings: plain data, printed by the CLI."""

from __future__ import annotations

from datetime import date
from typing import Any

from influencer.config import Workspace
from influencer.rights import state

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def persona_rows(ws: Workspace, today: date) -> list[dict[str, Any]]:
    warn_days = ws.settings.alerts.rights_warning_days
    rows = []
    for persona in sorted(ws.personas.values(), key=lambda p: p.id):
        folder = ws.imagery_dir(persona)
        images = sum(1 for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES) \
            if folder.is_dir() else 0
        rights = persona.rights
        rows.append({
            "id": persona.id,
            "name": persona.name,
            "twin_of": persona.twin_of,
            "accounts": {name: {"handle": acc.handle, "live": acc.live}
                         for name, acc in persona.accounts.items()},
            "rights": {"holder": rights.holder, "expires": rights.expires.isoformat(),
                       "revoked": rights.revoked, "platforms": list(rights.platforms),
                       "territories": list(rights.territories),
                       "state": str(state(rights, today, warn_days))},
            "images": images,
            "writer": persona.writer.name,
            "language": persona.voice.language,
            "file": ws.sources[f"persona:{persona.id}"].shown,
        })
    return rows


def schedule_rows(ws: Workspace) -> list[dict[str, Any]]:
    rows = []
    for schedule in sorted(ws.schedules.values(), key=lambda s: s.id):
        rows.append({
            "id": schedule.id,
            "persona": schedule.persona,
            "platforms": list(schedule.platforms),
            "cron": list(schedule.cron) if schedule.cron else None,
            "times": list(schedule.times) if schedule.times else None,
            "timezone": schedule.timezone,
            "approval": schedule.approval,
            "start": schedule.start.isoformat() if schedule.start else None,
            "end": schedule.end.isoformat() if schedule.end else None,
            "max_per_day": schedule.max_per_day,
            "categories": list(schedule.campaign.categories),
            "paid": schedule.campaign.paid,
            "file": ws.sources[f"schedule:{schedule.id}"].shown,
        })
    return rows
