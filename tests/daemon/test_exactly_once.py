"""Exactly once through crashes: a daemon killed mid-publish, or between claim and call, never
leads to a second send; the post becomes unconfirmed (or is settled by looking it up)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.daemon.harness import NOW, Daemons, posts, seed, wait_for
from tests.platforms.mastodon_standin import MastodonStandIn

STATUSES = r"/api/v1/statuses"
PAST_THE_LEASE = NOW + timedelta(seconds=300 + 60)


def test_killed_while_the_request_is_held_is_never_sent_again(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    [post_id] = seed(ws, pg_url, [NOW])
    hold = instance.server.hold("POST", STATUSES)
    daemon = run.start()
    assert hold.arrived.wait(timeout=60), daemon.output()
    daemon.process.kill()  # SIGKILL: no outcome recorded, the claim stays
    daemon.process.wait(timeout=10)
    [claimed] = posts(pg_url, [post_id])
    assert claimed.status == "publishing" and claimed.claimed_by

    run.once(now=NOW + timedelta(seconds=30))  # within the lease: left alone, not re-sent
    assert posts(pg_url, [post_id])[0].status == "publishing"
    run.once(now=PAST_THE_LEASE)  # the lease ended: unconfirmed, looked up, not found
    [after] = posts(pg_url, [post_id])
    assert after.status == "unconfirmed" and "recorded no outcome" in (after.reason or "")
    assert len(instance.server.matching("POST", STATUSES)) == 1

    queue = run.cli("queue", "--unconfirmed", "--json", now=PAST_THE_LEASE)
    assert post_id in queue.stdout
    resolved = run.cli("resolve", post_id, "--published", "https://example.social/@ava/1",
                       now=PAST_THE_LEASE)
    assert resolved.returncode == 0, resolved.stderr
    assert posts(pg_url, [post_id])[0].status == "published"
    run.once(now=PAST_THE_LEASE + timedelta(minutes=1))
    assert len(instance.server.matching("POST", STATUSES)) == 1


def test_a_request_that_did_arrive_is_settled_by_lookup(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    [post_id] = seed(ws, pg_url, [NOW])
    hold = instance.server.hold("POST", STATUSES)
    daemon = run.start()
    assert hold.arrived.wait(timeout=60), daemon.output()
    daemon.process.kill()
    daemon.process.wait(timeout=10)
    hold.release()  # the instance goes on to make the status; the daemon never hears of it
    wait_for(lambda: instance.statuses, what="the instance to make the status")

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

    run.once(now=PAST_THE_LEASE)
    [after] = posts(pg_url, [post_id])
    assert after.status == "unconfirmed"
    assert instance.server.matching("POST", STATUSES) == []
    # a person checks the account and says it never went out: it is sent, once
    assert run.cli("resolve", post_id, "--not-published", now=PAST_THE_LEASE).returncode == 0
    run.once(now=PAST_THE_LEASE + timedelta(seconds=5))
    assert posts(pg_url, [post_id])[0].status == "published"
    assert len(instance.server.matching("POST", STATUSES)) == 1
