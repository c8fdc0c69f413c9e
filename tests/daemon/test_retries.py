"""Retryable errors wait (backoff, or the platform's reset time) and try again; permanent ones
fail at once with the platform's message, and people are alerted.

Time passes through ``INFLUENCER_NOW``: each ``run --once`` starts later than the one before."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.daemon.harness import NOW, Daemons, iso, posts, seed, webhook
from tests.platforms.mastodon_standin import MastodonStandIn
from tests.platforms.standin import Reply

STATUSES = r"/api/v1/statuses"


def sent(instance: MastodonStandIn) -> int:
    return len(instance.server.matching("POST", STATUSES))


def test_rate_limited_waits_for_the_reset_then_succeeds(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    reset = NOW + timedelta(hours=1)  # read with the daemon's clock, as every adapter reads time
    instance.server.script("POST", STATUSES, Reply(429, {"error": "Too many requests"},
                                                   {"X-RateLimit-Reset": iso(reset)}))
    [post_id] = seed(ws, pg_url, [NOW])
    run.once()
    [waiting] = posts(pg_url, [post_id])
    assert waiting.status == "approved" and "429" in (waiting.last_error or "")
    run.once(now=NOW + timedelta(minutes=50))  # backoff alone would allow it; the reset does not
    assert sent(instance) == 1
    run.once(now=NOW + timedelta(minutes=61))
    assert posts(pg_url, [post_id])[0].status == "published"
    assert sent(instance) == 2


def test_server_errors_twice_then_success(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    instance.server.script("POST", STATUSES, Reply(503, {"error": "down"}), Reply(502, {"error": "down"}))
    [post_id] = seed(ws, pg_url, [NOW])
    for minutes in (0, 2, 6):  # backoff 30-60 s, then 60-120 s
        run.once(now=NOW + timedelta(minutes=minutes))
    [done] = posts(pg_url, [post_id])
    assert (done.status, done.attempts, sent(instance)) == ("published", 3, 3)


def test_server_errors_until_the_attempts_are_spent_fail_with_the_last_error(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    instance.server.script("POST", STATUSES, *[Reply(500, {"error": "boom"})] * 3)
    [post_id] = seed(ws, pg_url, [NOW])
    for minutes in (0, 2, 6):
        run.once(now=NOW + timedelta(minutes=minutes))
    [done] = posts(pg_url, [post_id])
    assert done.status == "failed" and "gave up after 3 attempts" in (done.reason or "")
    assert "HTTP 500" in (done.reason or "")  # each 500 was looked up (not found), then sent again
    run.once(now=NOW + timedelta(minutes=20))
    assert sent(instance) == 3  # failed stays failed until a person says retry
    assert run.cli("retry", post_id).returncode == 0
    run.once(now=NOW + timedelta(minutes=21))
    assert posts(pg_url, [post_id])[0].status == "published" and sent(instance) == 4


def test_forbidden_fails_at_once_with_the_message_and_alerts_the_webhook(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    with webhook(ws) as hooks:
        instance.server.script("POST", STATUSES, Reply(403, {"error": "This action is not allowed"}))
        [post_id] = seed(ws, pg_url, [NOW])
        run.once()
        run.once(now=NOW + timedelta(minutes=1))  # the same alert is not sent twice
        alerts = [json.loads(r.body) for r in hooks.matching("POST", r"/hook")]
    [done] = posts(pg_url, [post_id])
    assert done.status == "failed" and "This action is not allowed" in (done.last_error or "")
    assert sent(instance) == 1
    assert [(a["kind"], a["post_id"]) for a in alerts] == [("failed", post_id)]
    assert "This action is not allowed" in alerts[0]["reason"]


def test_an_unreachable_webhook_is_logged_not_fatal(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    with (ws / "influencer.toml").open("a", encoding="utf-8") as settings:
        settings.write('[alerts]\nwebhook_url = "http://127.0.0.1:9/hook"\n')
    instance.server.script("POST", STATUSES, Reply(403, {"error": "nope"}))
    [post_id] = seed(ws, pg_url, [NOW])
    daemon = run.once()
    assert posts(pg_url, [post_id])[0].status == "failed"
    assert "alert by webhook not delivered" in daemon.output()
