"""Adding a platform is one module: a plugin outside this repository, registered only through
entry points (``influencer.platforms`` and ``influencer.platform_specs``), works end to end in
the real CLI: ``check``, ``preview``, ``post --now`` and ``run --once``, its posts labelled and
its own AI flag set, sent to its server (a stand-in on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.platforms.standin import Recorded, Reply, StandIn

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ENTRY_POINTS = """\
[influencer.platforms]
pigeon = pigeon_post:PigeonPlatform

[influencer.platform_specs]
pigeon = pigeon_post:SPEC
"""
SCHEDULE = """\
id: ava-pigeon
persona: ava
platforms: [pigeon]
times: ["09:00"]
timezone: UTC
jitter: 0
approval: auto
campaign: {theme: Winter knits, categories: [fashion]}
images: {tags: [], reuse_after_days: 0}
start: 2026-11-01
"""


@pytest.fixture
def server() -> Iterator[StandIn]:
    with StandIn() as stand_in:
        counter = iter(range(1, 1000))
        stand_in.route("POST", r"/messages", lambda rec, m: Reply(201, {"id": f"m{next(counter)}"}))
        yield stand_in


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    """The plugin as pip would leave it: the module and its dist-info, on a path of its own."""
    site = tmp_path / "site"
    (site / "pigeon_post-1.0.dist-info").mkdir(parents=True)
    shutil.copy(REPO / "tests" / "plugin" / "pigeon_post.py", site / "pigeon_post.py")
    (site / "pigeon_post-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: pigeon-post\nVersion: 1.0\n", encoding="utf-8")
    (site / "pigeon_post-1.0.dist-info" / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    return site


@pytest.fixture
def ws(workspace: Path, server: StandIn) -> Path:
    persona = workspace / "personas" / "ava.yaml"
    text = persona.read_text(encoding="utf-8").replace(
        "platforms: [x, instagram, bluesky, mastodon]",
        "platforms: [x, instagram, bluesky, mastodon, pigeon]")
    text += (f'  pigeon:    {{handle: ava, credentials: env:AVA_PIGEON, live: true, '
             f'base_url: "{server.url}", territories: [EU]}}\n')
    persona.write_text(text, encoding="utf-8")
    for other in (workspace / "schedules").glob("*.yaml"):
        other.unlink()
    (workspace / "schedules" / "ava-pigeon.yaml").write_text(SCHEDULE, encoding="utf-8")
    return workspace


def cli(ws: Path, plugin: Path, *args: str, now: datetime = NOW) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUENCER_")}
    env |= {"PYTHONPATH": os.pathsep.join([str(plugin), str(REPO)]), "AVA_PIGEON": "coo",
            "INFLUENCER_NOW": now.isoformat()}
    return subprocess.run([sys.executable, "-m", "influencer", "-w", str(ws), *args], env=env,
                          capture_output=True, text=True, timeout=180)


def messages(server: StandIn) -> list[Recorded]:
    return server.matching("POST", r"/messages")


def test_without_the_plugin_its_platform_is_unknown_to_check(ws: Path, tmp_path: Path) -> None:
    result = cli(ws, tmp_path, "check")
    assert result.returncode == 1
    assert "unknown platform 'pigeon'" in result.stderr and "Traceback" not in result.stderr


def test_an_out_of_tree_platform_checks_previews_posts_now_and_runs(
        ws: Path, plugin: Path, server: StandIn) -> None:
    checked = cli(ws, plugin, "check")
    assert checked.returncode == 0, checked.stderr

    preview = cli(ws, plugin, "preview", "--days", "2", "--json")
    assert preview.returncode == 0, preview.stderr
    posts = json.loads(preview.stdout)["posts"]
    assert [p["platform"] for p in posts] == ["pigeon", "pigeon"]
    first = posts[0]
    assert first["status"] == "approved" and first["text"].startswith("AI-generated")
    assert first["request"]["synthetic"] is True and first["request"]["message"] == first["text"]
    assert first["request"]["pictures"][0]["description"].startswith("AI-generated")

    now = cli(ws, plugin, "post", "ava-pigeon", "--now")
    assert now.returncode == 0, now.stdout + now.stderr
    assert now.stdout.startswith("pigeon: published")
    [sent] = messages(server)
    assert sent.json["message"].startswith("AI-generated") and sent.json["synthetic"] is True

    due = datetime(2026, 12, 1, 9, 0, 30, tzinfo=UTC)
    ran = cli(ws, plugin, "run", "--once", now=due)
    assert ran.returncode == 0, ran.stderr
    assert len(messages(server)) == 2
    assert messages(server)[1].json["key"] == first["post_id"]  # the previewed post, as previewed
    assert messages(server)[1].json["message"] == first["text"]


def test_a_plugin_without_limits_is_a_check_error_not_a_crash(ws: Path, plugin: Path) -> None:
    entry_points = plugin / "pigeon_post-1.0.dist-info" / "entry_points.txt"
    entry_points.write_text(ENTRY_POINTS.split("\n\n")[0] + "\n", encoding="utf-8")
    result = cli(ws, plugin, "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ("schedules/ava-pigeon.yaml:3: platforms[0]: platform 'pigeon' has no PlatformSpec "
            "registered") in result.stderr
