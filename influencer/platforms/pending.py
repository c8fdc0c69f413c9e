"""Live sending is not built yet (issue 6): accounts stay on the outbox until it is."""

from __future__ import annotations

from influencer.config.platforms import PlatformSpec
from influencer.errors import PlatformError


def not_yet_live(spec: PlatformSpec) -> PlatformError:
    return PlatformError(f"live publishing to {spec.title} is not available in this version; "
                         "keep the account at live: false so its posts go to the outbox")
