"""Each platform's limits as data, and where a platform's limits are found.

Adapters point at these specs; imagery and captions read them without importing adapters. A
plugin platform registers its spec in the ``influencer.platform_specs`` entry-point group beside
its adapter in ``influencer.platforms``; ``platform_spec(name)`` finds either kind the same way.
Figures of the built-ins are from each platform's own reference (DESIGN.md, Platform facts).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Literal

from influencer.errors import ConfigError, ConfigIssue

Counting = Literal["chars", "weighted", "graphemes"]


@dataclass(frozen=True)
class PlatformSpec:
    name: str
    title: str
    caption_limit: int  # in the unit named by caption_counting
    caption_counting: Counting  # weighted = twitter-text (URL 23, CJK and emoji 2)
    images_per_post: int  # most images one post may carry
    max_image_bytes: int
    formats: tuple[str, ...]  # Pillow format names the platform accepts
    aspect_min: float | None  # width / height; None = any
    aspect_max: float | None
    max_width: int  # rendered images are downscaled to this width
    alt_text_limit: int | None  # None = the platform takes no alt text
    native_ai_flag: str | None  # request field that marks the post AI-made, if the platform has one
    paid_flag: str | None = None  # request field for a paid partnership, if any
    max_hashtags: int | None = None
    max_mentions: int | None = None
    posts_per_day: int | None = None  # platform-enforced publishing quota


X = PlatformSpec(
    name="x", title="X", caption_limit=280, caption_counting="weighted",
    images_per_post=4, max_image_bytes=5 * 1024 * 1024, formats=("JPEG", "PNG", "WEBP"),
    aspect_min=None, aspect_max=None, max_width=4096, alt_text_limit=1000,
    native_ai_flag="made_with_ai", paid_flag="paid_partnership",
)
INSTAGRAM = PlatformSpec(
    name="instagram", title="Instagram", caption_limit=2200, caption_counting="chars",
    images_per_post=10, max_image_bytes=8 * 1024 * 1024, formats=("JPEG",),
    aspect_min=4 / 5, aspect_max=1.91, max_width=1440, alt_text_limit=1000,
    native_ai_flag="is_ai_generated", max_hashtags=30, max_mentions=20, posts_per_day=50,
)
BLUESKY = PlatformSpec(
    name="bluesky", title="Bluesky", caption_limit=300, caption_counting="graphemes",
    images_per_post=4, max_image_bytes=1_000_000, formats=("JPEG", "PNG", "WEBP"),
    aspect_min=None, aspect_max=None, max_width=2000, alt_text_limit=2000,
    native_ai_flag=None,
)
MASTODON = PlatformSpec(
    name="mastodon", title="Mastodon", caption_limit=500, caption_counting="chars",
    images_per_post=4, max_image_bytes=16 * 1024 * 1024, formats=("JPEG", "PNG", "WEBP"),
    aspect_min=None, aspect_max=None, max_width=3840, alt_text_limit=1500,
    native_ai_flag=None,
)

BUILTIN_SPECS: dict[str, PlatformSpec] = {s.name: s for s in (X, INSTAGRAM, BLUESKY, MASTODON)}
ALIASES = {"twitter": "x", "ig": "instagram", "insta": "instagram", "bsky": "bluesky",
           "fediverse": "mastodon", "toot": "mastodon"}
PLATFORM_GROUP = "influencer.platforms"  # name -> "module:AdapterClass"
SPEC_GROUP = "influencer.platform_specs"  # name -> "module:SPEC", a PlatformSpec


@cache
def _registered(group: str) -> dict[str, str]:
    from importlib.metadata import entry_points

    return {ep.name: ep.value for ep in entry_points(group=group) if ep.name != "outbox"}


def known_platforms() -> frozenset[str]:
    """Built-in platforms plus any a plugin registers (names only; nothing is imported)."""
    return frozenset(BUILTIN_SPECS) | set(_registered(PLATFORM_GROUP)) | set(_registered(SPEC_GROUP))


@cache
def platform_spec(name: str) -> PlatformSpec:
    """A platform's limits, through the ``influencer.platform_specs`` entry points (built-ins are
    registered there too; they are also known without installation, from a source checkout).
    Loading a spec imports the plugin's spec module, never an adapter."""
    target = _registered(SPEC_GROUP).get(name)
    if target is None:
        if name in BUILTIN_SPECS:
            return BUILTIN_SPECS[name]
        raise ConfigError([ConfigIssue(
            SPEC_GROUP, 0, name, f"platform {name!r} has no PlatformSpec registered",
            f"its package must declare an entry point {name} = \"module:SPEC\" in the "
            f"{SPEC_GROUP} group")])
    module_name, _, attribute = target.partition(":")
    spec = getattr(import_module(module_name), attribute, None)
    if not isinstance(spec, PlatformSpec) or spec.name != name:
        raise ConfigError([ConfigIssue(SPEC_GROUP, 0, name, f"{target} is not the PlatformSpec of {name!r}")])
    return spec
