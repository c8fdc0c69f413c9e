"""A takedown after a revocation, worked through by ``run --once`` passes against the Mastodon
and X stand-ins, on SQLite and PostgreSQL: each post removed through its platform's delete, one
the platform had lost already reported gone, Instagram's reported for a person to remove (its
API cannot delete), a delete that fails halfway retried and resumed at a later pass, and
Mastodon's delete budget (set to 2 per 30 minutes here) never exceeded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from influencer.store import Post, PostMode, PostStatus, Publication, open_store
from influencer.store.models import TakedownItem
from tests.daemon.chaos import live_workspace
from tests.daemon.harness import NOW, Daemons, context, daemons
from tests.platforms.mastodon_standin import MastodonStandIn
from tests.platforms.standin import Reply, StandIn
from tests.platforms.x_standin import CREDENTIALS, XStandIn

BUDGET = "\n[takedown.budget]\nmastodon = [2, 1800]\n"


@pytest.fixture
def stand_ins() -> Iterator[tuple[MastodonStandIn, XStandIn]]:
    with StandIn() as m, StandIn() as x:
        yield MastodonStandIn(m), XStandIn(x)


@pytest.fixture
def group(workspace: Path, db_url: str,
          stand_ins: tuple[MastodonStandIn, XStandIn]) -> Iterator[Daemons]:
    mastodon, x = stand_ins
    live_workspace(workspace, mastodon, x)
    with (workspace / "influencer.toml").open("a", encoding="utf-8") as settings:
        settings.write(BUDGET)
    with daemons(workspace, db_url) as started:
        started.env["AVA_X"] = CREDENTIALS
        yield started


def published(root: Path, db_url: str, platform: str, platform_id: str, url: str,
              when: datetime) -> str:
    """A post of Ava's that went out (its history, as publishing would have left it)."""
    ctx = context(root, db_url)
    try:
        with ctx.session() as session:
            post = Post(persona="ava", schedule="ava-masto", platform=platform, slot_at=when,
                        publish_at=when, status=PostStatus.published, text=f"AI-generated {url}",
                        body=url)
            session.add(post)
            session.flush()
            session.add(Publication(post_id=post.id, mode=PostMode.live, platform=platform,
                                    account="ava", platform_id=platform_id, url=url,
                                    published_at=when))
            session.commit()
            return post.id
    finally:
        ctx.engine.dispose()


def items(db_url: str) -> dict[str, TakedownItem]:
    engine = open_store(db_url)
    try:
        with Session(engine) as session:
            return {i.post_id: i for i in session.exec(select(TakedownItem))}
    finally:
        engine.dispose()


def test_a_takedown_is_paced_resumed_and_reported_per_post(
        workspace: Path, db_url: str, group: Daemons,
        stand_ins: tuple[MastodonStandIn, XStandIn]) -> None:
    mastodon, x = stand_ins
    toots = []
    for n in range(5):
        status_id = str(113_400_000_000_000_000 + n)
        mastodon.statuses[status_id] = {"id": status_id, "text": f"toot {n}", "media_ids": [],
                                        "visibility": "public", "idempotency_key": None,
                                        "language": "en"}
        mastodon.created[status_id] = "2026-11-30T08:00:00.000Z"
        toots.append(published(workspace, db_url, "mastodon", status_id,
                               f"{mastodon.url}/@ava/{status_id}", NOW - timedelta(days=n + 1)))
    for n in range(3):
        x.posts[f"17{n}"] = {"text": f"post {n}", "rendered": f"post {n}"}
    tweets = [published(workspace, db_url, "x", f"17{n}", f"https://x.com/ava_twin/status/17{n}",
                        NOW - timedelta(days=n + 1)) for n in range(4)]  # 173 was deleted by hand
    grams = [published(workspace, db_url, "instagram", f"1790{n}", f"https://instagram.com/p/C{n}",
                       NOW - timedelta(days=n + 1)) for n in range(2)]
    mastodon.server.script("DELETE", r"/api/v1/statuses/113400000000000001",  # the second: once
                           Reply(500, {"error": "Internal Server Error"}))

    revoked = group.cli("rights", "revoke", "ava", "--reason", "withdrawn", "--takedown",
                        "--as", "ines")
    assert revoked.returncode == 0, revoked.stderr
    assert "takedown: 11 post(s) queued" in revoked.stdout
    for minutes in (0, 10, 40, 80):  # a daemon's passes; Mastodon's window is 30 minutes
        group.once(now=NOW + timedelta(minutes=minutes))

    final = items(db_url)
    states = {post_id: final[post_id].state for post_id in toots + tweets + grams}
    assert [states[p] for p in toots] == ["removed"] * 5 and mastodon.statuses == {}
    assert [states[p] for p in tweets] == ["removed"] * 3 + ["gone"] and x.posts == {}
    assert [states[p] for p in grams] == ["unsupported"] * 2
    assert final[toots[1]].attempts == 2  # failed once with a 500, resumed at the next pass
    done = sorted(i.done_at for i in final.values()
                  if i.platform == "mastodon" and i.done_at is not None)
    assert all(sum(1 for t in done if moment - timedelta(seconds=1800) < t <= moment) <= 2
               for moment in done)  # never more than 2 deletes in any 30 minutes
    shown = json.loads(group.cli("rights", "show", "ava", "--json").stdout)
    assert shown["takedown"]["states"] == {"removed": 8, "gone": 1, "unsupported": 2}
    assert shown["takedown"]["remaining"] == 0
    assert {i["url"] for i in shown["takedown"]["by_hand"]} == {
        "https://instagram.com/p/C0", "https://instagram.com/p/C1"}
    engine = open_store(db_url)
    with Session(engine) as session:
        statuses = set(session.exec(select(Post.status).where(col(Post.platform) != "instagram")))
    engine.dispose()
    assert statuses == {PostStatus.deleted}
    assert group.cli("audit", "verify").returncode == 0
