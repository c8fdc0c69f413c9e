"""The schedule file: when, where and about what one twin posts.

A schedule's identity is its ``id:`` field, not its file name, so renaming a file does not
repost everything (DESIGN.md, Time).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from influencer.config.cron import CronExpression
from influencer.config.fields import (
    HINT,
    ClockTime,
    CronText,
    Identifier,
    PlatformName,
    Strict,
    Text,
    TimeZoneName,
)


class Campaign(Strict):
    theme: Text | None = None
    products: list[Text] = Field(default_factory=list)
    categories: list[Text] = Field(default_factory=list)  # checked against rights.exclude_categories
    paid: bool = False  # adds #ad (FTC) and the platforms' paid-partnership flags


class TagMatch(Strict):
    """Which tags an image must carry: every one of ``all``, and one or more of ``any``."""

    all: list[Text] = Field(default_factory=list)
    any: list[Text] = Field(default_factory=list)

    @field_validator("all", "any")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return sorted({tag.lower() for tag in value})

    def matches(self, tags: Collection[str]) -> bool:
        return set(self.all) <= set(tags) and (not self.any or bool(set(self.any) & set(tags)))

    def __str__(self) -> str:
        parts = []
        if self.all:
            parts.append(" and ".join(self.all))
        if self.any:
            parts.append(" or ".join(self.any) if not self.all else f"({' or '.join(self.any)})")
        return " and ".join(parts)


class ImageChoice(Strict):
    # a plain list: an image with any of the tags; {all: [...]} / {any: [...]} say which
    tags: TagMatch = Field(default_factory=TagMatch)
    reuse_after_days: int = Field(default=30, ge=0)
    per_post: int = Field(default=1, ge=1, le=10)  # above 1: a carousel

    @field_validator("tags", mode="before")
    @classmethod
    def _plain_list_is_any(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"any": [value]}
        return {"any": value} if isinstance(value, list) else value


class Schedule(Strict):
    id: Identifier
    persona: Identifier
    platforms: list[PlatformName] = Field(min_length=1)
    cron: list[CronText] | None = Field(default=None, min_length=1)
    times: list[ClockTime] | None = Field(default=None, min_length=1)
    timezone: TimeZoneName
    jitter: int = Field(default=0, ge=0, le=86_400)  # seconds, ± up to this much
    lead_time: int = Field(default=7200, ge=0)  # seconds before the slot a draft must exist
    grace: int = Field(default=900, ge=0)  # seconds a missed slot may still go out late
    approval: Literal["auto", "required"] = "auto"
    campaign: Campaign = Field(default_factory=Campaign)
    images: ImageChoice = Field(default_factory=ImageChoice)
    start: date | None = None
    end: date | None = None
    blackout: list[date] = Field(default_factory=list)
    max_per_day: int | None = Field(default=None, ge=1)

    @field_validator("cron", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("platforms")
    @classmethod
    def _unique_platforms(cls, value: list[str]) -> list[str]:
        repeated = sorted({p for p in value if value.count(p) > 1})
        if repeated:
            raise ValueError(f"{', '.join(repeated)} listed twice{HINT}name each platform once")
        return value

    @model_validator(mode="after")
    def _when(self) -> Schedule:
        if (self.cron is None) == (self.times is None):
            found = "both" if self.cron is not None else "neither"
            raise ValueError(f"[cron] give exactly one of cron or times, found {found}"
                             f"{HINT}cron: \"0 9 * * 1-5\" or times: [\"09:00\", \"18:30\"]")
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"[end] end {self.end} is before start {self.start}")
        return self

    def cron_expressions(self) -> list[CronExpression]:
        """The schedule's firing rules; ``times`` become daily cron expressions."""
        if self.cron is not None:
            return [CronExpression.parse(text) for text in self.cron]
        assert self.times is not None
        return [CronExpression.parse(f"{int(t[3:])} {int(t[:2])} * * *") for t in self.times]
