"""What a rendered file says about itself: AI source type, description, credit, mark, C2PA.

One ``Provenance`` per (persona, platform, image) feeds the XMP packet, the C2PA manifest
and the render cache key, so changing any of them (a new label, a new certificate) makes a
new file rather than reusing one that says something else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from influencer.config.platforms import PlatformSpec
from influencer.imagery.encode import Signer
from influencer.imagery.signing import SigningKey, manifest, sign, signing_key
from influencer.imagery.xmp import build_xmp

if TYPE_CHECKING:
    from influencer.config import Persona, Workspace


@dataclass(frozen=True)
class Provenance:
    digital_source_type: str  # full IPTC URI
    description: str
    credit: str
    rights: str
    mark_text: str | None  # visible corner text, when the persona asks for it on this platform
    signing: SigningKey | None

    def xmp(self) -> bytes:
        return build_xmp(self.digital_source_type, self.description, self.credit, self.rights)

    def identity(self) -> list[object]:
        """What of this provenance shapes the bytes (a certificate by its hash)."""
        signing = None
        if self.signing is not None:
            signing = [hashlib.sha256(self.signing.certificate).hexdigest(),
                       self.signing.algorithm, self.signing.timestamp_url]
        return [self.digital_source_type, self.description, self.credit, self.rights,
                self.mark_text, signing]

    def signer(self, title: str) -> Signer | None:
        key = self.signing
        if key is None:
            return None

        def _sign(data: bytes, media_type: str) -> bytes:
            claim = manifest(title, media_type, self.digital_source_type, self.credit)
            return sign(data, media_type, key, claim)

        return _sign


def provenance_for(ws: Workspace, persona: Persona, spec: PlatformSpec,
                   alt_text: str | None) -> Provenance:
    label = persona.disclosure.label_for(persona.voice.language)
    description = f"{label} image of {persona.name}, the AI digital twin of {persona.twin_of}."
    if alt_text:
        description += f" {alt_text}"
    rights = persona.rights
    holder = f"{rights.holder} ({rights.agency})" if rights.agency else rights.holder
    mark = persona.disclosure.mark
    shown = mark.enabled and (not mark.platforms or spec.name in mark.platforms)
    return Provenance(
        digital_source_type=persona.imagery.digital_source_type,
        description=description,
        credit=f"{persona.name}, AI digital twin of {persona.twin_of}",
        rights=f"Likeness of {persona.twin_of}, used under a grant from {holder}",
        mark_text=(mark.text or label) if shown else None,
        signing=signing_key(ws.settings.signing, ws.root),
    )
