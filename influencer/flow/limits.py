"""Per-account publishing limits and retry waits, kept in the database so several daemons (and
a person's ``post --now``) share them.

Each account (persona and platform) has one ``account_limit`` row. A claim first updates that
row, which takes its lock (a row lock on PostgreSQL, the write lock on SQLite) until the claim
commits; under it the claimer counts the account's posts in flight, reads the hourly window and
the platform's reset time, and takes at most what is left. So two daemons together can never go
over an account's concurrency or hourly budget.

A retryable failure waits with exponential backoff and jitter, never sooner than the platform
asked (its ``Retry-After`` or rate-limit reset); the wait is a ``publish_retry`` row.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from influencer.config.settings import DaemonSettings
from influencer.store import Post, PostMode, PostStatus
from influencer.store.models import AccountLimit, PublishRetry

HOUR = timedelta(hours=1)
_known: set[tuple[str, str]] = set()  # (database, account) rows known to exist


def account_key(persona: str, platform: str) -> str:
    return f"{persona}/{platform}"


def ensure_account(engine: Engine, key: str) -> None:
    """Create the account's row once; a concurrent creator winning the race is fine."""
    marker = (str(engine.url), key)
    if marker in _known:
        return
    with Session(engine) as session:
        if session.get(AccountLimit, key) is None:
            session.add(AccountLimit(account=key, window_count=0))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
    _known.add(marker)


def lock_account(session: Session, key: str, now: datetime) -> AccountLimit:
    """Take the account's lock for the rest of the transaction and read its row."""
    session.execute(update(AccountLimit).where(col(AccountLimit.account) == key)
                    .values(updated_at=now))
    return session.exec(select(AccountLimit).where(col(AccountLimit.account) == key)
                       .execution_options(populate_existing=True)).one()


@dataclass(frozen=True)
class Budget:
    allowance: int  # posts this account may start now
    why_none: str | None = None


def budget(session: Session, row: AccountLimit, persona: str, platform: str,
           limits: DaemonSettings, now: datetime) -> Budget:
    """What the locked account may still start now."""
    if row.blocked_until is not None and row.blocked_until > now:
        return Budget(0, f"rate limited until {row.blocked_until.isoformat()}")
    in_flight = session.exec(select(func.count()).select_from(Post).where(
        col(Post.persona) == persona, col(Post.platform) == platform, col(Post.mode) == PostMode.live,
        col(Post.status) == PostStatus.publishing)).one()
    allowance = limits.account_concurrency - in_flight
    if limits.account_per_hour is not None:
        used = row.window_count if _in_window(row, now) else 0
        allowance = min(allowance, limits.account_per_hour - used)
        if allowance <= 0:
            return Budget(0, f"{limits.account_per_hour} posts per hour reached")
    return Budget(max(0, allowance), None if allowance > 0 else "account concurrency reached")


def spend(row: AccountLimit, count: int, now: datetime) -> None:
    """Count ``count`` claims against the hourly window (a fixed window from its first claim)."""
    if not _in_window(row, now):
        row.window_start, row.window_count = now, 0
    row.window_count += count


def _in_window(row: AccountLimit, now: datetime) -> bool:
    return row.window_start is not None and now < row.window_start + HOUR


def block_until(session: Session, key: str, until: datetime) -> None:
    """The platform said to wait: no daemon claims for this account before ``until``."""
    row = session.get(AccountLimit, key)
    if row is not None and (row.blocked_until is None or row.blocked_until < until):
        row.blocked_until = until
        session.add(row)


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
