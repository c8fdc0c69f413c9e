"""Planning: the one source of slot times, and the planned post rows of a window.

A slot's identity is (schedule id, platform, nominal UTC time). Rules (DESIGN.md, Time):

- cron expressions keep standard crontab meaning (``config/cron.py``);
- each local wall-clock time fires once: a time that happens twice (autumn) fires at its first
  occurrence; a time that does not exist (spring) fires at the first valid minute after it, and
  several skipped times that land on the same instant make one slot, as in cron;
- jitter is derived from the slot itself (a hash of schedule id, platform and nominal time);
- start/end and blackout dates are local dates in the schedule's zone;
- the model's consent bounds everything (``rights.refusal``): nothing is planned outside it, and
  the reason is kept so the preview can say why a slot is missing.

``plan`` is pure computation. ``materialise`` turns a window's slots into post rows (existing
rows reused, a planned row made for each new slot) and applies ``max_per_day``, which needs to
know what was already posted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert
from sqlalchemy import select as rows_of
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from influencer import rights
from influencer.config import Persona, Schedule
from influencer.config.persona import Rights
from influencer.flow.context import Context, Window, grant_for
from influencer.store import Post, PostKind, PostMode, PostStatus
from influencer.store.models import new_post_id

ONE_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, order=True)
class Slot:
    publish_at: datetime  # nominal time plus jitter, UTC; first so slots sort by it
    slot_at: datetime  # nominal UTC time: with schedule and platform, the slot's identity
    schedule: str
    platform: str
    persona: str
    local_day: date  # the day in the schedule's zone the slot belongs to

    @property
    def key(self) -> str:
        return f"{self.schedule}/{self.platform}/{self.slot_at.strftime('%Y%m%dT%H%M%SZ')}"


@dataclass(frozen=True)
class Excluded:
    """A slot the schedule asks for that will not happen, and why."""

    schedule: str
    platform: str
    slot_at: datetime
    reason: str


@dataclass(frozen=True)
class Plan:
    slots: list[Slot]
    excluded: list[Excluded]


def jitter_seconds(schedule_id: str, platform: str, slot_at: datetime, jitter: int) -> int:
    """A repeatable offset in [-jitter, +jitter], derived from the slot's identity."""
    if jitter <= 0:
        return 0
    seed = f"{schedule_id}|{platform}|{slot_at.astimezone(UTC).isoformat()}".encode()
    value = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big")
    return value % (2 * jitter + 1) - jitter


def to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The instant a local wall-clock time fires: first occurrence, or next valid minute."""
    local = datetime.combine(day, wall)
    for _ in range(24 * 60):  # a zone never skips more than a day
        aware = local.replace(tzinfo=zone, fold=0)
        instant = aware.astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == local:
            return instant
        local += ONE_MINUTE
    raise ValueError(f"no valid local time after {day} {wall} in {zone.key}")


def _days(start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[date]:
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        yield day
        day += timedelta(days=1)


def _schedule_refusal(schedule: Schedule, day: date) -> str | None:
    """Why the schedule itself puts no slot on ``day`` (its dates, a blackout), or None."""
    if schedule.start and day < schedule.start:
        return "before the schedule starts"
    if schedule.end and day > schedule.end:
        return "after the schedule ends"
    if day in schedule.blackout:
        return f"blackout date {day}"
    return None


def plan(schedule: Schedule, persona: Persona, start: datetime, end: datetime,
         grant: Rights | None = None) -> Plan:
    """Every slot of ``schedule`` whose nominal time lies in [start, end); ``grant`` is the
    model's consent in force (the persona file's when not given)."""
    grant = grant or persona.rights
    zone = ZoneInfo(schedule.timezone)
    expressions = schedule.cron_expressions()
    slots: list[Slot] = []
    excluded: list[Excluded] = []
    for day in _days(start, end, zone):
        walls = sorted({t for cron in expressions for t in cron.times_on(day)})
        instants = sorted({to_utc(day, wall, zone) for wall in walls})
        instants = [i for i in instants if start <= i < end]
        if not instants:
            continue
        refused = _schedule_refusal(schedule, day)
        for platform in schedule.platforms:
            reason = refused or rights.refusal(grant, platform, day, schedule.campaign,
                                               persona.accounts.get(platform), twin=persona.id)
            for instant in instants:
                if reason:
                    excluded.append(Excluded(schedule.id, platform, instant, str(reason)))
                    continue
                offset = jitter_seconds(schedule.id, platform, instant, schedule.jitter)
                slots.append(Slot(instant + timedelta(seconds=offset), instant, schedule.id,
                                  platform, persona.id, day))
    slots.sort()
    return Plan(slots, excluded)


# --- the window's post rows -------------------------------------------------------------------

INACTIVE = (PostStatus.skipped, PostStatus.cancelled)


@dataclass(frozen=True)
class SlotPost:
    """A window's post as planning sees it: its slot and where it stands, not its draft (a
    30-day window of a roster is thousands of posts: their drafts are read a chunk at a time)."""

    id: str
    persona: str
    schedule: str
    platform: str
    slot_at: datetime
    publish_at: datetime
    status: PostStatus
    last_error: str | None
    updated_at: datetime


SLOT_COLUMNS = tuple(col(getattr(Post, name)) for name in SlotPost.__dataclass_fields__)


@dataclass
class Planned:
    posts: list[SlotPost]
    excluded: list[Excluded] = field(default_factory=list)


def plan_window(ctx: Context, window: Window) -> tuple[list[Slot], list[Excluded]]:
    slots: list[Slot] = []
    excluded: list[Excluded] = []
    for schedule in ctx.ws.schedules.values():
        if window.persona and schedule.persona != window.persona:
            continue
        persona = ctx.ws.personas[schedule.persona]
        result = plan(schedule, persona, window.start, window.end, grant_for(ctx, persona.id))
        slots += [s for s in result.slots if not window.platform or s.platform == window.platform]
        excluded += [e for e in result.excluded
                     if not window.platform or e.platform == window.platform]
    slots.sort()
    return slots, excluded


def materialise(ctx: Context, window: Window) -> Planned:
    """The window's posts: existing rows reused, a planned row created for each new slot — all
    new rows in one statement and one transaction (a day of a per-minute schedule is one
    commit, not 1,440), read back with the rest in one query."""
    slots, excluded = plan_window(ctx, window)
    kept: list[Slot] = []
    with ctx.session() as session:
        existing = _existing(session, slots)
        counted: dict[tuple[str, str, date], int] = {}
        new: list[dict[str, Any]] = []
        for slot in slots:
            if (slot.schedule, slot.platform, slot.slot_at) not in existing:
                refusal = _over_daily_limit(ctx, session, slot, counted)
                if refusal:
                    excluded.append(Excluded(slot.schedule, slot.platform, slot.slot_at, refusal))
                    continue
                new.append(_planned_row(ctx, slot))
            kept.append(slot)
        if new:
            try:
                session.execute(insert(Post), new)
                session.commit()
                existing.update(((r["schedule"], r["platform"], r["slot_at"]), SlotPost(
                    r["id"], r["persona"], r["schedule"], r["platform"], r["slot_at"],
                    r["publish_at"], r["status"], None, r["updated_at"])) for r in new)
            except IntegrityError:  # another process planned some of them meanwhile
                session.rollback()
                for slot in kept:
                    if (slot.schedule, slot.platform, slot.slot_at) not in existing:
                        slot_post(ctx, slot)  # each on its own: the first made wins
                existing = _existing(session, slots)
    return Planned([existing[(s.schedule, s.platform, s.slot_at)] for s in kept], excluded)


def _planned_row(ctx: Context, slot: Slot) -> dict[str, Any]:
    """A new slot's planned post as a row to insert (``_planned``'s fields, without building
    a model per row: a per-minute schedule makes thousands)."""
    now = ctx.now()
    return {"id": new_post_id(), "persona": slot.persona, "schedule": slot.schedule,
            "platform": slot.platform, "slot_at": slot.slot_at, "publish_at": slot.publish_at,
            "mode": PostMode.live, "kind": PostKind.slot, "status": PostStatus.planned,
            "alt_texts": [], "hashtags": [], "flags": {}, "images": [], "progress": {},
            "attempts": 0, "created_at": now, "updated_at": now}


def _planned(ctx: Context, slot: Slot, mode: PostMode = PostMode.live,
             kind: PostKind = PostKind.slot) -> Post:
    return Post(**{**_planned_row(ctx, slot), "mode": mode, "kind": kind})


def _existing(session: Session, slots: Sequence[Slot]) -> dict[tuple[str, str, datetime], SlotPost]:
    if not slots:
        return {}
    query = rows_of(*SLOT_COLUMNS).where(
        col(Post.mode) == PostMode.live, col(Post.kind) == PostKind.slot,
        col(Post.slot_at) >= slots[0].slot_at - timedelta(days=1),
        col(Post.slot_at) <= max(s.slot_at for s in slots),
        col(Post.schedule).in_({s.schedule for s in slots}))
    found = (SlotPost(*row) for row in session.execute(query))
    return {(p.schedule, p.platform, p.slot_at): p for p in found}


def _over_daily_limit(ctx: Context, session: Session, slot: Slot,
                      counted: dict[tuple[str, str, date], int]) -> str | None:
    """Whether the slot's local day already has ``max_per_day`` posts, counting those stored
    (one query per schedule, platform and day) and those this pass is adding."""
    schedule = ctx.ws.schedules[slot.schedule]
    if schedule.max_per_day is None:
        return None
    key = (slot.schedule, slot.platform, slot.local_day)
    if key not in counted:
        zone = ZoneInfo(schedule.timezone)
        day_start = datetime.combine(slot.local_day, datetime.min.time(), zone)
        day_end = day_start + timedelta(days=1)
        counted[key] = session.exec(select(func.count()).select_from(Post).where(
            col(Post.schedule) == slot.schedule, col(Post.platform) == slot.platform,
            col(Post.mode) == PostMode.live, col(Post.status).not_in(INACTIVE),
            col(Post.slot_at) >= day_start, col(Post.slot_at) < day_end)).one()
    if counted[key] >= schedule.max_per_day:
        return f"max_per_day {schedule.max_per_day} reached on {slot.local_day}"
    counted[key] += 1
    return None


def slot_post(ctx: Context, slot: Slot, mode: PostMode = PostMode.live,
              kind: PostKind = PostKind.slot) -> Post:
    """The post of this slot identity (schedule, platform, slot time, mode, kind), created
    planned if new; when it exists (another process made it, or an identical ``post --now``
    ran in the same second), the existing one. Its own transaction, so that losing the race
    rolls back nothing of the caller's."""
    identity = (col(Post.schedule) == slot.schedule, col(Post.platform) == slot.platform,
                col(Post.slot_at) == slot.slot_at, col(Post.mode) == mode, col(Post.kind) == kind)
    post = _planned(ctx, slot, mode, kind)
    with ctx.session() as session:
        session.add(post)
        try:
            session.commit()
        except IntegrityError:  # the unique slot key: made already, or by a concurrent process
            session.rollback()
            return session.exec(select(Post).where(*identity)).one()
    return post
