"""When a retryable failure may be tried again: exponential backoff with jitter, never sooner
than the platform asked (its ``Retry-After`` or rate-limit reset)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlmodel import Session

from influencer.store.models import PublishRetry


def backoff(attempt: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """Seconds to wait after the ``attempt``-th failed send (1 = the first).

    Half fixed, half random ("equal jitter"), so daemons that failed together do not retry
    together, yet a retry is never much sooner than the schedule says.
    """
    ceiling = min(cap, base * 2.0 ** max(0, attempt - 1))
    wait = ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - spreading, not secrecy
    return float(max(wait, retry_after or 0.0))


def wait_for_retry(session: Session, post_id: str, not_before: datetime, reason: str) -> None:
    """Keep the post back until ``not_before``; committed with the caller's transition."""
    row = session.get(PublishRetry, post_id) or PublishRetry(post_id=post_id, not_before=not_before)
    row.not_before, row.reason = not_before, reason
    session.add(row)


def release_now(session: Session, post_id: str, now: datetime, reason: str) -> None:
    """A person sent the post back: it may go at once, whatever its slot's grace."""
    wait_for_retry(session, post_id, now - timedelta(seconds=1), reason)
