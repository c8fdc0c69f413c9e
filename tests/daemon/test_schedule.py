"""The planner's slots as the daemon's jobs: drafted within the lead time, published at their
time, missed ones late within the grace or skipped with the reason; status and metrics."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from influencer.store import Post, Publication, open_store
from influencer.store.models import DaemonBeat
from tests.daemon.harness import NOW, Daemons, posts, wait_for, write_schedule
from tests.helpers import closed_port
from tests.platforms.mastodon_standin import MastodonStandIn


def slot_posts(db_url: str) -> list[Post]:
    return sorted(posts(db_url), key=lambda p: p.slot_at)


def last_beat(db_url: str, after: datetime) -> datetime | None:
    """The newest heartbeat's time on the daemon's clock, once it is later than ``after``."""
    engine = open_store(db_url)
    try:
        with Session(engine) as session:
            seen = session.exec(select(DaemonBeat.seen_at).order_by(col(DaemonBeat.seen_at).desc())).first()
    finally:
        engine.dispose()
    return seen if seen is not None and seen > after else None


def published_at(db_url: str, post_id: str) -> Publication:
    engine = open_store(db_url)
    try:
        with Session(engine) as session:
            return session.exec(select(Publication).where(col(Publication.post_id) == post_id)).one()
    finally:
        engine.dispose()


def test_a_slot_is_drafted_in_its_lead_time_and_published_on_time(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    write_schedule(ws, times=("09:00",))
    port = closed_port()
    daemon = run.start("--metrics-port", str(port), "--log-format", "json",
                       now=NOW - timedelta(seconds=8))
    wait_for(lambda: instance.statuses, 60, "the 09:00 post")
    post = wait_for(lambda: [p for p in slot_posts(pg_url) if p.status == "published"], 30, "published")[0]
    assert post.slot_at == NOW
    went = published_at(pg_url, post.id).published_at
    # never early; late by no more than a slow machine explains (a missed job would be minutes)
    assert NOW <= went < NOW + timedelta(seconds=15)

    metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    assert 'influencer_posts{platform="mastodon",status="published"} 1.0' in metrics
    assert "influencer_publish_seconds_count" in metrics

    # "now" for status is the daemon's own clock as its latest heartbeat wrote it, never an
    # estimate made here: how long the daemon took to start must not decide the test
    beat = wait_for(lambda: last_beat(pg_url, after=went), 30, "a heartbeat after the publish")
    status = run.cli("status", "--json", now=beat + timedelta(milliseconds=500))
    report = json.loads(status.stdout)
    assert status.returncode == 0, status.stdout + status.stderr
    assert report["alive"] == 1 and report["daemons"][0]["same_config"]
    assert report["next_runs"][0]["next_publish_at"].startswith("2026-12-02T09:00")
    assert run.stop(daemon) == 0
    lines = [json.loads(line) for line in daemon.output().splitlines() if line.startswith("{")]
    steps = [(e["post"], e["status"]) for e in lines if e.get("post") == post.id]
    assert [s for _, s in steps] == ["claimed", "sending", "published"]
    assert all({"persona", "platform", "status"} <= e.keys() for e in lines if "post" in e)
    assert "mastodon-token" not in daemon.output()  # no secret in a log line
    assert run.cli("status", now=NOW + timedelta(minutes=5)).returncode == 1  # no daemon now


def test_missed_slots_go_out_within_grace_and_are_skipped_after_it(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    write_schedule(ws, times=("08:30", "08:55"), grace=600)
    run.once()  # the daemon was down at 08:30 and 08:55; it is 09:00 now
    today = [p for p in slot_posts(pg_url) if p.slot_at.date() == NOW.date()]
    assert [(p.slot_at.strftime("%H:%M"), p.status) for p in today] == [
        ("08:30", "skipped"), ("08:55", "published")]
    assert "missed" in (today[0].reason or "") and "grace of 600 s" in (today[0].reason or "")
    assert len(instance.statuses) == 1  # no burst of stale posts


def test_a_day_down_with_a_per_minute_schedule_skips_the_missed_and_publishes_the_due(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    """Catch-up is one set-based update (it took minutes and lost the due post before)."""
    write_schedule(ws, grace=120)
    path = ws / "schedules" / "ava-masto.yaml"
    path.write_text(path.read_text().replace('times: ["03:00"]', 'cron: "* * * * *"'))
    once = run.once(now=NOW + timedelta(seconds=30))
    assert once.process.returncode == 0, once.output()
    by_status: dict[str, list[Post]] = {}
    for post in slot_posts(pg_url):
        by_status.setdefault(str(post.status), []).append(post)
    assert [p.slot_at.strftime("%H:%M") for p in by_status["published"]] == ["08:59", "09:00"]
    assert len(by_status["skipped"]) == 24 * 60 - 2  # the look-back day, less the two sent
    waiting = by_status.get("approved", []) + by_status.get("planned", [])
    assert waiting and all(p.slot_at > NOW for p in waiting)  # drafted ahead, not yet due
    assert len(instance.statuses) == 2
    assert "ava on mastodon: 1438 missed slots skipped" in once.output()
