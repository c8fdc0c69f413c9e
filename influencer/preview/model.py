"""One previewed post: the fields of its ``post.json`` plus what the preview shows about it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

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


def write_preview_document(out: TextIO, items: Iterable[PreviewItem], start: str, end: str,
                           excluded: list[dict[str, Any]]) -> None:
    """``preview_document`` plus its ``excluded`` list, written to ``out`` post by post, as
    ``json.dumps(…, indent=2)`` would print it whole: a long window never sits in memory
    twice (as items and as one string)."""
    out.write(f'{{\n  "schema_version": {SCHEMA_VERSION},\n  "window": '
              f'{_indented({"from": start, "to": end})},\n  "posts": [')
    _write_list(out, (item.as_json() for item in items))
    out.write(',\n  "excluded": [')
    _write_list(out, excluded)
    out.write("\n}\n")


def _write_list(out: TextIO, values: Iterable[Any]) -> None:
    empty = True
    for value in values:
        out.write(("\n" if empty else ",\n") + "    " + _indented(value, 4))
        empty = False
    out.write("]" if empty else "\n  ]")


def _indented(value: Any, by: int = 2) -> str:
    # a JSON text holds no raw line break inside a string, so each one starts a line
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return text.replace("\n", "\n" + " " * by)
