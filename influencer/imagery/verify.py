"""Reading back every disclosure layer a file carries: XMP, C2PA, and what cannot be read.

``ai_marked`` is true when a machine can tell the image is AI-made: the XMP digital source
type or the C2PA ``c2pa.created`` action names an AI source type. A visible mark is pixels,
not metadata: software cannot confirm it, and the report says so rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from influencer.errors import BadImage
from influencer.imagery.signing import C2paFacts, read_c2pa
from influencer.imagery.xmp import PNG_XMP_KEY, XmpFacts, parse_xmp

# IPTC digital source types that mean "made (wholly or partly) by a generative model".
AI_SOURCE_TYPES = frozenset({
    "trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia",
    "algorithmicMedia", "compositeSynthetic",
})
MARK_NOTE = "not detectable by software (it is pixels); look at the image"


@dataclass(frozen=True)
class ProvenanceReport:
    path: Path
    format: str
    xmp: XmpFacts | None  # None: the file has no XMP packet
    c2pa: C2paFacts

    @property
    def ai_marked(self) -> bool:
        found = [self.xmp.digital_source_type if self.xmp else None,
                 self.c2pa.digital_source_type]
        return any(is_ai_source(value) for value in found)

    def as_dict(self) -> dict[str, Any]:
        xmp = self.xmp
        return {
            "file": str(self.path),
            "format": self.format,
            "ai_marked": self.ai_marked,
            "xmp": None if xmp is None else {
                "digital_source_type": xmp.digital_source_type, "description": xmp.description,
                "credit": xmp.credit, "rights": xmp.rights},
            "c2pa": {"present": self.c2pa.present, "validation_state": self.c2pa.validation_state,
                     "actions": list(self.c2pa.actions),
                     "digital_source_type": self.c2pa.digital_source_type,
                     "signer": self.c2pa.signer, "problem": self.c2pa.problem},
            "visible_mark": MARK_NOTE,
        }


def is_ai_source(uri: str | None) -> bool:
    return bool(uri) and str(uri).rstrip("/").rsplit("/", 1)[-1] in AI_SOURCE_TYPES


def verify_image(path: Path) -> ProvenanceReport:
    """Every disclosure layer found in ``path``; BadImage when it is not an image at all."""
    try:
        with Image.open(path) as im:
            fmt = str(im.format)
            packet = im.info.get("xmp") or im.info.get(PNG_XMP_KEY)
    except UnidentifiedImageError:
        raise BadImage(f"{path}: not an image") from None
    except OSError as exc:
        raise BadImage(f"{path}: cannot read: {exc.strerror or exc}") from None
    xmp = parse_xmp(packet) if isinstance(packet, (bytes, str)) and packet else None
    return ProvenanceReport(path, fmt, xmp, read_c2pa(path))
