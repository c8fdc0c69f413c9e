"""Prompts as Jinja2 templates: the shipped ``templates/caption.j2``, or a persona's own.

A template has two blocks, ``system`` and ``user``. Persona files and their templates are user
input, so templates render in an immutable sandbox with ``StrictUndefined`` and without the
default globals: ``{{ ''.__class__.__mro__ }}`` or ``{{ cycler.__init__.__globals__ }}`` fail
with a ``PromptTemplateError`` instead of handing out Python internals. The context holds only
plain data (strings, numbers, lists, dicts), never our objects.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from types import FrameType
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from influencer.captions.counting import UNIT_NAMES
from influencer.captions.fitting import body_budget
from influencer.captions.model import CaptionRequest
from influencer.errors import PromptTemplateError

SHIPPED = "caption.j2"
BLOCKS = ("system", "user")
EMOJI_RULES = {
    "none": "Use no emoji at all.",
    "sparing": "Use at most one or two emoji, only where they add something.",
    "lots": "Use emoji generously, as this persona does.",
}


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(f"{self.system}\n\x00\n{self.user}".encode()).hexdigest()


MAX_STEPS = 200_000  # lines of template code one render may run: loops that emit nothing too
MAX_SECONDS = 2.0  # and the time it may take
MAX_OUTPUT = 100_000  # characters a prompt (or any string or list built on the way) may have
MAX_NUMBER = 100_000  # the largest number a filter argument or an exponent may be


class Overrun(jinja2.exceptions.SecurityError):
    """A render went past its budget of steps, time, size or numbers."""


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, bounded: ``*``, ``**`` and ``+`` are checked before they run
    (``'x' * 10**8`` never allocates), filters refuse huge numbers (``center(10**9)``), and
    ``render`` counts steps and time (``_Budget``)."""

    intercepted_binops = frozenset({"*", "**", "+"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if (_number(right) and abs(right) > 64) or (_number(left) and abs(left) > MAX_NUMBER):
                raise Overrun(f"{left!r} ** {right!r} is too large")
        elif operator == "*":
            for sized, count in ((left, right), (right, left)):
                if isinstance(sized, str | list | tuple) and _number(count) \
                        and len(sized) * max(0, int(count)) > MAX_OUTPUT:
                    raise Overrun(f"repeating a {type(sized).__name__} {count} times makes "
                                  f"more than {MAX_OUTPUT:,} items")
            if _number(left) and _number(right) and abs(left) > MAX_NUMBER \
                    and abs(right) > MAX_NUMBER:
                raise Overrun("a product of two huge numbers")
        elif isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple) \
                and len(left) + len(right) > MAX_OUTPUT:
            raise Overrun(f"a value of more than {MAX_OUTPUT:,} items")
        return super().call_binop(context, operator, left, right)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bounded_filter(name: str, function: Any) -> Any:
    def bounded(*args: Any, **kwargs: Any) -> Any:
        for value in [*args, *kwargs.values()]:
            if _number(value) and abs(value) > MAX_NUMBER:
                raise Overrun(f"filter {name}: {value!r} is too large")
        result = function(*args, **kwargs)
        if isinstance(result, str | list) and len(result) > MAX_OUTPUT:
            raise Overrun(f"filter {name} made more than {MAX_OUTPUT:,} items")
        return result

    for attribute in ("jinja_pass_arg",):  # keep how Jinja passes the context or environment
        if hasattr(function, attribute):
            setattr(bounded, attribute, getattr(function, attribute))
    return bounded


class _Budget:
    """Counts the template code's line events during one render and stops it past
    ``MAX_STEPS`` or ``MAX_SECONDS`` (a trace function may raise into the traced frame)."""

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise Overrun(f"more than {MAX_STEPS:,} steps (a loop too many)")
            if self.steps % 1000 == 0 and time.monotonic() > self.deadline:
                raise Overrun(f"took more than {MAX_SECONDS:g} s")
        return self


def _environment() -> ImmutableSandboxedEnvironment:
    env = BoundedSandbox(undefined=jinja2.StrictUndefined, autoescape=False,
                         trim_blocks=True, lstrip_blocks=True)
    for name in ("lipsum", "cycler", "joiner", "namespace"):
        env.globals.pop(name, None)
    env.filters = {name: _bounded_filter(name, f) for name, f in env.filters.items()}
    return env


class PromptTemplates:
    """Compiled templates by path; a persona's template is read relative to the workspace root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._env = _environment()
        self._compiled: dict[tuple[str, int], jinja2.Template] = {}

    def template_for(self, override: str | None) -> tuple[str, jinja2.Template]:
        if override is None:
            source = files("influencer.captions").joinpath("templates", SHIPPED).read_text("utf-8")
            return SHIPPED, self._compile(SHIPPED, 0, source)
        path = (self.root / override).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise PromptTemplateError(f"writer.template {override!r} is outside the workspace")
        try:
            stamp = path.stat().st_mtime_ns
            key = (str(path), stamp)
            if key in self._compiled:
                return override, self._compiled[key]
            return override, self._compile(str(path), stamp, path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise PromptTemplateError(f"writer.template {override!r}: cannot read: {exc}") from None

    def _compile(self, name: str, stamp: int, source: str) -> jinja2.Template:
        key = (name, stamp)
        if key not in self._compiled:
            try:
                template = self._env.from_string(source)
            except jinja2.TemplateSyntaxError as exc:
                raise PromptTemplateError(f"{name}:{exc.lineno}: {exc.message}") from None
            missing = [b for b in BLOCKS if b not in template.blocks]
            if missing:
                raise PromptTemplateError(
                    f"{name}: no {{% block {missing[0]} %}} (a prompt template needs "
                    "a system and a user block)")
            self._compiled[key] = template
        return self._compiled[key]

    def render(self, request: CaptionRequest) -> Prompt:
        name, template = self.template_for(request.persona.writer.template)
        context = template.new_context(prompt_context(request))
        budget, previous = _Budget(), sys.gettrace()
        sys.settrace(budget)
        try:
            parts = [_collected(template.blocks[b](context)) for b in BLOCKS]
        except Overrun as exc:
            raise PromptTemplateError(f"{name} (persona {request.persona.id}): stopped: {exc}") \
                from None
        except jinja2.exceptions.SecurityError as exc:
            raise PromptTemplateError(f"{name}: unsafe template: {exc}") from None
        except jinja2.TemplateError as exc:
            raise PromptTemplateError(f"{name}: cannot render: {exc}") from None
        except Exception as exc:
            raise PromptTemplateError(f"{name}: cannot render: {type(exc).__name__}: {exc}") \
                from None
        finally:
            sys.settrace(previous)
        return Prompt(system=parts[0], user=parts[1])


def _collected(pieces: Iterable[str]) -> str:
    """A block's output, stopped once it passes ``MAX_OUTPUT`` characters."""
    out, size = [], 0
    for piece in pieces:
        size += len(piece)
        if size > MAX_OUTPUT:
            raise Overrun(f"the prompt passed {MAX_OUTPUT:,} characters")
        out.append(piece)
    return "".join(out).strip()


def prompt_context(request: CaptionRequest) -> dict[str, Any]:
    """What a template may use: plain data only, so the sandbox has nothing to climb."""
    persona, voice, spec = request.persona, request.persona.voice, request.platform
    revision = request.revision
    return {
        "persona": {"id": persona.id, "name": persona.name, "twin_of": persona.twin_of},
        "voice": {
            "description": voice.description, "tone": list(voice.tone),
            "language": voice.language, "emoji": voice.emoji,
            "examples": list(voice.examples), "avoid": list(voice.avoid),
            "hashtags_always": list(voice.hashtags.always),
            "hashtags_pool": list(voice.hashtags.pool), "hashtags_max": voice.hashtags.max,
            "allow_mentions": list(voice.allow_mentions),
            "allow_domains": list(voice.allow_domains),
        },
        "emoji_rule": EMOJI_RULES[voice.emoji],
        "language": request.lang,
        "platform": {"name": spec.name, "title": spec.title, "limit": request.limit,
                     "unit": UNIT_NAMES[spec.caption_counting],
                     "alt_text_limit": spec.alt_text_limit or 0},
        "budget": body_budget(request, voice.hashtags.always),
        "label": request.label_text,
        "campaign": {"theme": request.campaign.theme or "",
                     "products": list(request.campaign.products),
                     "paid": request.campaign.paid},
        "images": [{"tags": list(i.tags), "alt_text": i.alt_text or "", "mime": i.mime}
                   for i in request.images],
        "recent": list(request.recent[-10:]),
        "revision": None if revision is None else {
            "kind": revision.kind, "reason": revision.reason, "previous": revision.previous,
            "budget": revision.budget},
    }
