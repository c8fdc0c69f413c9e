"""Instagram through the whole flow (claim, send, settle), in-process against the Graph stand-in
and a served media folder: a publish call whose answer is lost is an unknown outcome; the flow
keeps the containers the attempt made, looks again until the container proves it was not
published, and then publishes that same container, never making a second post or new
containers. A used-up quota holds the post back without spending its attempts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from influencer.config import load_workspace
from influencer.flow.context import Context, Window, posts_by_id, posts_for
from influencer.flow.publish import publish_approved
from influencer.flow.review import preview_window
from influencer.flow.settle import settle_unconfirmed
from influencer.store import PostStatus, open_store
from tests.helpers import FixedClock
from tests.platforms.instagram_standin import USER_ID, FolderServer, GraphStandIn, V
from tests.platforms.standin import Reply, StandIn

MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@dataclass
class Setup:
    ctx: Context
    clock: FixedClock
    graph: GraphStandIn


@pytest.fixture
def ig(workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    monkeypatch.setenv("AVA_IG", "IGQ-long-lived-1")
    with StandIn() as server, FolderServer(tmp_path / "served") as files:
        graph = GraphStandIn(server)
        persona = workspace / "personas" / "ava.yaml"
        persona.write_text(persona.read_text(encoding="utf-8").replace(
            "instagram: {handle: ava.twin, credentials: env:AVA_IG, live: false,",
            f'instagram: {{handle: ava.twin, credentials: env:AVA_IG, live: true, user_id: "{USER_ID}", '
            f'base_url: "{graph.url}",'), encoding="utf-8")
        (workspace / "influencer.toml").write_text(
            f'[media_host]\nkind = "folder"\nfolder = "{tmp_path / "served"}"\n'
            f'public_base_url = "{files.url}"\n', encoding="utf-8")
        ws = load_workspace(workspace).raise_for_issues()
        clock = FixedClock(MONDAY)
        ctx = Context(ws, open_store(ws.database_url()), clock, "tester")
        preview_window(ctx, Window(MONDAY, MONDAY + timedelta(days=1), "ava"))
        graph.clock = lambda: clock.now
        yield Setup(ctx, clock, graph)
        ctx.engine.dispose()


def approved_instagram(ig: Setup) -> str:
    """Ava's first Instagram draft, approved by a person and due."""
    from influencer.flow.approve import approve

    drafted = posts_for(ig.ctx, "ava", None, [PostStatus.drafted])
    [post, *_] = [p for p in drafted if p.platform == "instagram"]
    approve(ig.ctx, [post])
    ig.clock.now = post.publish_at + timedelta(seconds=1)
    return post.id


def test_a_lost_publish_answer_is_settled_by_the_container_and_the_same_container_published(
        ig: Setup) -> None:
    post_id = approved_instagram(ig)
    ig.graph.server.script("POST", rf"{V}/\w+/media_publish", Reply(drop=True))
    outcome = publish_approved(ig.ctx, posts_by_id(ig.ctx, [post_id])[0])
    [waiting] = posts_by_id(ig.ctx, [post_id])
    assert outcome.post.status == PostStatus.unconfirmed == waiting.status
    creation = waiting.progress["creation_id"]
    assert creation in ig.graph.containers and ig.graph.media == []
    made = len(ig.graph.containers)

    ig.clock.now += timedelta(minutes=6)  # the next look: still FINISHED, minutes after the call
    settle_unconfirmed(ig.ctx)
    [again] = posts_by_id(ig.ctx, [post_id])
    assert again.status == PostStatus.approved and "shows it was not made" in (again.reason or "")
    ig.clock.now += timedelta(hours=1)  # past the backoff
    done = publish_approved(ig.ctx, again).post
    assert done.status == PostStatus.published
    assert len(ig.graph.containers) == made  # the same container, published: no new one
    assert len(ig.graph.media) == 1 and len(ig.graph.publish_requests()) == 2


def test_a_used_up_quota_holds_the_post_back_without_spending_an_attempt(ig: Setup) -> None:
    post_id = approved_instagram(ig)
    ig.graph.quota_usage = 50
    for _ in range(3):
        held = publish_approved(ig.ctx, posts_by_id(ig.ctx, [post_id])[0]).post
        assert held.status == PostStatus.approved and held.attempts == 0
        assert (held.reason or "").startswith("held back for 3600 s: instagram: publishing quota used")
        ig.clock.now += timedelta(hours=1, seconds=1)
    ig.graph.quota_usage = 10  # the rolling window freed a place
    assert publish_approved(ig.ctx, posts_by_id(ig.ctx, [post_id])[0]).post.status == PostStatus.published
