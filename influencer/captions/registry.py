"""Caption writers by name: the built-in ``offline`` and ``openai``, and plugins.

A plugin registers a factory under the entry-point group ``influencer.writers``; the factory
is called as ``factory(persona, context)`` and returns an object with
``async write(CaptionRequest) -> Caption`` and a ``name``. Built-ins go through the same
lookup, so a plugin can be written exactly like them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import cast

from influencer.captions.model import CaptionWriter
from influencer.captions.offline import OfflineWriter
from influencer.captions.openai_clients import OpenAIClients
from influencer.captions.prompt import PromptTemplates
from influencer.captions.retry import RetryPolicy
from influencer.captions.throttle import RequestGate
from influencer.config.persona import Persona
from influencer.config.settings import WriterDefaults
from influencer.errors import CaptionError

WRITER_GROUP = "influencer.writers"


@dataclass(frozen=True)
class WriterContext:
    """What a writer factory may use: shared clients, limits and templates of one drafter."""

    root: Path
    defaults: WriterDefaults
    policy: RetryPolicy
    gate: RequestGate
    clients: OpenAIClients
    templates: PromptTemplates


WriterFactory = Callable[[Persona, WriterContext], CaptionWriter]


def _offline(persona: Persona, context: WriterContext) -> CaptionWriter:
    return OfflineWriter()


def _openai(persona: Persona, context: WriterContext) -> CaptionWriter:
    from influencer.captions.openai_writer import OpenAIWriter  # imports the SDK

    return OpenAIWriter.for_persona(persona, context.defaults, context.root, context.clients,
                                    context.templates, context.policy, context.gate)


BUILTIN: dict[str, WriterFactory] = {"offline": _offline, "openai": _openai}


def writer_factory(name: str) -> WriterFactory:
    if name in BUILTIN:
        return BUILTIN[name]
    for entry in entry_points(group=WRITER_GROUP):
        if entry.name == name:
            return cast(WriterFactory, entry.load())
    known = sorted({*BUILTIN, *(e.name for e in entry_points(group=WRITER_GROUP))})
    raise CaptionError(f"unknown caption writer {name!r} (known: {', '.join(known)})")
