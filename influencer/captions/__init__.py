"""Captions in each persona's voice: writers, prompt templates, fitting and safety.

The pipeline calls::

    async with CaptionDrafter(workspace.root, workspace.settings) as drafter:
        results = await drafter.write_many([CaptionRequest(...), ...])

Each ``CaptionResult`` is ``drafted`` (store ``caption``), ``held`` (never publish; ``reason``
says why) or ``failed`` (no caption; ``error``). The disclosure step lays out the published
text with ``compose`` / ``published_text``, the same layout fitting measured.

This package imports nothing of ours but ``config`` and ``errors``.
"""

from influencer.captions.counting import measure, weighted_length
from influencer.captions.drafting import CaptionDrafter, write_many
from influencer.captions.fitting import compose, published_text
from influencer.captions.model import (
    Caption,
    CaptionRequest,
    CaptionResult,
    CaptionWriter,
    ImageInput,
    Revision,
)
from influencer.captions.moderation import ModerationVerdict, Moderator
from influencer.captions.registry import WRITER_GROUP, WriterContext, writer_factory
from influencer.captions.retry import RetryPolicy
from influencer.captions.throttle import RequestGate

__all__ = [
    "WRITER_GROUP",
    "Caption",
    "CaptionDrafter",
    "CaptionRequest",
    "CaptionResult",
    "CaptionWriter",
    "ImageInput",
    "ModerationVerdict",
    "Moderator",
    "RequestGate",
    "RetryPolicy",
    "Revision",
    "WriterContext",
    "compose",
    "measure",
    "published_text",
    "weighted_length",
    "write_many",
    "writer_factory",
]
