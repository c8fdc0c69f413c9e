"""The optional sidecar beside an image — ``photo.jpg.yaml`` or ``photo.yaml`` — with tags,
alt, focal point.

It is validated like every workspace file: unknown keys are errors, and each problem names
the sidecar, its line and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from influencer.config.fields import Strict, Text
from influencer.config.source import line_of, load_yaml, plain
from influencer.config.validation import validate
from influencer.errors import BadImage

Share = Annotated[float, Field(ge=0.0, le=1.0)]
SIDECAR_SUFFIXES = (".yaml", ".yml")


class Sidecar(Strict):
    tags: list[Text] = Field(default_factory=list)  # lower-cased; matched by a schedule's images.tags
    alt: Text | None = None  # describes the image; the disclosure label is added before it
    focal: tuple[Share, Share] | None = None  # x, y as shares of width and height (0–1)
    do_not_use: bool = False  # kept in the library, never selected

    @field_validator("tags")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return sorted({tag.lower() for tag in value})


def sidecar_candidates(image: Path) -> list[Path]:
    """Where an image's sidecar may be: ``photo.jpg.yaml`` or ``photo.yaml`` (or ``.yml``)."""
    return [*(image.with_name(image.name + s) for s in SIDECAR_SUFFIXES),
            *(image.with_suffix(s) for s in SIDECAR_SUFFIXES)]


def sidecar_path(image: Path) -> Path | None:
    found = [c for c in sidecar_candidates(image) if c.is_file()]
    if len(found) > 1:
        raise BadImage(f"two sidecars ({', '.join(p.name for p in found)}): keep one")
    return found[0] if found else None


def load_sidecar(image: Path, root: Path) -> Sidecar:
    """The image's sidecar (defaults when it has none); BadImage lists every problem, each
    with the sidecar's path relative to the workspace ``root``, its line and field."""
    path = sidecar_path(image)
    if path is None:
        return Sidecar()
    shown = shown_path(path, root)
    doc, issue = load_yaml(path, shown)
    if doc is None:
        if issue is not None and issue.message == "file is empty":
            return Sidecar()
        raise BadImage(f"sidecar {issue}")
    sidecar, issues = validate(Sidecar, plain(doc.data), shown, lambda loc: line_of(doc.data, loc))
    if sidecar is None:
        raise BadImage("sidecar " + "; ".join(str(i) for i in issues))
    return sidecar


def shown_path(path: Path, root: Path) -> str:
    """``path`` relative to the workspace root (POSIX style), or whole when outside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def decodable(name: str) -> bool:
    """Whether a file name from the disk is text (undecodable bytes arrive as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def readable(name: str) -> str:
    r"""A file name fit to print and store: undecodable bytes escaped ("caf\xe9.jpg")."""
    if decodable(name):
        return name
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
