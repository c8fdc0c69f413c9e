"""A stopping daemon never orphans a claim: a claim made while stopping rolls back, and a post
claimed but not handed to a sender (the pool already shut down) goes back to approved with its
attempt not counted, instead of sitting in publishing until its lease ends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from influencer.config import load_workspace
from influencer.daemon.cycle import Daemon
from influencer.flow.claim import claim
from influencer.flow.context import Context, Window, posts_for
from influencer.flow.review import preview_window
from influencer.store import AuditEvent, Post, PostStatus, open_store
from tests.helpers import FixedClock

MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def ctx(workspace: Path) -> Iterator[Context]:
    ws = load_workspace(workspace).raise_for_issues()
    context = Context(ws, open_store(ws.database_url()), FixedClock(MONDAY), "daemon:test")
    preview_window(context, Window(MONDAY, MONDAY + timedelta(days=1), "mei"))
    [first, *_] = posts_for(context, "mei", None, [PostStatus.approved])
    assert isinstance(context.clock, FixedClock)
    context.clock.now = first.publish_at + timedelta(seconds=1)  # due
    yield context
    context.engine.dispose()


def statuses(ctx: Context) -> dict[str, str]:
    with ctx.session() as session:
        return {p.id: str(p.status) for p in session.exec(select(Post).where(col(Post.persona) == "mei"))}


def test_a_claim_made_while_stopping_rolls_back(ctx: Context) -> None:
    before = statuses(ctx)
    [due] = [p for p in posts_for(ctx, "mei", None, [PostStatus.approved]) if p.publish_at <= ctx.now()]
    claimed = claim(ctx, "mei", due.platform, 4, ctx.limits, stopping=lambda: True)
    assert (claimed.posts, claimed.held_back) == ([], "stopping")
    assert statuses(ctx) == before


def test_a_post_claimed_after_the_pool_shut_down_is_released_not_orphaned(ctx: Context) -> None:
    daemon = Daemon(ctx)
    daemon._pool.shutdown()  # SIGTERM's drain got there between the claim and the hand-over
    assert daemon._claim_round() is False
    [due] = [p for p in posts_for(ctx, "mei", None, [PostStatus.approved]) if p.publish_at <= ctx.now()]
    assert due.attempts == 0 and due.lease_until is None and due.reason
    assert "released: the daemon stopped before sending it" in due.reason
    with ctx.session() as session:
        moves = [(e.from_status, e.to_status) for e in session.exec(
            select(AuditEvent).where(col(AuditEvent.post_id) == due.id).order_by(col(AuditEvent.id)))]
    assert moves[-2:] == [("approved", "publishing"), ("publishing", "approved")]
    assert not any(s == "publishing" for s in statuses(ctx).values())
