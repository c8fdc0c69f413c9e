"""The one clock every command takes "now" from.

``INFLUENCER_NOW`` (ISO 8601, with an offset or ``Z``) freezes it, for tests and rehearsals.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime

from influencer.errors import InfluencerError

Clock = Callable[[], datetime]


class ClockError(InfluencerError):
    """``INFLUENCER_NOW`` is set but is not an ISO 8601 time with a zone."""


def parse_now(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ClockError(
            f"INFLUENCER_NOW={text!r} is not an ISO 8601 time (expected e.g. 2026-12-01T09:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise ClockError(f"INFLUENCER_NOW={text!r} has no zone (add Z or an offset such as +01:00)")
    return moment.astimezone(UTC)


def system_clock() -> Clock:
    """The clock for this process: frozen by ``INFLUENCER_NOW`` when it is set."""
    frozen = os.environ.get("INFLUENCER_NOW")
    if frozen:
        moment = parse_now(frozen)
        return lambda: moment
    return lambda: datetime.now(UTC)


def utcnow() -> datetime:
    return system_clock()()
