"""The persona file: who the twin is, whose rights it rests on, how it speaks, where it posts.

Field names are fixed by DESIGN.md (File formats); new fields may be added, none renamed.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, HttpUrl, model_validator

from influencer.config.fields import (
    HINT,
    CredentialRef,
    Hashtag,
    Identifier,
    PlatformName,
    Strict,
    Territory,
    Text,
)

DigitalSource = Literal["trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"]
DIGITAL_SOURCE_TYPE_URI = "http://cv.iptc.org/newscodes/digitalsourcetype/"


class Rights(Strict):
    holder: Text  # who holds the right of usage: the model
    agency: Text | None = None
    contract: Text | None = None
    granted: date
    expires: date
    platforms: list[PlatformName] = Field(min_length=1)
    territories: list[Territory] = Field(default_factory=list)  # empty: anywhere
    exclude_categories: list[Text] = Field(default_factory=list)  # campaign categories refused
    revoked: bool = False

    @model_validator(mode="after")
    def _expires_after_granted(self) -> Rights:
        if self.expires < self.granted:
            raise ValueError(
                f"[expires] expires {self.expires} is before granted {self.granted}"
                f"{HINT}a grant must end after it starts"
            )
        return self


class Hashtags(Strict):
    always: list[Hashtag] = Field(default_factory=list)  # on every post
    pool: list[Hashtag] = Field(default_factory=list)  # drawn from per post
    max: int = Field(default=3, ge=0, le=30)  # total per post, always included


class Voice(Strict):
    description: Text
    tone: list[Text] = Field(default_factory=list)
    language: Text = "en"
    emoji: Literal["none", "sparing", "lots"] = "sparing"
    examples: list[Text] = Field(default_factory=list)
    avoid: list[Text] = Field(default_factory=list)  # words and topics never to touch
    hashtags: Hashtags = Field(default_factory=Hashtags)
    allow_mentions: list[Text] = Field(default_factory=list)  # @handles a caption may name
    allow_domains: list[Text] = Field(default_factory=list)  # domains a caption may link to


class Imagery(Strict):
    folder: Text  # relative to the workspace root, inside it
    source: DigitalSource = "trainedAlgorithmicMedia"

    @property
    def digital_source_type(self) -> str:
        return DIGITAL_SOURCE_TYPE_URI + self.source


class Writer(Strict):
    name: Literal["offline", "openai"] = "offline"
    model: Text | None = None
    base_url: HttpUrl | None = None  # any OpenAI-compatible endpoint (Ollama, vLLM, LM Studio)
    temperature: float | None = Field(default=None, ge=0, le=2)
    template: Text | None = None  # a Jinja2 prompt template overriding the shipped one
    credentials: CredentialRef | None = None  # API key reference; a local endpoint needs none


class Mark(Strict):
    """Visible corner text on the image (China GB 45438-2025): off unless asked for."""

    enabled: bool = False
    text: Text | None = None  # defaults to the disclosure label
    platforms: list[PlatformName] = Field(default_factory=list)  # empty = every platform


class Disclosure(Strict):
    label: dict[str, Text] = Field(default_factory=lambda: {"en": "AI-generated"}, min_length=1)
    position: Literal["start", "end"] = "start"
    mark: Mark = Field(default_factory=Mark)

    def label_for(self, language: str) -> str:
        return self.label.get(language) or self.label.get("en") or next(iter(self.label.values()))


class Account(Strict):
    handle: Text
    credentials: CredentialRef
    live: bool = False  # publish for real only when true; otherwise to the outbox
    base_url: HttpUrl | None = None  # API base: Mastodon instance, Bluesky PDS, X or Graph API host
    user_id: Text | None = None  # Instagram: the professional account's IG user id
    territories: list[Territory] = Field(default_factory=list)  # where its audience is


class Persona(Strict):
    id: Identifier
    name: Text  # the twin's display name
    twin_of: Text  # the real person
    rights: Rights
    voice: Voice
    imagery: Imagery
    writer: Writer = Field(default_factory=Writer)
    disclosure: Disclosure = Field(default_factory=Disclosure)
    accounts: dict[PlatformName, Account] = Field(default_factory=dict)
