"""``influencer post SCHEDULE --now`` publishes through the daemon's own path: the same claim
(lease, pauses, the account's budget), the same sending, retries and audit. A command killed
mid-send leaves a claim the daemon settles; it is never sent twice."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from influencer.store import AuditEvent, open_store
from influencer.store.models import PublishRetry
from tests.daemon.harness import NOW, Daemons, posts, wait_for
from tests.platforms.mastodon_standin import MastodonStandIn
from tests.platforms.standin import Reply

STATUSES = r"/api/v1/statuses"
PAST_THE_LEASE = NOW + timedelta(seconds=300 + 60)


def sent(instance: MastodonStandIn) -> int:
    return len(instance.server.matching("POST", STATUSES))


def audit(db_url: str, post_id: str) -> list[tuple[str | None, str | None, dict[str, object]]]:
    engine = open_store(db_url)
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(col(AuditEvent.post_id) == post_id)
                            .order_by(col(AuditEvent.id))).all()
    engine.dispose()
    return [(r.from_status, r.to_status, r.detail) for r in rows]


def manual_posts(db_url: str) -> list[str]:
    return [p.id for p in posts(db_url) if p.kind == "manual"]


def test_post_now_is_claimed_with_a_lease_and_a_repeat_in_the_same_second_sends_nothing(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    first = run.cli("post", "ava-masto", "--now")
    assert first.returncode == 0, first.stderr
    [post_id] = manual_posts(pg_url)
    assert first.stdout.startswith(f"mastodon: published {post_id}")
    moves = [(a, b) for a, b, _ in audit(pg_url, post_id)]
    assert moves == [("planned", "drafted"), ("drafted", "approved"), ("approved", "publishing"),
                     ("publishing", "published")]
    claim = next(d for a, b, d in audit(pg_url, post_id) if b == "publishing")
    assert claim["lease_until"] == (NOW + timedelta(seconds=300)).isoformat()
    again = run.cli("post", "ava-masto", "--now")  # the same second: the same post, already out
    assert again.returncode == 0 and again.stdout.startswith(f"mastodon: published {post_id}")
    assert manual_posts(pg_url) == [post_id] and sent(instance) == 1


def test_post_now_at_a_planned_slot_s_time_takes_neither_identity(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    at_the_slot = NOW.replace(hour=3)  # the schedule's 03:00 slot
    assert run.cli("preview", "--from", at_the_slot.isoformat(), "--days", "1", "--json",
                   now=at_the_slot).returncode == 0
    made = run.cli("post", "ava-masto", "--now", now=at_the_slot)
    assert made.returncode == 0, made.stdout + made.stderr
    rows = {(p.kind, p.slot_at) for p in posts(pg_url)}
    assert {("slot", at_the_slot), ("manual", at_the_slot)} <= rows


def test_a_post_now_killed_mid_send_is_settled_by_the_daemon_never_sent_again(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    hold = instance.server.hold("POST", STATUSES)
    command = subprocess.Popen([sys.executable, "-m", "influencer", "-w", str(ws), "post", "ava-masto",
                                "--now"], env=run.environment(NOW, None),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert hold.arrived.wait(timeout=60)
        command.kill()  # the person's terminal dies while the instance is answering
        command.wait(timeout=10)
    finally:
        if command.poll() is None:
            command.kill()
    [post_id] = manual_posts(pg_url)
    [claimed] = posts(pg_url, [post_id])
    assert claimed.status == "publishing" and claimed.lease_until == NOW + timedelta(seconds=300)
    hold.release()  # the instance makes the status; nobody hears of it
    wait_for(lambda: instance.statuses, what="the instance to make the status")

    run.once(now=PAST_THE_LEASE)  # the lease ended: unconfirmed, then found by lookup
    [after] = posts(pg_url, [post_id])
    assert after.status == "published" and "lookup" in (after.reason or "")
    assert sent(instance) == 1


def test_post_now_respects_a_pause_and_the_daemon_sends_it_after_resume(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    assert run.cli("pause", "ava").returncode == 0
    held = run.cli("post", "ava-masto", "--now")
    assert held.returncode == 1
    [post_id] = manual_posts(pg_url)
    assert held.stdout == f"mastodon: approved {post_id}, not sent now: ava is paused (influencer resume)\n"
    assert sent(instance) == 0
    assert run.cli("resume", "ava").returncode == 0
    run.once(now=NOW + timedelta(minutes=1))
    assert posts(pg_url, [post_id])[0].status == "published" and sent(instance) == 1


def test_post_now_spends_the_account_s_hourly_budget(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    with (ws / "influencer.toml").open("a", encoding="utf-8") as settings:
        settings.write("account_per_hour = 1\n")  # appended to the [daemon] table
    assert run.cli("post", "ava-masto", "--now").returncode == 0
    second = run.cli("post", "ava-masto", "--now", now=NOW + timedelta(minutes=1))
    assert second.returncode == 1 and "1 posts per hour reached" in second.stdout
    assert sent(instance) == 1


def test_a_retryable_failure_waits_and_the_daemon_retries_it_once(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    instance.server.script("POST", STATUSES, Reply(429, {"error": "Too many requests"}))
    failed = run.cli("post", "ava-masto", "--now")
    assert failed.returncode == 1
    [post_id] = manual_posts(pg_url)
    [waiting] = posts(pg_url, [post_id])
    assert waiting.status == "approved" and waiting.attempts == 1
    assert "retrying in" in (waiting.reason or "") and "429" in failed.stdout
    engine = open_store(pg_url)
    with Session(engine) as session:
        assert session.get(PublishRetry, post_id) is not None
    engine.dispose()
    run.once(now=NOW + timedelta(minutes=2))  # past the backoff
    [done] = posts(pg_url, [post_id])
    assert (done.status, done.attempts) == ("published", 2)
    assert len(instance.statuses) == 1


def test_a_5xx_to_the_create_is_looked_up_and_sent_again_only_under_the_same_key(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    instance.answer_next_status_with = Reply(503, {"error": "Service Unavailable"})  # made, then 503
    first = run.cli("post", "ava-masto", "--now")
    [post_id] = manual_posts(pg_url)
    assert first.returncode == 0, first.stdout  # looked up at once: found, settled
    assert posts(pg_url, [post_id])[0].status == "published" and len(instance.statuses) == 1
    assert posts(pg_url, [post_id])[0].reason == "settled: found on the platform by lookup"
