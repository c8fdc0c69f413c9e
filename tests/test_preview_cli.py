"""`influencer preview` as a user runs it: JSON document, HTML page in Chromium, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.browser import load_page
from tests.helpers import run_cli as run

NOW = {"INFLUENCER_NOW": "2026-11-30T06:00:00Z", "COLUMNS": "200"}
KEYS = ["post_id", "mode", "persona", "schedule", "platform", "slot_at", "publish_at", "text",
        "alt_texts", "flags", "images", "writer", "request", "status", "state", "stale", "warnings"]


def test_preview_json_document(workspace: Path) -> None:
    result = run("preview", "--days", "7", "--json", cwd=workspace, env=NOW)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema_version"] == 1
    assert document["window"] == {"from": "2026-11-30T06:00:00+00:00", "to": "2026-12-07T06:00:00+00:00"}
    posts = document["posts"]
    assert len(posts) == 42 and all(list(p) == KEYS for p in posts)
    x_posts = [p for p in posts if p["platform"] == "x"]
    assert all(p["flags"]["made_with_ai"] is True and p["request"]["tweet"]["made_with_ai"] for p in x_posts)
    ig = [p for p in posts if p["platform"] == "instagram"]
    assert all(p["request"]["containers"][-1]["is_ai_generated"] is True for p in ig)
    noor = [p for p in posts if p["persona"] == "noor"]
    assert all(p["text"].endswith("Généré par IA #ad") for p in noor)  # paid campaign, label at end
    again = json.loads(run("preview", "--days", "7", "--json", cwd=workspace, env=NOW).stdout)
    assert again == document  # stored drafts: the same posts, byte for byte


def test_preview_html_in_chromium(workspace: Path, tmp_path: Path) -> None:
    page = tmp_path / "preview.html"
    result = run("preview", "--days", "3", "--html", str(page), cwd=workspace, env=NOW)
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout
    summary = result.stderr.strip().splitlines()[-1]  # piped: stdout is one line per post
    count = int(summary.split()[0])
    assert summary == f"{count} posts, 0 could not be drafted, 0 slots excluded; HTML: {page}"
    dom, requests = load_page(page, tmp_path / "preview.png")
    assert requests == []
    cards = re.findall(r"<article class=\"card.*?</article>", dom, re.S)
    assert len(cards) == count == 18
    labels = ("AI-generated", "AI生成", "Généré par IA")
    assert all(any(f">{label}" in card or f"{label} #ad</div>" in card or f"{label}</div>" in card
                   for label in labels) for card in cards)
    assert all('src="data:image/jpeg;base64,' in card for card in cards)
    assert (tmp_path / "preview.png").stat().st_size > 50_000


def test_preview_exit_1_when_a_post_cannot_be_drafted(workspace: Path) -> None:
    path = workspace / "personas" / "mei.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "writer: {name: offline}", "writer: {name: openai, model: m, base_url: 'http://127.0.0.1:9/v1'}"),
        encoding="utf-8")
    (workspace / "influencer.toml").write_text("[writer]\ntimeout = 1\nattempts = 1\n", encoding="utf-8")
    result = run("preview", "--days", "2", "--json", cwd=workspace, env=NOW)
    assert result.returncode == 1
    posts = json.loads(result.stdout)["posts"]
    failed = [p for p in posts if p["persona"] == "mei"]
    assert failed and all(p["status"] == "planned" and p["text"] is None for p in failed)
    assert all("could not be drafted" in p["warnings"][0] for p in failed)
    assert {p["status"] for p in posts if p["persona"] == "ava"} == {"drafted"}


def test_queue_approve_and_post_now_from_the_command_line(workspace: Path) -> None:
    run("preview", "--days", "2", "--json", cwd=workspace, env=NOW)
    waiting = json.loads(run("queue", "--json", cwd=workspace, env=NOW).stdout)
    ava = [p for p in waiting if p["persona"] == "ava"]
    assert {p["status"] for p in ava} == {"drafted"}
    approved = run("approve", "--persona", "ava", "--day", "2026-11-30", "--as", "ines",
                   cwd=workspace, env=NOW)
    assert approved.returncode == 0 and approved.stdout.count("approved ") == 2
    bad = run("approve", "--as", "ines", cwd=workspace, env=NOW)
    assert bad.returncode == 2 and "give post ids, or --persona" in bad.stderr
    dry = run("post", "noor-weekends", "--now", "--dry-run", cwd=workspace, env=NOW)
    assert dry.returncode == 0, dry.stderr
    assert [line.split(" ")[:3] for line in dry.stdout.splitlines()] == [
        ["instagram:", "dry", "run"], ["mastodon:", "dry", "run"]]
    assert all("/outbox/noor/" in line for line in dry.stdout.splitlines())
    assert len(list((workspace / "outbox" / "noor").glob("*/*/post.json"))) == 2


def test_post_now_says_when_a_post_went_to_the_outbox_because_its_account_is_not_live(
        workspace: Path) -> None:
    result = run("post", "mei-evenings", "--now", cwd=workspace, env=NOW)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["x:", "bluesky:"]
    for line in lines:
        assert " to the outbox (the account is not live: true): file://" in line
        assert Path(line.rsplit(" ", 1)[1].removeprefix("file://"), "post.json").is_file()


def test_the_streamed_document_is_what_json_dumps_would_print() -> None:
    """``preview --json`` writes its document post by post (a long window is never held twice);
    the bytes are those of ``json.dumps(document, indent=2, ensure_ascii=False)``, for empty
    lists, one post and several, with text that needs escaping and text that must not be."""
    import io

    from influencer.preview.model import PreviewItem, preview_document, write_preview_document

    def item(n: int) -> PreviewItem:
        return PreviewItem(post={"post_id": f"p{n}", "text": "AI生成 ⏎\n\"quoted\" \\ \t</script>",
                                 "alt_texts": [], "flags": {"made_with_ai": True},
                                 "request": {"nested": [{"a": None}, []], "n": n}},
                           status="approved", warnings=["needs approval"] * n)

    excluded = [{"schedule": "s", "platform": "x", "slot_at": "2026-12-01T08:00:00+00:00",
                 "reason": "blackout date 2026-12-24"}]
    for items, gone in (([], []), ([item(1)], excluded), ([item(n) for n in range(3)], excluded)):
        out = io.StringIO()
        write_preview_document(out, iter(items), "2026-11-30", "2026-12-07", gone)
        whole = {**preview_document(items, "2026-11-30", "2026-12-07"), "excluded": gone}
        assert out.getvalue() == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"
