"""Turning pydantic's validation errors into ConfigIssues a person can act on.

Each issue names the file, the line, the dotted field, what was expected and what was found,
and a hint where one helps: a misspelt key gets "did you mean …".
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from influencer.config.fields import HINT, did_you_mean
from influencer.errors import ConfigIssue

M = TypeVar("M", bound=BaseModel)
LineFinder = Callable[[Sequence[str | int]], int]
SECRET_WORDS = ("credential", "password", "token", "secret", "api_key")


def validate(
    model: type[M], data: Any, shown: str, line_for: LineFinder
) -> tuple[M | None, list[ConfigIssue]]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        issues = [_issue(model, err, data, shown, line_for) for err in exc.errors()]
        return None, _unique(issues)


def _issue(
    model: type[BaseModel], err: ErrorDetails, data: Any, shown: str, line_for: LineFinder
) -> ConfigIssue:
    loc = _clean_loc(err["loc"])
    message, hint = _message(model, err, loc)
    if message.startswith("[") and "] " in message:
        field, message = message[1:].split("] ", 1)
        loc = (*loc, field)
    return ConfigIssue(shown, line_for(loc), dotted(loc, data), message, hint)


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[str | int, ...]:
    # pydantic adds validator names ("function-after[...]") and union tags to some locations.
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in _TAGS)))


_TAGS = {"str", "int", "list[str]", "float", "bool", "dict"}


def _message(model: type[BaseModel], err: ErrorDetails, loc: tuple[str | int, ...]) -> tuple[str, str]:
    kind, found = err["type"], err.get("input")
    if kind == "missing":
        return "required field is missing", ""
    if kind == "extra_forbidden":
        allowed = fields_at(model, loc[:-1])
        hint = did_you_mean(str(loc[-1]), sorted(allowed)) if allowed else ""
        return "unknown field", hint or ("allowed: " + ", ".join(sorted(allowed)) if allowed else "")
    if kind in ("value_error", "assertion_error"):
        text = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        message, _, hint = text.partition(HINT)
        return message, hint
    expected = err["msg"].removeprefix("Input should be ").removeprefix("Input ")
    if kind.startswith(("date_", "datetime_")):
        reason = expected.split(", ", 1)[-1] if ", " in expected else expected
        return f"{_show(found, loc)} is not a date that exists ({reason})", "write YYYY-MM-DD"
    return f"expected {expected}, found {_show(found, loc)}", ""


def _show(value: Any, loc: tuple[str | int, ...]) -> str:
    if any(word in str(part).lower() for part in loc for word in SECRET_WORDS):
        return "***"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def dotted(loc: Sequence[str | int], data: Any) -> str:
    """``rights.platforms[1]``; an index is shown only where the file really has a list."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            if isinstance(node, list):
                out += f"[{part}]"
                node = node[part] if 0 <= part < len(node) else None
            continue
        out += f".{part}" if out else str(part)
        node = node.get(part) if isinstance(node, dict) else None
    return out


def fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> set[str]:
    """Field names allowed at ``loc`` inside ``model`` (empty when it is not a model)."""
    current: Any = model
    for part in loc:
        container = _container(current)
        if container is not None:  # a list index or a dict key: step inside
            current = container
            continue
        current = _unwrap(current)
        field = current.model_fields.get(part) if _is_model(current) else None
        if field is None:
            return set()
        current = field.annotation
    current = _unwrap(current)
    return set(current.model_fields) if _is_model(current) else set()


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _container(tp: Any) -> Any:
    """The item type of a list or dict annotation (Optional allowed), else None."""
    origin = typing.get_origin(tp)
    if origin in (list, dict):
        return typing.get_args(tp)[-1]
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            inner = _container(arg)
            if inner is not None:
                return inner
    return None


def _unwrap(tp: Any) -> Any:
    """The model inside Optional[...], if there is one."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if _is_model(arg):
                return arg
    return tp


def _unique(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    seen: set[tuple[int, str, str]] = set()
    out = []
    for issue in issues:
        key = (issue.line, issue.field, issue.message)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out
