"""Twin imagery: the library, selection for a slot, per-platform rendering, provenance.

    scan_library(ws, engine, persona_id=None)            folder → image_asset rows
    list_images(ws, engine, persona_id)                   rows with tags and use
    select_images(session, persona, schedule, platform, slot_at) -> Selection
    library_of(session, persona_id)                      the images a selection chooses from
    record_uses(session, post_id, …) / release_uses(session, post_id)
    render_post_images(ws, persona, images, spec) -> [RenderedImage]
    render_image(ws, persona, image, spec) -> RenderedImage
    verify_image(path) -> ProvenanceReport

This package imports config and store, never the flow, platforms or the CLI.
"""

from influencer.imagery.library import (
    LibraryEntry,
    ScanReport,
    SkippedFile,
    list_images,
    scan_library,
)
from influencer.imagery.render import (
    RenderedImage,
    SourceImage,
    render_image,
    render_post_images,
)
from influencer.imagery.selection import (
    NEAR_DUPLICATE_DISTANCE,
    Selection,
    library_of,
    record_uses,
    release_uses,
    select_images,
)
from influencer.imagery.verify import ProvenanceReport, verify_image

__all__ = [
    "NEAR_DUPLICATE_DISTANCE",
    "LibraryEntry",
    "ProvenanceReport",
    "RenderedImage",
    "ScanReport",
    "Selection",
    "SkippedFile",
    "SourceImage",
    "library_of",
    "list_images",
    "record_uses",
    "release_uses",
    "render_image",
    "render_post_images",
    "scan_library",
    "select_images",
    "verify_image",
]
