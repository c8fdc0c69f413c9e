"""A person's controls: pause and resume, dry runs, deleting a published post."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.daemon.harness import NOW, Daemons, posts, seed
from tests.platforms.mastodon_standin import MastodonStandIn


def test_pause_and_resume_a_persona(ws: Path, pg_url: str, run: Daemons,
                                    instance: MastodonStandIn) -> None:
    [post_id] = seed(ws, pg_url, [NOW])
    assert run.cli("pause", "ava").stdout.strip() == "paused ava"
    run.once()
    assert posts(pg_url, [post_id])[0].status == "approved" and not instance.statuses
    status = json.loads(run.cli("status", "--json").stdout)
    assert status["paused"] == ["ava"]
    assert run.cli("resume", "ava").stdout.strip() == "resumed ava"
    assert run.cli("pause").stdout.strip() == "paused everything"
    run.once(now=NOW + timedelta(minutes=1))
    assert not instance.statuses
    run.cli("resume")
    run.once(now=NOW + timedelta(minutes=2))
    assert posts(pg_url, [post_id])[0].status == "published" and len(instance.statuses) == 1
    assert run.cli("pause", "nobody").returncode == 2


def test_dry_run_uses_the_outbox_and_no_slot_then_delete_a_published_post(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    [post_id] = seed(ws, pg_url, [NOW])
    run.once("--dry-run")
    [folder] = (ws / "outbox" / "ava" / "mastodon").iterdir()
    assert json.loads((folder / "post.json").read_text())["mode"] == "dry"
    assert posts(pg_url, [post_id])[0].status == "approved" and not instance.statuses
    run.once()
    assert posts(pg_url, [post_id])[0].status == "published" and len(instance.statuses) == 1
    deleted = run.cli("delete", post_id)
    assert deleted.returncode == 0, deleted.stderr
    assert posts(pg_url, [post_id])[0].status == "deleted" and not instance.statuses
    assert run.cli("delete", post_id).returncode == 2  # only published posts can be deleted
