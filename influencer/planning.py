"""The one source of slot times: which slots a window holds, and which it may not.

A slot's identity is (schedule id, platform, nominal UTC time). Rules (DESIGN.md, Time):

- cron expressions keep standard crontab meaning (``config/cron.py``);
- each local wall-clock time fires once: a time that happens twice (autumn) fires at its first
  occurrence; a time that does not exist (spring) fires at the first valid minute after it, and
  several skipped times that land on the same instant make one slot, as in cron;
- jitter is derived from the slot itself (a hash of schedule id, platform and nominal time);
- start/end and blackout dates are local dates in the schedule's zone;
- the persona's rights bound everything: nothing is planned outside them, and the reason is
  kept so the preview can say why a slot is missing.

Planning is pure computation: ``max_per_day`` limits that need the database are applied by the
pipeline, which knows what was already posted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from influencer.config import Persona, Schedule

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


def _day_refusal(schedule: Schedule, persona: Persona, day: date) -> str | None:
    """Why no slot of ``schedule`` may fall on ``day``, or None."""
    if schedule.start and day < schedule.start:
        return "before the schedule starts"
    if schedule.end and day > schedule.end:
        return "after the schedule ends"
    if day in schedule.blackout:
        return f"blackout date {day}"
    rights = persona.rights
    if rights.revoked:
        return f"rights revoked for {persona.id}"
    if day < rights.granted:
        return f"rights for {persona.id} start on {rights.granted}"
    if day > rights.expires:
        return f"rights for {persona.id} expired on {rights.expires}"
    return None


def plan(schedule: Schedule, persona: Persona, start: datetime, end: datetime) -> Plan:
    """Every slot of ``schedule`` whose nominal time lies in [start, end)."""
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
        refusal = _day_refusal(schedule, persona, day)
        for platform in schedule.platforms:
            reason = refusal or _platform_refusal(persona, platform)
            for instant in instants:
                if reason:
                    excluded.append(Excluded(schedule.id, platform, instant, reason))
                    continue
                offset = jitter_seconds(schedule.id, platform, instant, schedule.jitter)
                slots.append(Slot(instant + timedelta(seconds=offset), instant, schedule.id,
                                  platform, persona.id, day))
    slots.sort()
    return Plan(slots, excluded)


def _platform_refusal(persona: Persona, platform: str) -> str | None:
    if platform not in persona.rights.platforms:
        return f"rights for {persona.id} do not cover {platform}"
    return None
