"""What a caption writer is asked for and what it gives back.

A ``CaptionRequest`` carries everything one slot's caption depends on, so a writer needs nothing
else and the same request always describes the same caption. A ``Caption`` is the body only: the
disclosure step adds the label (and ``#ad`` when paid), but fitting already counted them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from influencer.config.persona import Persona
from influencer.config.platforms import PlatformSpec
from influencer.config.schedule import Campaign
from influencer.errors import InfluencerError


@dataclass(frozen=True)
class ImageInput:
    """One image of the post, with the facts its sidecar file gives about it. ``data`` is the
    image's bytes, or the file holding them, read only when a writer sends the image (the
    offline writer never does: a long window's images are not all read into memory)."""

    data: bytes | Path = field(repr=False)
    mime: str  # e.g. image/jpeg
    tags: tuple[str, ...] = ()
    alt_text: str | None = None  # the sidecar's description, if it has one
    name: str = ""  # file name, for messages

    def content(self) -> bytes:
        return self.data.read_bytes() if isinstance(self.data, Path) else self.data

    def data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.content()).decode('ascii')}"


@dataclass(frozen=True)
class Revision:
    """Why a caption is being asked for again: too long, or rejected by a rule."""

    kind: Literal["shorten", "rewrite"]
    reason: str  # told to the writer verbatim
    previous: str  # the caption being replaced
    budget: int | None = None  # for "shorten": what the body and hashtags may use


@dataclass(frozen=True)
class CaptionRequest:
    persona: Persona
    platform: PlatformSpec
    slot_key: str  # the slot's identity: seeds the offline writer, names the slot in errors
    images: tuple[ImageInput, ...] = ()
    campaign: Campaign = field(default_factory=Campaign)
    language: str | None = None  # default: the persona's voice language
    recent: tuple[str, ...] = ()  # this twin's recent captions, not to be repeated
    label: str | None = None  # disclosure label that will be added; default: the persona's
    caption_limit: int | None = None  # e.g. a Mastodon instance's own limit; default: the spec's
    revision: Revision | None = None

    @property
    def lang(self) -> str:
        return self.language or self.persona.voice.language

    @property
    def label_text(self) -> str:
        return self.label if self.label is not None else self.persona.disclosure.label_for(self.lang)

    @property
    def limit(self) -> int:
        return self.caption_limit or self.platform.caption_limit

    @property
    def where(self) -> str:
        """How errors name this request."""
        return f"persona {self.persona.id}, slot {self.slot_key}"


@dataclass(frozen=True)
class Caption:
    text: str  # the body: no disclosure label, no #ad, no trailing hashtags
    hashtags: tuple[str, ...]
    alt_text: str  # describes the image; the disclosure step puts the label in front
    writer: str  # "offline", "openai", or a plugin's name
    model: str  # the model that wrote it ("offline-v1" for the offline writer)
    prompt_sha256: str  # of the rendered prompt, for the audit trail
    notes: tuple[str, ...] = ()  # what fitting and checking did (shortened, hashtags dropped…)


class CaptionWriter(Protocol):
    """The writer seam: one request in, one caption out. Retries are the writer's own business;
    fitting and safety are not (the drafter applies them to every writer alike)."""

    name: str

    async def write(self, request: CaptionRequest) -> Caption: ...


Status = Literal["drafted", "held", "failed"]


@dataclass(frozen=True)
class CaptionResult:
    """The outcome for one request: a caption to store, a post to hold, or an error.

    ``held`` posts keep the rejected caption so a person can see what was refused; they must
    never be published. ``failed`` means no caption exists (the writer or moderation failed).
    """

    slot_key: str
    status: Status
    caption: Caption | None = None
    reason: str = ""  # why it is held or failed
    error: InfluencerError | None = None

    @property
    def publishable(self) -> bool:
        return self.status == "drafted" and self.caption is not None

    @classmethod
    def drafted(cls, slot_key: str, caption: Caption) -> CaptionResult:
        return cls(slot_key, "drafted", caption)

    @classmethod
    def held(cls, slot_key: str, caption: Caption | None, reason: str) -> CaptionResult:
        return cls(slot_key, "held", caption, reason)

    @classmethod
    def failed(cls, slot_key: str, error: InfluencerError) -> CaptionResult:
        return cls(slot_key, "failed", None, str(error), error)
