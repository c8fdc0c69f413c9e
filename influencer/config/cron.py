"""Five-field cron expressions with standard crontab meaning.

Day-of-week 0 and 7 are Sunday and 1 is Monday, as in crontab(5). APScheduler 3's
``CronTrigger.from_crontab`` counts 0 as Monday, so user expressions are never handed to it:
this module parses them, and the planner asks it which wall-clock times a day has.

As in Vixie cron, when both day-of-month and day-of-week are restricted a day matches if
either does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
)}
WEEKDAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}


class CronSyntaxError(ValueError):
    """An expression that crontab would reject; the message says which part and why."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int]


FIELDS = (
    _Field("minute", 0, 59, {}),
    _Field("hour", 0, 23, {}),
    _Field("day of month", 1, 31, {}),
    _Field("month", 1, 12, MONTHS),
    _Field("day of week", 0, 7, WEEKDAYS),
)


@dataclass(frozen=True)
class CronExpression:
    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday … 6 = Saturday
    days_restricted: bool
    weekdays_restricted: bool

    @classmethod
    def parse(cls, text: str) -> CronExpression:
        expanded = MACROS.get(text.strip().lower(), text)
        parts = expanded.split()
        if len(parts) != 5:
            raise CronSyntaxError(f"expected 5 fields (minute hour day month weekday), found {len(parts)}")
        values = [_parse_field(part, spec) for part, spec in zip(parts, FIELDS, strict=True)]
        weekdays = frozenset(d % 7 for d in values[4])
        return cls(
            text=text,
            minutes=frozenset(values[0]),
            hours=frozenset(values[1]),
            days=frozenset(values[2]),
            months=frozenset(values[3]),
            weekdays=weekdays,
            days_restricted=not parts[2].startswith("*"),
            weekdays_restricted=not parts[4].startswith("*"),
        )

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return dom or dow
        return dom and dow

    def times_on(self, day: date) -> list[time]:
        """The wall-clock times this expression fires on ``day``, in order."""
        if not self.matches_day(day):
            return []
        return [time(h, m) for h in sorted(self.hours) for m in sorted(self.minutes)]


def _parse_field(text: str, spec: _Field) -> set[int]:
    if not text:
        raise CronSyntaxError(f"{spec.name} is empty")
    result: set[int] = set()
    for item in text.split(","):
        result |= _parse_item(item, spec)
    return result


def _parse_item(item: str, spec: _Field) -> set[int]:
    body, _, step_text = item.partition("/")
    step = 1
    if step_text:
        if not step_text.isdigit() or int(step_text) == 0:
            raise CronSyntaxError(f"{spec.name} step {step_text!r} must be a whole number above 0")
        step = int(step_text)
    if body == "*":
        low, high = spec.low, spec.high if spec.name != "day of week" else 6
    elif "-" in body:
        first, _, last = body.partition("-")
        low, high = _value(first, spec), _value(last, spec)
        if low > high:
            raise CronSyntaxError(f"{spec.name} range {body!r} runs backwards ({low} > {high})")
    else:
        low = _value(body, spec)
        high = spec.high if step_text else low
    return set(range(low, high + 1, step))


def _value(text: str, spec: _Field) -> int:
    if text.lower() in spec.names:
        return spec.names[text.lower()]
    if not text.isdigit():
        raise CronSyntaxError(f"{spec.name} {text!r} is not a number")
    value = int(text)
    if value > spec.high:
        raise CronSyntaxError(f"{spec.name} {value} > {spec.high}")
    if value < spec.low:
        raise CronSyntaxError(f"{spec.name} {value} < {spec.low}")
    return value
