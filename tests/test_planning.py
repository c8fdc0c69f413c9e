"""Slot times: standard crontab days, DST nights in both directions, jitter, bounds, rights."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from influencer.config import Persona, Schedule
from influencer.flow.plan import jitter_seconds, plan

PERSONA: dict[str, Any] = {
    "id": "ava", "name": "Ava North", "twin_of": "Ava Nordström",
    "rights": {"holder": "Ava", "granted": "2026-01-01", "expires": "2031-12-31",
               "platforms": ["x", "instagram"]},
    "voice": {"description": "warm"}, "imagery": {"folder": "personas/ava/images"},
    "accounts": {"x": {"handle": "@a", "credentials": "env:A"},
                 "instagram": {"handle": "a", "credentials": "env:B"}},
}


def persona(**rights: Any) -> Persona:
    data = {**PERSONA, "rights": {**PERSONA["rights"], **rights}}
    return Persona.model_validate(data)


def schedule(**fields: Any) -> Schedule:
    data = {"id": "s", "persona": "ava", "platforms": ["x"], "cron": "0 9 * * *",
            "timezone": "Europe/Stockholm", **fields}
    return Schedule.model_validate(data)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def nominal(sched: Schedule, start: datetime, end: datetime, who: Persona | None = None) -> list[datetime]:
    return [s.slot_at for s in plan(sched, who or persona(), start, end).slots]


@pytest.mark.parametrize(("zone", "day", "wall", "expected"), [
    # spring forward: the time does not exist and fires at the first valid minute after it
    ("Europe/Stockholm", 29, "30 2 * * *", utc(2026, 3, 29, 1, 0)),
    ("America/New_York", 8, "30 2 * * *", utc(2026, 3, 8, 7, 0)),
])
def test_spring_night_time_that_does_not_exist(zone: str, day: int, wall: str, expected: datetime) -> None:
    sched = schedule(cron=wall, timezone=zone)
    slots = nominal(sched, utc(2026, 3, day - 1), utc(2026, 3, day + 2))
    assert len(slots) == 3  # the day before, the night itself, the day after: none lost
    assert slots[1] == expected


@pytest.mark.parametrize(("zone", "month", "day", "wall", "first", "second"), [
    # fall back: the time happens twice and fires at its first occurrence only
    ("Europe/Stockholm", 10, 25, "30 2 * * *", utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),
    ("America/New_York", 11, 1, "30 1 * * *", utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)),
])
def test_autumn_night_time_that_happens_twice(zone: str, month: int, day: int, wall: str,
                                              first: datetime, second: datetime) -> None:
    sched = schedule(cron=wall, timezone=zone)
    night = utc(2026, month, day)
    slots = nominal(sched, night - timedelta(days=1), night + timedelta(days=2))
    assert len(slots) == 3
    assert first in slots and second not in slots


@pytest.mark.parametrize(("zone", "day", "hours"), [
    ("Europe/Stockholm", date(2026, 10, 25), 24),  # 25 real hours, 24 wall-clock hours
    ("America/New_York", date(2026, 11, 1), 24),
    ("Europe/Stockholm", date(2026, 3, 29), 23),  # 02:00 is skipped and lands on 03:00
    ("America/New_York", date(2026, 3, 8), 23),
])
def test_hourly_across_changeover_nights(zone: str, day: date, hours: int) -> None:
    sched = schedule(cron="0 * * * *", timezone=zone)
    result = plan(sched, persona(), utc(day.year, day.month, day.day) - timedelta(days=1),
                  utc(day.year, day.month, day.day) + timedelta(days=2))
    on_day = [s.slot_at for s in result.slots if s.local_day == day]
    assert len(on_day) == hours
    assert len(set(on_day)) == len(on_day)  # no instant doubled
    gaps = {b - a for a, b in itertools.pairwise(on_day)}
    assert gaps <= {timedelta(hours=1), timedelta(hours=2)}  # 2h: the hour that really passed


def test_weekday_numbers_are_standard() -> None:
    week = (utc(2026, 11, 29), utc(2026, 12, 6))  # Sunday to Saturday
    weekdays = nominal(schedule(cron="0 9 * * 1-5"), *week)
    assert [d.strftime("%a") for d in weekdays] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert [d.strftime("%a") for d in nominal(schedule(cron="0 9 * * 7"), *week)] == ["Sun"]
    assert [d.strftime("%a") for d in nominal(schedule(cron="0 9 * * 0"), *week)] == ["Sun"]


def test_times_and_several_crons_merge_without_doubles() -> None:
    sched = schedule(cron=["0 9 * * *", "0 9,18 * * *"])
    assert len(nominal(sched, utc(2026, 12, 1), utc(2026, 12, 2))) == 2
    by_times = schedule(cron=None, times=["09:00", "18:00"])
    assert nominal(by_times, utc(2026, 12, 1), utc(2026, 12, 2)) == [
        utc(2026, 12, 1, 8), utc(2026, 12, 1, 17)]


def test_window_is_half_open() -> None:
    sched = schedule()
    assert nominal(sched, utc(2026, 12, 1, 8), utc(2026, 12, 2, 8)) == [utc(2026, 12, 1, 8)]


def test_jitter_is_repeatable_bounded_and_per_platform() -> None:
    sched = schedule(jitter=600, platforms=["x", "instagram"])
    first = plan(sched, persona(), utc(2026, 12, 1), utc(2026, 12, 31)).slots
    again = plan(sched, persona(), utc(2026, 12, 1), utc(2026, 12, 31)).slots
    assert first == again
    offsets = [(s.publish_at - s.slot_at).total_seconds() for s in first]
    assert all(-600 <= o <= 600 for o in offsets)
    assert len(set(offsets)) > 40  # spread out, not one constant
    by_slot = Counter(s.slot_at for s in first)
    assert set(by_slot.values()) == {2}  # one slot per platform per time
    x, ig = (jitter_seconds("s", p, utc(2026, 12, 1, 8), 600) for p in ("x", "instagram"))
    assert x != ig


def test_start_end_and_blackout_are_local_dates() -> None:
    sched = schedule(start="2026-12-02", end="2026-12-04", blackout=["2026-12-03"], cron="30 0 * * *")
    result = plan(sched, persona(), utc(2026, 11, 30), utc(2026, 12, 6))
    # 00:30 in Stockholm is 23:30 UTC the day before: dates are the schedule's local dates
    assert [s.slot_at for s in result.slots] == [utc(2026, 12, 1, 23, 30), utc(2026, 12, 3, 23, 30)]
    reasons = Counter(e.reason for e in result.excluded)
    assert reasons == {"before the schedule starts": 1, "blackout date 2026-12-03": 1,
                       "after the schedule ends": 2}


@pytest.mark.parametrize(("rights", "reason"), [
    ({"revoked": True}, "rights revoked for ava"),
    ({"expires": "2026-12-02"}, "rights for ava expired on 2026-12-02"),
    ({"granted": "2026-12-05", "expires": "2027-12-05"}, "rights for ava start on 2026-12-05"),
])
def test_rights_bound_every_slot(rights: dict[str, Any], reason: str) -> None:
    result = plan(schedule(), persona(**rights), utc(2026, 12, 3), utc(2026, 12, 5))
    assert result.slots == []
    assert {e.reason for e in result.excluded} == {reason}


def test_platform_outside_the_rights() -> None:
    sched = schedule(platforms=["x", "instagram"])
    result = plan(sched, persona(platforms=["x"]), utc(2026, 12, 1), utc(2026, 12, 2))
    assert {s.platform for s in result.slots} == {"x"}
    assert [e.reason for e in result.excluded] == ["rights for ava do not cover instagram"]
