"""Settling unknown outcomes with real daemons against the Mastodon stand-in: a lookup never
marks a post that was not sent as published (another post's status with the same caption is not
it), a lagging timeline is looked at again until the post shows, and a post nobody can settle
reaches a person after ``settle_within`` with the resolve command."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from influencer.store import Publication, open_store
from tests.daemon.harness import NOW, Daemons, killed_while_answering, posts, seed, webhook
from tests.platforms.mastodon_standin import MastodonStandIn
from tests.platforms.standin import Reply

STATUSES = r"/api/v1/statuses"
TIMELINE = r"/api/v1/accounts/\d+/statuses"
PAST_THE_KEY = NOW + timedelta(hours=2)  # past the lease and the Idempotency-Key's hour


def killed_after_claim(run: Daemons, now: datetime) -> None:
    dying = run.start(env={"INFLUENCER_TEST_EXIT_AFTER_CLAIM": "1"}, now=now)
    assert dying.process.wait(timeout=60) == 70, dying.output()


def publications(db_url: str) -> list[Publication]:
    engine = open_store(db_url)
    with Session(engine) as session:
        rows = list(session.exec(select(Publication).where(col(Publication.mode) == "live")))
    engine.dispose()
    return rows


def test_another_post_s_status_with_the_same_caption_never_settles_a_post_not_sent(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    first, second = seed(ws, pg_url, [NOW - timedelta(seconds=60), NOW])  # the same caption
    instance.clock = lambda: NOW - timedelta(seconds=59)
    run.once(now=NOW - timedelta(seconds=59))  # only the first is due: published
    statuses = {p.id: p.status for p in posts(pg_url, [first, second])}
    assert statuses == {first: "published", second: "approved"}
    killed_after_claim(run, NOW + timedelta(seconds=30))  # the second: claimed, never sent
    run.once(now=PAST_THE_KEY)
    [after] = posts(pg_url, [second])
    # the first post's status is the only text match since the claim (allowing for clock skew),
    # but its id already settles the first post: a person decides, nothing is sent
    assert after.status == "unconfirmed"
    assert "already settles post" in (after.last_error or "")
    assert len(instance.statuses) == 1 and len(instance.server.matching("POST", STATUSES)) == 1
    assert [p.post_id for p in publications(pg_url)] == [first]


def test_a_status_made_before_the_claim_is_not_the_post(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    _, second = seed(ws, pg_url, [NOW - timedelta(minutes=10), NOW])
    instance.clock = lambda: NOW - timedelta(minutes=10)
    run.once(now=NOW - timedelta(minutes=10))
    killed_after_claim(run, NOW + timedelta(seconds=30))
    run.once(now=PAST_THE_KEY)
    [after] = posts(pg_url, [second])
    assert after.status == "unconfirmed"
    assert after.last_error == "not found among the account's posts since its claim"
    assert len(instance.statuses) == 1


def test_a_lagging_timeline_is_looked_at_again_until_the_post_shows(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    [post_id] = seed(ws, pg_url, [NOW])
    instance.clock = lambda: NOW + timedelta(seconds=1)
    killed_while_answering(run, instance)  # the daemon dies; the instance makes the status
    instance.server.script("GET", TIMELINE, Reply(200, []))  # the timeline lags at first
    run.once(now=NOW + timedelta(hours=2))  # too late for a resend under the key: lookup only
    [waiting] = posts(pg_url, [post_id])
    assert waiting.status == "unconfirmed" and waiting.looked_up_at is not None
    run.once(now=NOW + timedelta(hours=2, minutes=1))  # before settle_every: not looked at again
    assert len(instance.server.matching("GET", TIMELINE)) == 1
    run.once(now=NOW + timedelta(hours=2, minutes=6))  # after it: looked at again, found
    [done] = posts(pg_url, [post_id])
    assert done.status == "published" and done.reason == "settled: found on the platform by lookup"
    assert len(instance.statuses) == 1 and len(instance.server.matching("POST", STATUSES)) == 1


def test_a_post_nobody_can_settle_reaches_a_person_after_settle_within(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    with webhook(ws) as hooks:
        [post_id] = seed(ws, pg_url, [NOW])
        killed_after_claim(run, NOW)
        run.once(now=NOW + timedelta(hours=2))  # unconfirmed; not found; no alert yet
        assert hooks.matching("POST", r"/hook") == []
        run.once(now=NOW + timedelta(hours=25))  # a day after the claim: a person must decide
        alerts = [json.loads(r.body) for r in hooks.matching("POST", r"/hook")]
    assert [(a["kind"], a["post_id"]) for a in alerts] == [("unconfirmed", post_id)]
    assert alerts[0]["resolve"] == f"influencer resolve {post_id} --published URL | --not-published"
    assert alerts[0]["candidates"] == [] and "not found" in alerts[0]["last_lookup"]
    assert instance.statuses == {}
