"""Platform adapters, their registry and the outbox. Platforms never import the flow."""

from influencer.platforms.base import Lookup, Platform, Published, require_disclosed
from influencer.platforms.registry import names, platform_class

__all__ = ["Lookup", "Platform", "Published", "names", "platform_class", "require_disclosed"]
