"""Platforms by name, through the ``influencer.platforms`` entry-point group.

Built-ins are registered there too (pyproject.toml), as a third-party adapter would be. Nothing
is imported until a platform is asked for.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from influencer.config.platforms import PLATFORM_GROUP
from influencer.errors import PlatformError
from influencer.platforms.base import Platform

BUILTINS = {
    "x": "influencer.platforms.x:XPlatform",
    "instagram": "influencer.platforms.instagram:InstagramPlatform",
    "bluesky": "influencer.platforms.bluesky:BlueskyPlatform",
    "mastodon": "influencer.platforms.mastodon:MastodonPlatform",
}


@cache
def _entry_points() -> dict[str, str]:
    found = {ep.name: ep.value for ep in entry_points(group=PLATFORM_GROUP)}
    return {**BUILTINS, **found}


def names() -> list[str]:
    """Every registered platform that posts somewhere (the outbox is not one)."""
    return sorted(name for name in _entry_points() if name != "outbox")


def platform_class(name: str) -> type[Platform]:
    target = _entry_points().get(name)
    if target is None:
        raise PlatformError(f"no platform named {name!r}; registered: {', '.join(names())}")
    module_name, _, attribute = target.partition(":")
    from importlib import import_module

    cls = getattr(import_module(module_name), attribute)
    if not (isinstance(cls, type) and issubclass(cls, Platform)):
        raise PlatformError(f"{target} is not a Platform subclass")
    return cls
