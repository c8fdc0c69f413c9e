"""Field types shared by the persona, schedule and settings models.

A validator's ValueError may carry a hint after a ``" | hint: "`` separator, and a model-level
validator may start its message with ``[field]`` to point at the field it is about; the error
formatter (``validation.py``) uses both.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from influencer.config.credentials import REFERENCE_HINT, reference_problem
from influencer.config.cron import CronExpression, CronSyntaxError
from influencer.config.platforms import ALIASES, known_platforms

HINT = " | hint: "
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Strict(BaseModel):
    """Base of every file model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def did_you_mean(word: str, choices: object) -> str:
    names = [str(c) for c in choices] if isinstance(choices, (list, tuple, set, frozenset)) else []
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def _identifier(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(
            f"{value!r} is not a valid id{HINT}use lowercase letters, digits, '-' and '_', "
            "at most 64, starting with a letter or digit; ids name folders, so no '/' or '..'"
        )
    return value


def _platform(value: str) -> str:
    known = known_platforms()
    if value in known:
        return value
    hint = f"did you mean {ALIASES[value]!r}?" if value in ALIASES else did_you_mean(value, known)
    hint = hint or "known platforms: " + ", ".join(sorted(known))
    raise ValueError(f"unknown platform {value!r}{HINT}{hint}")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        hint = did_you_mean(value, sorted(_zones())) or "use an IANA name such as Europe/Stockholm"
        raise ValueError(f"{value!r} is not a known time zone{HINT}{hint}") from None
    return value


def _cron(value: str) -> str:
    try:
        CronExpression.parse(value)
    except CronSyntaxError as exc:
        raise ValueError(f"{value!r} is not a valid cron expression ({exc})") from None
    return value


def _clock_time(value: str) -> str:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"{value!r} is not a time of day{HINT}write 24-hour HH:MM, e.g. 09:00")
    return f"{int(match[1]):02d}:{match[2]}"


def _credential(value: str) -> str:
    problem = reference_problem(value)
    if problem:
        # The value may be a pasted secret: never echo it.
        raise ValueError(f"*** {problem}{HINT}{REFERENCE_HINT}")
    return value


def _territory(value: str) -> str:
    from influencer.config.territories import REGIONS, known

    code = value.strip().upper()
    if not known(code):
        raise ValueError(f"{value!r} is not a territory{HINT}use an ISO 3166-1 alpha-2 country code "
                         f"such as SE or US, or one of {', '.join(REGIONS)}")
    return code


def _hashtag(value: str) -> str:
    if not re.fullmatch(r"#\w+", value):
        raise ValueError(f"{value!r} is not a hashtag{HINT}start with # and use no spaces or punctuation")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[str, AfterValidator(_identifier)]
PlatformName = Annotated[str, AfterValidator(_platform)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
CronText = Annotated[str, AfterValidator(_cron)]
ClockTime = Annotated[str, AfterValidator(_clock_time)]
CredentialRef = Annotated[str, AfterValidator(_credential)]
Hashtag = Annotated[str, AfterValidator(_hashtag)]
Territory = Annotated[str, AfterValidator(_territory)]
