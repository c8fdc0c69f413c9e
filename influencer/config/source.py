"""Reading YAML files so that every value keeps the line it came from.

ruamel.yaml's round-trip loader records each key's and item's position; ``line_of`` walks a
validation error's location through those records to the deepest line that exists. Timestamps
are left as text so that a date that does not exist (2026-02-30) reaches validation, which can
name its line, instead of failing inside the parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.parser import RoundTripParser

from influencer.errors import ConfigIssue

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 32  # nesting of mappings and lists; the deepest real field is 4 levels down
MAX_VALUES = 100_000  # keys, items and values in one file
# the tags YAML itself defines for plain data; anything else (!!python/object, !custom) is refused
PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in (
    "str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary"))


class _TextTimestamps(RoundTripConstructor):
    """Round-trip constructor that keeps timestamps as the text the user wrote."""

    def construct_text(self, node: ScalarNode) -> str:
        return str(node.value)


_TextTimestamps.add_constructor("tag:yaml.org,2002:timestamp", _TextTimestamps.construct_text)


@dataclass(frozen=True)
class YamlDocument:
    """A parsed file: its data (ruamel containers, positions attached) and where it lives."""

    path: Path
    shown: str
    data: Any


class _Refused(YAMLError):
    """What no configuration file may hold, met while parsing (see ``_RefusingParser``)."""

    def __init__(self, issue: ConfigIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


class _RefusingParser(RoundTripParser):
    """The round-trip parser, checking every event as the composer takes it, so a file is read
    once: aliases and anchors (an alias bomb expands a few hundred bytes into gigabytes), tags
    beyond plain data, nesting deeper than ``MAX_DEPTH`` (the composer recurses per level: a
    recursion bomb stops here first) and more than ``MAX_VALUES`` values are refused at their
    line before the composer builds anything from them."""

    shown = ""  # the file's name in messages, set per load

    def __init__(self, loader: Any) -> None:
        super().__init__(loader)
        self._depth = self._values = 0

    def get_event(self) -> Any:
        event = super().get_event()
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        problem = self._problem(event)
        if problem is not None:
            raise _Refused(ConfigIssue(self.shown, line, "", *problem))
        return event

    def _problem(self, event: Any) -> tuple[str, str] | None:
        if isinstance(event, AliasEvent):
            return (f"YAML alias *{event.anchor} is not allowed in configuration files",
                    "write the value out in full")
        if getattr(event, "anchor", None):
            return (f"YAML anchor &{event.anchor} is not allowed in configuration files",
                    "write the value out in full")
        tag = getattr(event, "tag", None)
        if tag and tag not in PLAIN_TAGS:
            return (f"YAML tag {tag.replace('tag:yaml.org,2002:', '!!')} is not allowed",
                    "configuration files hold plain values only")
        if isinstance(event, CollectionStartEvent):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                return (f"nested more than {MAX_DEPTH} levels deep",
                        "is this really a persona or schedule file?")
        elif isinstance(event, CollectionEndEvent):
            self._depth -= 1
        elif isinstance(event, ScalarEvent):
            self._values += 1
            if self._values > MAX_VALUES:
                return (f"more than {MAX_VALUES:,} values",
                        "is this really a persona or schedule file?")
        return None


def _yaml(shown: str = "") -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _TextTimestamps
    yaml.Parser = type("Parser", (_RefusingParser,), {"shown": shown})
    yaml.allow_duplicate_keys = False
    return yaml


def read_text(path: Path, shown: str) -> tuple[str | None, ConfigIssue | None]:
    """The file's text, or the issue that stops it being read (size, encoding, access)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, ConfigIssue(
                shown, 1, "", f"file is {size / 1e6:.1f} MB; configuration files are limited to "
                f"{MAX_FILE_BYTES / 1e6:.0f} MB", "is this really a persona or schedule file?"
            )
        raw = path.read_bytes()
    except OSError as exc:
        return None, ConfigIssue(shown, 0, "", f"cannot read file: {exc.strerror or exc}")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        return None, ConfigIssue(
            shown, line, "", f"file is not UTF-8 (byte 0x{raw[exc.start]:02x} in column {column})",
            "save it as UTF-8",
        )


def load_yaml(path: Path, shown: str) -> tuple[YamlDocument | None, ConfigIssue | None]:
    """Parse one YAML file whose top level must be a mapping."""
    text, issue = read_text(path, shown)
    if text is None:
        return None, issue
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        return None, ConfigIssue(shown, 1, "", "file is empty", "expected a mapping of fields")
    try:
        data = _yaml(shown).load(text)
    except _Refused as refused:
        return None, refused.issue
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        return None, ConfigIssue(shown, line, "", f"invalid YAML: {problem}")
    except (YAMLError, ValueError) as exc:
        return None, ConfigIssue(shown, 1, "", f"invalid YAML: {exc}")
    if not isinstance(data, CommentedMap):
        found = ("a list" if isinstance(data, list) else "nothing" if data is None
                 else f"a single value ({str(data)[:40]!r})")
        return None, ConfigIssue(
            shown, 1, "", f"expected a mapping of fields at the top level, found {found}"
        )
    return YamlDocument(path, shown, data), None


def line_of(data: Any, loc: Sequence[str | int]) -> int:
    """1-based line of the deepest part of ``loc`` present in ``data``."""
    line = _own_line(data)
    node = data
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def _own_line(data: Any) -> int:
    lc = getattr(data, "lc", None)
    return int(lc.line) + 1 if lc is not None and lc.line is not None else 1


def plain(data: Any) -> Any:
    """ruamel containers turned into plain dicts and lists for validation."""
    if isinstance(data, dict):
        return {str(key): plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [plain(item) for item in data]
    return data
