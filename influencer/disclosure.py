"""The disclosure step: the only way to make a ``LabeledPost``, the only thing adapters accept.

Every layer of DESIGN.md's disclosure table that applies to the target platform is applied and
then checked:

    visible label   the persona's wording in the caption, at its start or end, never trimmed
    paid            "#ad" right after the label when the campaign is paid
    alt text        each image's alt text begins with the label (platforms that take alt text)
    native flag     X ``made_with_ai``, Instagram ``is_ai_generated`` (and X ``paid_partnership``)
    XMP             every image file carries the IPTC DigitalSourceType of the persona's imagery
    C2PA            every image carries a signed manifest, when signing is configured

A LabeledPost is a frozen dataclass whose constructor re-checks the layers and a seal (an HMAC
over its content, keyed per process): attribute assignment raises, and ``dataclasses.replace``
or any other construction that changes content without passing through ``label`` is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from influencer.captions.fitting import AD_TAG, compose, disclosure_block
from influencer.config.persona import Persona
from influencer.config.platforms import PlatformSpec
from influencer.errors import DisclosureError

_KEY = secrets.token_bytes(32)
C2PA_MARKER = b"c2pa"


@dataclass(frozen=True, slots=True)
class LabeledImage:
    path: Path
    sha256: str
    alt_text: str
    digital_source_type: str
    c2pa: bool = False


class StoredImageFields(Protocol):
    """What a stored draft keeps of each image (``store.StoredImage`` has it)."""

    @property
    def path(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def alt(self) -> str: ...
    @property
    def signed(self) -> bool: ...


class StoredDraft(Protocol):
    """What a stored draft offers to be labelled (``store.Post`` has it; this module does not
    import the store)."""

    @property
    def id(self) -> str: ...
    @property
    def persona(self) -> str: ...
    @property
    def schedule(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def slot_at(self) -> datetime: ...
    @property
    def publish_at(self) -> datetime: ...
    @property
    def body(self) -> str | None: ...
    @property
    def hashtags(self) -> Sequence[str]: ...
    @property
    def images(self) -> Sequence[StoredImageFields]: ...
    @property
    def writer(self) -> str | None: ...
    @property
    def platform_key(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Draft:
    """What the flow hands to the disclosure step: a stored draft, not yet labelled."""

    post_id: str
    persona: str
    schedule: str
    platform: str
    slot_at: datetime
    publish_at: datetime
    body: str  # the caption without label, #ad or hashtags
    hashtags: Sequence[str]
    images: Sequence[LabeledImage]
    writer: str
    paid: bool = False
    language: str = "en"
    platform_key: str | None = None  # the key the platform stores it under, fixed at the first claim

    @classmethod
    def from_post(cls, post: StoredDraft, persona: Persona, *, paid: bool) -> Draft:
        """The one way a stored draft becomes a ``Draft``: when it is first stored, whenever it
        is shown, and before it is sent."""
        if post.body is None:
            raise DisclosureError(f"post {post.id} has no caption yet")
        source_type = persona.imagery.digital_source_type
        images = [LabeledImage(Path(i.path), i.sha256, i.alt, source_type, i.signed) for i in post.images]
        return cls(post.id, post.persona, post.schedule, post.platform, post.slot_at, post.publish_at,
                   post.body, list(post.hashtags), images, post.writer or "unknown", paid=paid,
                   language=persona.voice.language, platform_key=post.platform_key)


@dataclass(frozen=True, slots=True)
class LabeledPost:
    post_id: str
    persona: str
    schedule: str
    platform: str
    slot_at: datetime
    publish_at: datetime
    text: str
    label: str
    label_position: str
    paid: bool
    images: tuple[LabeledImage, ...]
    flags: tuple[tuple[str, bool], ...]
    writer: str
    require_alt_label: bool
    native_flag: str | None
    require_c2pa: bool
    language: str  # ISO 639-1, as platforms that take one are told
    platform_key: str | None  # e.g. the Bluesky record key; None until the post is first claimed
    seal: str = field(repr=False)

    def __post_init__(self) -> None:
        problems = _missing_layers(self)
        if problems:
            raise DisclosureError(f"post {self.post_id}: " + "; ".join(problems))
        if not hmac.compare_digest(self.seal, _seal(self)):
            raise DisclosureError(f"post {self.post_id}: not made by the disclosure step "
                                  "(its content changed after labelling)")

    @property
    def alt_texts(self) -> list[str]:
        return [image.alt_text for image in self.images]

    @property
    def flag_map(self) -> dict[str, bool]:
        return dict(self.flags)


def _content(post: LabeledPost) -> bytes:
    data = [post.post_id, post.persona, post.schedule, post.platform, post.slot_at.isoformat(),
            post.publish_at.isoformat(), post.text, post.label, post.label_position, post.paid,
            [[str(i.path), i.sha256, i.alt_text, i.digital_source_type, i.c2pa] for i in post.images],
            list(post.flags), post.writer, post.require_alt_label, post.native_flag, post.require_c2pa,
            post.language, post.platform_key]
    return json.dumps(data, ensure_ascii=False, default=str).encode()


def _seal(post: LabeledPost) -> str:
    return hmac.new(_KEY, _content(post), hashlib.sha256).hexdigest()


def _missing_layers(post: LabeledPost) -> list[str]:
    problems = []
    block = disclosure_block(post.label, post.paid)  # the label, then #ad when paid
    if not post.label.strip():
        problems.append("the disclosure label is empty")
    elif post.label_position == "start" and not post.text.startswith(block):
        problems.append(f"caption does not start with {block!r}")
    elif post.label_position == "end" and not post.text.endswith(block):
        problems.append(f"caption does not end with {block!r}")
    if post.paid and AD_TAG not in post.text.split():
        problems.append("paid campaign without #ad in the caption")
    flags = dict(post.flags)
    if post.native_flag and flags.get(post.native_flag) is not True:
        problems.append(f"native AI flag {post.native_flag} is not set")
    if not post.images:
        problems.append("no image")
    for image in post.images:
        if post.require_alt_label and not image.alt_text.startswith(post.label):
            problems.append(f"alt text of {image.path.name} does not begin with the label")
        if not image.digital_source_type:
            problems.append(f"{image.path.name} has no IPTC digital source type")
        if post.require_c2pa and not image.c2pa:
            problems.append(f"{image.path.name} has no C2PA manifest")
    return problems


def labeled_alt(alt: str, label: str) -> str:
    alt = alt.strip()
    return alt if alt.startswith(label) else f"{label}: {alt}" if alt else label


def _file_layers(image: LabeledImage) -> LabeledImage:
    """Re-read the file: the layers must be in the bytes that will be sent, not just claimed."""
    data = image.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != image.sha256:
        raise DisclosureError(f"{image.path}: file changed since it was rendered")
    if image.digital_source_type.encode() not in data:
        raise DisclosureError(f"{image.path}: no XMP DigitalSourceType {image.digital_source_type}")
    return image if not image.c2pa or C2PA_MARKER in data else _no_c2pa(image)


def _no_c2pa(image: LabeledImage) -> LabeledImage:
    raise DisclosureError(f"{image.path}: C2PA manifest claimed but not found in the file")


def label(draft: Draft, persona: Persona, spec: PlatformSpec, *, require_c2pa: bool = False,
          extra_flags: Mapping[str, bool] | None = None) -> LabeledPost:
    """Apply every disclosure layer that applies to ``spec``'s platform; refuse if one cannot be."""
    text_label = persona.disclosure.label_for(draft.language)
    takes_alt = spec.alt_text_limit is not None
    images = tuple(
        _file_layers(LabeledImage(i.path, i.sha256,
                                  labeled_alt(i.alt_text, text_label) if takes_alt else i.alt_text,
                                  i.digital_source_type, i.c2pa))
        for i in draft.images)
    flags: dict[str, bool] = dict(extra_flags or {})
    if spec.native_ai_flag:
        flags[spec.native_ai_flag] = True
    if spec.paid_flag:
        flags[spec.paid_flag] = draft.paid
    fields: dict[str, Any] = {
        "post_id": draft.post_id, "persona": draft.persona, "schedule": draft.schedule,
        "platform": draft.platform, "slot_at": draft.slot_at, "publish_at": draft.publish_at,
        "text": compose(draft.body, draft.hashtags, text_label, persona.disclosure.position,
                        draft.paid),
        "label": text_label, "label_position": persona.disclosure.position, "paid": draft.paid,
        "images": images, "flags": tuple(sorted(flags.items())), "writer": draft.writer,
        "require_alt_label": takes_alt, "native_flag": spec.native_ai_flag,
        "require_c2pa": require_c2pa, "language": draft.language, "platform_key": draft.platform_key,
    }
    unsealed = object.__new__(LabeledPost)
    for name, value in fields.items():
        object.__setattr__(unsealed, name, value)
    return LabeledPost(**fields, seal=_seal(unsealed))
