"""A failed post is loud: the queue, ``status``, ``run --once``, the log and one alert say so,
with the last error and what to do; a retry sends it once the platform is back.

The platform is down for real: the account points at a port nothing listens on, so every
attempt meets "connection refused" (nothing was sent, so each is retried, then failed)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.daemon.harness import NOW, Daemons, daemons, make_workspace, posts, seed, webhook
from tests.helpers import closed_port
from tests.platforms.mastodon_standin import MastodonStandIn


def queue_line(run: Daemons, post_id: str, minutes: float) -> dict[str, object]:
    listed = run.cli("queue", "--json", now=NOW + timedelta(minutes=minutes))
    assert listed.returncode == 0, listed.stderr
    [item] = [i for i in json.loads(listed.stdout) if i["post_id"] == post_id]
    return dict(item)


def status(run: Daemons, minutes: float, *args: str) -> tuple[int, str]:
    result = run.cli("status", *args, now=NOW + timedelta(minutes=minutes))
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout + result.stderr


def test_a_failed_post_is_loud_everywhere_and_a_retry_sends_it(
        workspace: Path, pg_url: str, instance: MastodonStandIn) -> None:
    ws = make_workspace(workspace, f"http://127.0.0.1:{closed_port()}")
    with daemons(ws, pg_url) as run, webhook(ws) as hooks:
        [post_id] = seed(ws, pg_url, [NOW])
        first = run.once()
        assert first.process.returncode == 1
        assert f"needs attention: ava on mastodon, post {post_id[:8]} is retrying: " in first.output()
        assert "connection refused by 127.0.0.1:" in first.output() and "Traceback" not in first.output()
        item = queue_line(run, post_id, 1 / 3)
        assert item["status"] == "approved"  # the stored status; the words say what it means
        warnings = "\n".join(map(str, item["warnings"]))  # type: ignore[call-overload]
        assert "last error: " in warnings and "connection refused" in warnings
        shown = run.cli("queue", "--plain", now=NOW + timedelta(minutes=1 / 3)).stdout
        assert "retrying (attempt 1 of 3 failed, next at 2026-12-01 09:0" in shown, shown
        assert status(run, 1, "--within", "3600")[0] == 0  # retrying is not failed (yet)

        for minutes in (2, 6):
            again = run.once(now=NOW + timedelta(minutes=minutes))
            assert again.process.returncode == 1
        said = again.output()  # the run that failed it and alerted: in our words only
        assert f"ava on mastodon, post {post_id[:8]}: failed — " in said
        assert "HTTP Request" not in said and "urllib3" not in said
        [failed] = posts(pg_url, [post_id])
        assert failed.status == "failed" and "connection refused" in (failed.reason or "")
        item = queue_line(run, post_id, 7)
        assert item["status"] == "failed"
        assert f"send it again: influencer retry {post_id[:8]} --as NAME" in item["warnings"]  # type: ignore[operator]
        code, said = status(run, 7, "--within", "3600")
        assert code == 2 and post_id[:8] in said and "1 post failed or is unconfirmed" in said
        assert status(run, 7, "--within", "1")[0] == 1  # no daemon seen outranks a failed post
        report = json.loads(run.cli("status", "--json", "--within", "3600",
                                    now=NOW + timedelta(minutes=7)).stdout)
        assert [(p["post_id"], p["status"], p["attempts"]) for p in report["problems"]] == [
            (post_id, "failed", 3)]

        assert run.once(now=NOW + timedelta(minutes=20)).process.returncode == 0  # nothing new
        alerts = [json.loads(r.body) for r in hooks.matching("POST", r"/hook")]
        assert [(a["kind"], a["post_id"]) for a in alerts] == [("failed", post_id)]  # once

        persona = ws / "personas" / "ava.yaml"  # the instance is back
        text = persona.read_text(encoding="utf-8")
        start = text.index('base_url: "') + len('base_url: "')
        persona.write_text(text[:start] + instance.url + text[text.index('"', start):],
                           encoding="utf-8")
        retried = run.cli("retry", post_id, now=NOW + timedelta(minutes=21))
        assert retried.returncode == 0, retried.stderr
        sent = run.once(now=NOW + timedelta(minutes=22))
        assert sent.process.returncode == 0, sent.output()
        assert posts(pg_url, [post_id])[0].status == "published" and len(instance.statuses) == 1
        assert status(run, 23, "--within", "3600")[0] == 0
        assert status(run, 24 * 60 + 30, "--within", "3600")[0] == 1  # a day later: no daemon seen


def test_status_exits_3_when_the_database_is_unreachable(workspace: Path) -> None:
    from tests.helpers import run_cli

    result = run_cli("status", cwd=workspace, env={
        "INFLUENCER_DATABASE_URL": f"postgresql+psycopg://nobody@127.0.0.1:{closed_port()}/none"})
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
