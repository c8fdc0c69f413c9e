"""One previewed post: the fields of its ``post.json`` plus what the preview shows about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


@dataclass
class PreviewItem:
    post: dict[str, Any]  # the post.json document (``platforms.outbox.post_document``)
    status: str
    stale: bool = False
    state: str = ""  # the status as a person reads it: "retrying (attempt 2 of 5 failed, …)"
    warnings: list[str] = field(default_factory=list)
    local_time: str = ""  # slot time in the schedule's zone, e.g. "Tue 1 Dec 09:04 CET"
    local_day: str = ""  # YYYY-MM-DD in the schedule's zone, for grouping
    persona_name: str = ""
    handle: str = ""
    length: int = 0  # caption length in the platform's unit
    limit: int = 0
    image_paths: list[Path] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # the library files the images came from

    def as_json(self) -> dict[str, Any]:
        return {**self.post, "status": self.status, "state": self.state or self.status,
                "stale": self.stale, "warnings": list(self.warnings)}


def preview_document(items: list[PreviewItem], start: str, end: str) -> dict[str, Any]:
    """DESIGN.md's preview JSON."""
    return {"schema_version": SCHEMA_VERSION, "window": {"from": start, "to": end},
            "posts": [item.as_json() for item in items]}
