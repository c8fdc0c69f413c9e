"""Exactly once through crashes: a daemon killed mid-publish, or between claim and call, never
leads to a second post. The post becomes unconfirmed and is settled by looking it up; Mastodon
keeps an Idempotency-Key for an hour, so within 55 minutes of the first claim a post not found is
sent again under the same key (the instance answers with the status it has, never a second one);
later, a person decides."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.daemon.harness import NOW, Daemons, killed_while_answering, posts, seed
from tests.platforms.mastodon_standin import MastodonStandIn
from tests.platforms.standin import Reply

STATUSES = r"/api/v1/statuses"
PAST_THE_LEASE = NOW + timedelta(seconds=300 + 60)
PAST_THE_KEY = NOW + timedelta(hours=2)  # the instance no longer remembers the idempotency key


def test_killed_while_the_request_is_held_is_never_sent_again(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    [post_id] = seed(ws, pg_url, [NOW])
    killed_while_answering(run, instance, made=False)  # SIGKILL: no outcome recorded, the claim stays
    [claimed] = posts(pg_url, [post_id])
    assert claimed.status == "publishing" and claimed.claimed_by

    run.once(now=NOW + timedelta(seconds=30))  # within the lease: left alone, not re-sent
    assert posts(pg_url, [post_id])[0].status == "publishing"
    run.once(now=PAST_THE_KEY)  # the lease ended long ago: unconfirmed, looked up, not found
    [after] = posts(pg_url, [post_id])
    assert after.status == "unconfirmed" and "recorded no outcome" in (after.reason or "")
    assert after.last_error == "not found among the account's posts since its claim"
    assert len(instance.server.matching("POST", STATUSES)) == 1  # outside the key's hour: not re-sent

    queue = run.cli("queue", "--unconfirmed", "--json", now=PAST_THE_KEY)
    assert post_id in queue.stdout
    resolved = run.cli("resolve", post_id, "--published", "https://example.social/@ava/1",
                       now=PAST_THE_KEY)
    assert resolved.returncode == 0, resolved.stderr
    assert posts(pg_url, [post_id])[0].status == "published"
    run.once(now=PAST_THE_KEY + timedelta(minutes=1))
    assert len(instance.server.matching("POST", STATUSES)) == 1


def test_killed_while_held_within_the_key_s_hour_is_sent_again_under_the_same_key(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    [post_id] = seed(ws, pg_url, [NOW])
    killed_while_answering(run, instance)  # the first request goes on: the instance makes the status
    instance.server.script("GET", r"/api/v1/accounts/\d+/statuses", Reply(200, []))  # a lagging timeline
    run.once(now=PAST_THE_LEASE)  # not found: sent again under the same Idempotency-Key
    run.once(now=PAST_THE_LEASE + timedelta(minutes=2))
    [after] = posts(pg_url, [post_id])
    assert after.status == "published"
    sent = instance.server.matching("POST", STATUSES)
    assert len(sent) == 2 and {r.headers["idempotency-key"] for r in sent} == {post_id}
    assert len(instance.statuses) == 1  # the instance's own count: one status


def test_a_request_that_did_arrive_is_settled_by_lookup(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    [post_id] = seed(ws, pg_url, [NOW])
    killed_while_answering(run, instance)  # the instance makes the status; the daemon never hears

    run.once(now=PAST_THE_LEASE)
    [after] = posts(pg_url, [post_id])
    assert after.status == "published" and "lookup" in (after.reason or "")
    assert len(instance.server.matching("POST", STATUSES)) == 1


def test_killed_between_claim_and_call_sends_nothing(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    [post_id] = seed(ws, pg_url, [NOW])
    dying = run.start(env={"INFLUENCER_TEST_EXIT_AFTER_CLAIM": "1"})
    assert dying.process.wait(timeout=60) == 70, dying.output()
    assert posts(pg_url, [post_id])[0].status == "publishing"

    run.once(now=PAST_THE_KEY)
    [after] = posts(pg_url, [post_id])
    assert after.status == "unconfirmed"
    assert instance.server.matching("POST", STATUSES) == []
    # a person checks the account and says it never went out: it is sent, once
    assert run.cli("resolve", post_id, "--not-published", now=PAST_THE_KEY).returncode == 0
    run.once(now=PAST_THE_KEY + timedelta(seconds=5))
    assert posts(pg_url, [post_id])[0].status == "published"
    assert len(instance.server.matching("POST", STATUSES)) == 1
