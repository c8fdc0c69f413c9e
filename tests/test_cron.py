"""Cron expressions keep their standard crontab meaning (day-of-week 0 and 7 are Sunday)."""

from __future__ import annotations

from datetime import date, time

import pytest

from influencer.config.cron import CronExpression, CronSyntaxError

MONDAY = date(2026, 11, 30)
SUNDAY = date(2026, 11, 29)
SATURDAY = date(2026, 11, 28)


def week_of(expr: str) -> list[str]:
    cron = CronExpression.parse(expr)
    days = [date(2026, 11, 29 + i) if i < 2 else date(2026, 12, i - 1) for i in range(7)]
    return [d.strftime("%a") for d in days if cron.matches_day(d)]


def test_weekdays_are_monday_to_friday() -> None:
    # APScheduler 3's from_crontab would fire this Tuesday to Saturday.
    assert week_of("0 9 * * 1-5") == ["Mon", "Tue", "Wed", "Thu", "Fri"]


@pytest.mark.parametrize("sunday", ["0", "7", "sun", "SUN"])
def test_zero_and_seven_are_sunday(sunday: str) -> None:
    assert week_of(f"0 9 * * {sunday}") == ["Sun"]


def test_weekend_list_and_names() -> None:
    assert week_of("30 18 * * 6,0") == ["Sun", "Sat"]
    assert week_of("30 18 * * sat,sun") == ["Sun", "Sat"]
    assert week_of("0 9 * * 5-7") == ["Sun", "Fri", "Sat"]


def test_day_of_month_or_day_of_week_when_both_are_restricted() -> None:
    cron = CronExpression.parse("0 9 1 * 1")  # the 1st, and every Monday
    assert cron.matches_day(date(2026, 12, 1))  # a Tuesday, but the 1st
    assert cron.matches_day(MONDAY)
    assert not cron.matches_day(date(2026, 12, 2))


def test_times_on_a_day_in_order() -> None:
    cron = CronExpression.parse("15,45 9-10 * * *")
    assert cron.times_on(SATURDAY) == [time(9, 15), time(9, 45), time(10, 15), time(10, 45)]
    assert CronExpression.parse("0 9 * * 1-5").times_on(SATURDAY) == []


def test_steps_and_macros() -> None:
    assert sorted(CronExpression.parse("*/20 * * * *").minutes) == [0, 20, 40]
    assert sorted(CronExpression.parse("5/30 * * * *").minutes) == [5, 35]
    assert CronExpression.parse("@daily").times_on(MONDAY) == [time(0, 0)]
    assert week_of("@weekly") == ["Sun"]


def test_month_names() -> None:
    cron = CronExpression.parse("0 9 * dec *")
    assert cron.matches_day(date(2026, 12, 3)) and not cron.matches_day(MONDAY)


@pytest.mark.parametrize("bad", ["", "* * * *", "60 * * * *", "* * * * 8", "1-2-3 * * * *",
                                 "a * * * *", "5-1 * * * *", "*/x * * * *"])
def test_invalid(bad: str) -> None:
    with pytest.raises(CronSyntaxError):
        CronExpression.parse(bad)
