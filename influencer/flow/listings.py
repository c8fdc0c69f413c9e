"""Rows for the ``personas``, ``schedules`` and ``rights`` listings: plain data, printed by the
CLI."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from influencer.config import Workspace
from influencer.config.persona import Rights
from influencer.flow import grants
from influencer.flow.consent import PENDING
from influencer.flow.context import Context, day_in_schedule_zone
from influencer.rights import state
from influencer.store import Post, PostMode, Publication

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def persona_rows(ws: Workspace, today: date,
                 in_force: Mapping[str, Rights] | None = None) -> list[dict[str, Any]]:
    """Each persona as listed; its rights are the grant in force (``in_force``, from the
    consent ledger), else its file's."""
    warn_days = ws.settings.alerts.rights_warning_days
    rows = []
    for persona in sorted(ws.personas.values(), key=lambda p: p.id):
        folder = ws.imagery_dir(persona)
        images = sum(1 for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES) \
            if folder.is_dir() else 0
        rights = (in_force or {}).get(persona.id, persona.rights)
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


def grant_rows(ctx: Context) -> list[dict[str, Any]]:
    """``influencer rights``: each twin's grant in force, its days to expiry, the posts planned
    beyond it, and its use this month (published, per platform)."""
    today = ctx.now().date()
    warn_days = ctx.ws.settings.alerts.rights_warning_days
    month = datetime.combine(today.replace(day=1), datetime.min.time(), UTC)
    with ctx.session() as session:
        ledger = grants.recorded(session)
        pending = list(session.exec(select(Post.persona, Post.schedule, Post.slot_at).where(
            col(Post.mode) == PostMode.live, col(Post.status).in_(PENDING))))
        used = list(session.exec(select(Publication.account, Publication.platform, func.count())
                                 .where(col(Publication.mode) == PostMode.live,
                                        col(Publication.published_at) >= month)
                                 .group_by(col(Publication.account), col(Publication.platform))))
    in_force = ctx.grants()
    rows = []
    for persona_id in sorted(ctx.ws.personas):
        rights, recorded = in_force[persona_id], ledger.get(persona_id)
        beyond = sum(1 for who, schedule, slot_at in pending if who == persona_id
                     and day_in_schedule_zone(ctx, schedule, slot_at) > rights.expires)
        rows.append({
            "persona": persona_id, "version": recorded.version if recorded else None,
            "holder": rights.holder, "agency": rights.agency, "contract": rights.contract,
            "state": str(state(rights, today, warn_days)), "granted": rights.granted.isoformat(),
            "expires": rights.expires.isoformat(), "days_left": (rights.expires - today).days,
            "platforms": list(rights.platforms), "territories": list(rights.territories),
            "exclude_categories": list(rights.exclude_categories),
            "planned_beyond_expiry": beyond,
            "published_this_month": {platform: n for account, platform, n in used
                                     if account == persona_id},
            "recorded_by": recorded.recorded_by if recorded else None,
            "recorded_at": recorded.recorded_at.isoformat() if recorded else None,
        })
    return rows


def grant_history(ctx: Context, persona_id: str) -> list[dict[str, Any]]:
    """``influencer rights show``: every recorded version of the twin's grant, oldest first."""
    with ctx.session() as session:
        versions = grants.history(session, persona_id)
    return [{"version": g.version, "source": g.source, "reason": g.reason,
             "recorded_by": g.recorded_by, "recorded_at": g.recorded_at.isoformat(),
             "revoked": g.rights.revoked, "terms": grants.terms(g.rights)} for g in versions]
