"""Stored drafts, approval flows, stale drafts, dry runs and publishing through the outbox.

These run the flow in-process on a copy of the example workspace, with a fixed clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from influencer.errors import DisclosureError, InfluencerError
from influencer.flow.approve import (
    approve,
    edit_caption,
    queue,
    reject,
    reject_and_redraft,
    settle_unapproved,
)
from influencer.flow.context import Context, Window, posts_by_id, posts_for
from influencer.flow.draft import redraft
from influencer.flow.plan import Excluded
from influencer.flow.publish import post_now, publish_approved, publish_dry, waiting_for_approval
from influencer.flow.review import preview_window, window_posts
from influencer.preview.items import preview_items
from influencer.preview.model import PreviewItem
from influencer.store import AuditEvent, Post, PostStatus, Publication, history
from tests.helpers import FixedClock, flow_context
from tests.helpers import run_cli as run

MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY)


@dataclass
class Previewed:
    items: list[PreviewItem]
    excluded: list[Excluded]
    not_drafted: int


def build_preview(ctx: Context, window: Window) -> Previewed:
    """What the preview command shows: the flow's posts turned into preview items."""
    result = preview_window(ctx, window)
    return Previewed(preview_items(ctx, window_posts(ctx, result.post_ids)), result.excluded,
                     result.not_drafted)


@pytest.fixture
def ctx(workspace: Path, clock: FixedClock) -> Iterator[Context]:
    context = flow_context(workspace, clock)
    yield context
    context.engine.dispose()


def window(days: int = 2, persona: str | None = None) -> Window:
    return Window(MONDAY, MONDAY + timedelta(days=days), persona)


def by_status(posts: list[Post]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for post in posts:
        counts[str(post.status)] = counts.get(str(post.status), 0) + 1
    return counts


def test_preview_drafts_once_and_reuses_the_stored_drafts(ctx: Context) -> None:
    first = build_preview(ctx, window())
    second = build_preview(ctx, window())
    assert [i.as_json() for i in first.items] == [i.as_json() for i in second.items]
    assert first.not_drafted == 0 and len(first.items) == 12  # ava 2 days × 2, mei 4 slots × 2
    for item in first.items:
        post = item.post
        label = {"ava": "AI-generated", "mei": "AI生成", "noor": "Généré par IA"}[post["persona"]]
        assert label in post["text"] and all(alt.startswith(label) for alt in post["alt_texts"])
        assert post["request"] is not None
    with ctx.session() as session:
        drafted = session.exec(select(AuditEvent).where(col(AuditEvent.to_status) == "drafted")).all()
    assert len(drafted) == 12  # one draft per post, not one per preview


def test_approval_required_stops_at_drafted_and_auto_goes_on(ctx: Context) -> None:
    items = build_preview(ctx, window()).items
    statuses = {(i.post["persona"], i.status) for i in items}
    assert statuses == {("ava", "drafted"), ("mei", "approved")}
    ava = [i for i in items if i.post["persona"] == "ava"]
    assert all(f"needs approval: influencer approve {i.post['post_id'][:8]} --as NAME" in i.warnings
               for i in ava)


def test_approve_by_persona_and_day_then_reject_and_edit(ctx: Context) -> None:
    build_preview(ctx, window())
    monday = posts_for(ctx, "ava", MONDAY.date(), [PostStatus.drafted])
    assert len(monday) == 2  # instagram and x
    approved = approve(ctx, monday)
    assert {p.status for p in approved} == {PostStatus.approved}
    assert {p.approved_by for p in approved} == {"tester"}
    rejected = reject(ctx, approved[0], "wrong coat")
    assert (rejected.status, rejected.reason) == (PostStatus.skipped, "rejected: wrong coat")
    with pytest.raises(InfluencerError, match=r"cannot be approved: it was skipped \(rejected: wrong"):
        approve(ctx, [rejected])
    edited = edit_caption(ctx, approved[1], "Wool that outlives the winter.")
    assert edited.status == PostStatus.drafted  # an approved post goes back to drafted
    assert edited.text is not None
    assert edited.text.startswith("AI-generated\n\nWool that outlives the winter.")
    assert edited.writer == "person"


def test_an_edit_cannot_drop_the_label_or_break_the_rules(ctx: Context) -> None:
    build_preview(ctx, window())
    [post, *_] = posts_for(ctx, "ava", None, [PostStatus.drafted])
    edited = edit_caption(ctx, post, "AI-generated Just a coat.")  # label typed by hand: not doubled
    assert edited.text is not None and edited.text.count("AI-generated") == 1
    with pytest.raises(InfluencerError, match="touches 'politics'"):
        edit_caption(ctx, edited, "Let us talk politics today.")
    with pytest.raises(InfluencerError, match="claims the twin is human"):
        edit_caption(ctx, edited, "No filter, no AI, just me.")
    with pytest.raises(InfluencerError, match="allows 280"):
        edit_caption(ctx, next(p for p in posts_for(ctx, "ava", None, [PostStatus.drafted])
                           if p.platform == "x"), "word " * 80)


def test_reject_with_redraft_drafts_the_slot_again(ctx: Context) -> None:
    build_preview(ctx, window())
    [post, *_] = posts_for(ctx, "ava", None, [PostStatus.drafted])
    assert reject_and_redraft(ctx, post, "try again") == 0
    [again] = posts_by_id(ctx, [post.id])
    assert again.status == PostStatus.drafted and again.text


def test_unapproved_at_its_slot_is_held_then_skipped_after_grace(ctx: Context, clock: FixedClock) -> None:
    build_preview(ctx, window(persona="ava"))
    [first, *_] = posts_for(ctx, "ava", None, [PostStatus.drafted])
    clock.now = first.publish_at + timedelta(seconds=1)
    settle_unapproved(ctx)
    [held] = posts_by_id(ctx, [first.id])
    assert (held.status, held.reason) == (PostStatus.held, "not approved by its slot time")
    clock.now = first.publish_at + timedelta(seconds=901)  # grace: 900
    settle_unapproved(ctx)
    [skipped] = posts_by_id(ctx, [first.id])
    assert skipped.status == PostStatus.skipped
    assert skipped.reason == "not approved before its grace period ended"


def test_stale_when_the_persona_file_changes_and_fresh_after_redraft(workspace: Path,
                                                                     clock: FixedClock) -> None:
    ctx = flow_context(workspace, clock)
    build_preview(ctx, window(persona="mei"))
    ctx.engine.dispose()
    path = workspace / "personas" / "mei.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("tone: [bold, bright, playful]",
                                                             "tone: [bold, bright]"), encoding="utf-8")
    ctx = flow_context(workspace, clock)
    items = build_preview(ctx, window(persona="mei")).items
    assert items and all(i.stale for i in items)
    assert all(any(w.startswith("stale: what it was drafted from changed (the persona's voice")
                   for w in i.warnings) for i in items)
    post = posts_by_id(ctx, [items[0].post["post_id"]])[0]
    with pytest.raises(InfluencerError, match="is stale"):
        publish_dry(ctx, post)  # never publish what no one previewed
    redraft(ctx, posts_by_id(ctx, [i.post["post_id"] for i in items]))
    assert not any(i.stale for i in build_preview(ctx, window(persona="mei")).items)
    ctx.engine.dispose()


def test_a_change_a_draft_is_not_made_from_leaves_it_fresh(workspace: Path,
                                                          clock: FixedClock) -> None:
    """Rights dates, accounts and the schedule's times cannot change a draft: no redraft asked."""
    ctx = flow_context(workspace, clock)
    build_preview(ctx, window(persona="mei"))
    ctx.engine.dispose()
    persona, schedule = workspace / "personas" / "mei.yaml", workspace / "schedules" / "city-evenings.yaml"
    for path, old, new in [(persona, "expires: 2032-09-30", "expires: 2033-09-30"),
                           (persona, "territories: [JP, US]", "territories: [JP]"),
                           (schedule, "grace: 600", "grace: 1200")]:
        text = path.read_text(encoding="utf-8")
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    ctx = flow_context(workspace, clock)
    items = build_preview(ctx, window(persona="mei")).items
    assert items and not any(i.stale for i in items)
    ctx.engine.dispose()


def test_preview_equals_publish_in_the_outbox(ctx: Context) -> None:
    items = build_preview(ctx, window(days=3)).items
    approve(ctx, posts_for(ctx, "ava", None, [PostStatus.drafted]))
    for item in items:
        [post] = posts_by_id(ctx, [item.post["post_id"]])
        publish_dry(ctx, post)
    outbox = ctx.ws.outbox_dir
    documents = {d["post_id"]: (d, folder) for folder in outbox.glob("*/*/*")
                 for d in [json.loads((folder / "post.json").read_text(encoding="utf-8"))]}
    assert len(documents) == len(items)
    for item in items:
        document, folder = documents[item.post["post_id"]]
        assert (document["mode"], item.post["mode"]) == ("dry", "live")
        assert {**document, "mode": "live"} == item.post  # every field, the request included
        for image in item.post["images"]:
            assert hashlib.sha256((folder / image["file"]).read_bytes()).hexdigest() == image["sha256"]


def test_dry_runs_never_consume_a_slot_and_do_not_repeat(ctx: Context) -> None:
    items = build_preview(ctx, window()).items
    before = by_status(posts_by_id(ctx, [i.post["post_id"] for i in items]))
    for _ in range(2):
        for post in posts_by_id(ctx, [i.post["post_id"] for i in items]):
            publish_dry(ctx, post)
    assert by_status(posts_by_id(ctx, [i.post["post_id"] for i in items])) == before
    with ctx.session() as session:
        publications = session.exec(select(Publication)).all()
    assert len(publications) == len(items) and {p.mode for p in publications} == {"dry"}
    assert len(list(ctx.ws.outbox_dir.glob("*/*/*/post.json"))) == len(items)


def test_an_account_not_live_publishes_to_the_outbox_and_uses_the_slot(
        ctx: Context, clock: FixedClock) -> None:
    build_preview(ctx, window(persona="mei"))
    [post, *_] = posts_for(ctx, "mei", None, [PostStatus.approved])
    clock.now = post.publish_at  # due
    published = publish_approved(ctx, post).post
    assert published.status == PostStatus.published
    document = json.loads(next(ctx.ws.outbox_dir.glob(f"mei/*/*-{post.id}/post.json")).read_text("utf-8"))
    assert document["mode"] == "live"
    again = publish_approved(ctx, published)  # used: it is not claimed, nor sent, again
    assert again.post.status == PostStatus.published and again.held_back
    assert len(list(ctx.ws.outbox_dir.glob(f"mei/*/*-{post.id}/post.json"))) == 1


def test_rights_revoked_after_drafting_stop_the_post_at_publish(workspace: Path, clock: FixedClock) -> None:
    ctx = flow_context(workspace, clock)
    build_preview(ctx, window(persona="mei"))
    ctx.engine.dispose()
    path = workspace / "personas" / "mei.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("revoked: false", "revoked: true"),
                    encoding="utf-8")
    ctx = flow_context(workspace, clock)
    [post, *_] = posts_for(ctx, "mei", None, [PostStatus.approved])
    clock.now = post.publish_at
    stopped = publish_approved(ctx, post)  # the claim records the file's revocation first
    assert (stopped.post.status, stopped.post.reason) == (PostStatus.cancelled,
                                                          "rights revoked in personas/mei.yaml")
    assert stopped.held_back == f"post {post.id} is cancelled: rights revoked in personas/mei.yaml"
    assert not list(ctx.ws.outbox_dir.glob("**/post.json"))
    ctx.engine.dispose()


def test_post_now_dry_run_makes_dry_posts_the_daemon_never_sends(ctx: Context) -> None:
    posts = [o.post for o in post_now(ctx, "mei-evenings", dry_run=True)]
    assert {p.mode for p in posts} == {"dry"} and len(posts) == 2
    assert len(list(ctx.ws.outbox_dir.glob("mei/*/*/post.json"))) == 2
    assert all(json.loads(p.read_text("utf-8"))["mode"] == "dry"
               for p in ctx.ws.outbox_dir.glob("mei/*/*/post.json"))
    assert queue(ctx) == []  # dry posts are not in the live queue
    with pytest.raises(InfluencerError, match="no schedule 'nope'"):
        post_now(ctx, "nope", dry_run=True)


def test_post_now_under_required_approval_waits_unless_the_person_approves(
        ctx: Context, clock: FixedClock) -> None:
    waiting = post_now(ctx, "ava-autumn", dry_run=False)
    assert [waiting_for_approval(o) for o in waiting] == [True, True]
    assert {o.post.status for o in waiting} == {PostStatus.drafted}
    assert not list(ctx.ws.outbox_dir.glob("**/post.json"))
    clock.now += timedelta(seconds=1)
    posts = [o.post for o in post_now(ctx, "ava-autumn", dry_run=False, approve=True)]
    assert {p.status for p in posts} == {PostStatus.published}
    assert {p.approved_by for p in posts} == {"tester"}
    with ctx.session() as session:
        approvals = [e for p in posts for e in history(session, p.id) if e.to_status == "approved"]
    assert [(e.actor, e.detail["reason"]) for e in approvals] == [
        ("tester", "approved with post --now --approve")] * 2


def test_post_now_under_automatic_approval_is_approved_by_the_schedule(ctx: Context) -> None:
    posts = [o.post for o in post_now(ctx, "mei-evenings", dry_run=False)]
    assert {p.status for p in posts} == {PostStatus.published}
    with ctx.session() as session:
        reasons = {e.detail.get("reason") for p in posts for e in history(session, p.id)
                   if e.to_status == "approved"}
    assert reasons == {"approval: auto"}


def test_repeating_a_dry_post_now_in_the_same_second_duplicates_nothing(ctx: Context) -> None:
    first = [o.post.id for o in post_now(ctx, "mei-evenings", dry_run=True)]
    second = [o.post.id for o in post_now(ctx, "mei-evenings", dry_run=True)]
    assert first == second
    with ctx.session() as session:
        assert len(session.exec(select(Post).where(col(Post.kind) == "manual")).all()) == 2
        assert len(session.exec(select(Publication)).all()) == 2
    assert len(list(ctx.ws.outbox_dir.glob("mei/*/*/post.json"))) == 2
    outbox = sorted(p.parent.name for p in ctx.ws.outbox_dir.glob("mei/*/*/post.json"))
    assert all(name.startswith(MONDAY.strftime("%Y%m%dT%H%M%SZ")) for name in outbox)


def test_post_now_a_second_later_is_a_new_post_and_leaves_planned_slots_alone(
        ctx: Context, clock: FixedClock) -> None:
    planned = build_preview(ctx, window(persona="mei")).items
    post_now(ctx, "mei-evenings", dry_run=False)
    clock.now = MONDAY + timedelta(seconds=1)
    post_now(ctx, "mei-evenings", dry_run=False)
    with ctx.session() as session:
        manual = session.exec(select(Post).where(col(Post.kind) == "manual")).all()
    assert len(manual) == 4 and {p.status for p in manual} == {PostStatus.published}
    again = build_preview(ctx, window(persona="mei")).items
    assert [i.post["post_id"] for i in again] == [i.post["post_id"] for i in planned]


def test_a_persona_with_no_usable_images_is_skipped_with_the_reason(ctx: Context, workspace: Path) -> None:
    for image in (workspace / "personas" / "mei" / "images").iterdir():
        image.unlink()
    result = build_preview(ctx, window())
    mei = [i for i in result.items if i.post["persona"] == "mei"]
    assert mei and {i.status for i in mei} == {"skipped"}
    assert all(any("no images in the library of mei" in w for w in i.warnings) for i in mei)
    assert {i.status for i in result.items if i.post["persona"] == "ava"} == {"drafted"}
    assert result.not_drafted == 0


def test_a_writer_failing_for_one_persona_leaves_the_others(workspace: Path, clock: FixedClock) -> None:
    path = workspace / "personas" / "noor.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "writer: {name: offline}",
        "writer: {name: openai, model: m, base_url: 'http://127.0.0.1:9/v1'}"), encoding="utf-8")
    (workspace / "influencer.toml").write_text("[writer]\ntimeout = 1\nattempts = 1\n", encoding="utf-8")
    ctx = flow_context(workspace, clock)
    result = build_preview(ctx, Window(MONDAY, MONDAY + timedelta(days=7)))
    noor = [i for i in result.items if i.post["persona"] == "noor"]
    assert noor and result.not_drafted == len(noor)
    assert all(any(w.startswith("could not be drafted: ") and "noor" in w for w in i.warnings)
               for i in noor)
    assert {i.status for i in result.items if i.post["persona"] == "mei"} == {"approved"}
    ctx.engine.dispose()


def test_a_window_with_no_slots(ctx: Context) -> None:
    result = build_preview(ctx, Window(MONDAY + timedelta(hours=1), MONDAY + timedelta(hours=2)))
    assert (result.items, result.not_drafted) == ([], 0)


def test_labelling_a_tampered_draft_is_refused(ctx: Context) -> None:
    build_preview(ctx, window(persona="mei"))
    [post, *_] = posts_for(ctx, "mei", None, [PostStatus.approved])
    with ctx.session() as session:
        row = session.get(Post, post.id)
        assert row is not None
        row.text = row.text.replace("AI生成", "") if row.text else row.text
        session.add(row)
        session.commit()
    with pytest.raises(DisclosureError, match="different text than was previewed"):
        publish_dry(ctx, posts_by_id(ctx, [post.id])[0])


def test_the_pipeline_on_postgresql(workspace: Path, clock: FixedClock, pg_url: str) -> None:
    ctx = flow_context(workspace, clock, pg_url)
    result = build_preview(ctx, window())
    assert len(result.items) == 12 and result.not_drafted == 0
    ctx.engine.dispose()


def test_max_per_day_counts_posts_already_in_the_database(workspace: Path, clock: FixedClock) -> None:
    path = workspace / "schedules" / "city-evenings.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("max_per_day: 2", "max_per_day: 1"),
                    encoding="utf-8")
    ctx = flow_context(workspace, clock)
    post_now(ctx, "mei-evenings", dry_run=False)  # one post per platform today, outside the plan
    result = build_preview(ctx, Window(MONDAY, MONDAY + timedelta(days=2), "mei"))
    monday_jst = [i for i in result.items if i.local_day == "2026-11-30"]
    assert monday_jst == []  # today's quota is used by the posts made now
    assert sorted({e.reason for e in result.excluded}) == [
        "max_per_day 1 reached on 2026-11-30", "max_per_day 1 reached on 2026-12-01"]
    tuesday = [i for i in result.items if i.local_day == "2026-12-01"]
    assert len(tuesday) == 2  # 12:30 on each platform; 19:00 is over the limit
    ctx.engine.dispose()


def test_edit_in_the_editor(workspace: Path, clock: FixedClock, tmp_path: Path) -> None:
    ctx = flow_context(workspace, clock)
    build_preview(ctx, window(persona="ava"))
    [post, *_] = posts_for(ctx, "ava", None, [PostStatus.drafted])
    ctx.engine.dispose()
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nprintf 'Texture first, always.' > \"$1\"\n", encoding="utf-8")
    editor.chmod(0o755)
    result = run("edit", post.id, "--as", "ines", cwd=workspace,
                 env={"EDITOR": str(editor), "INFLUENCER_NOW": MONDAY.isoformat()})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:3] == ["AI-generated", ""]
    assert "Texture first, always." in result.stdout


def test_a_slot_created_meanwhile_by_another_process_is_reused_not_a_crash(ctx: Context) -> None:
    from influencer.flow.plan import plan_window, slot_post

    slots, _ = plan_window(ctx, window(1, "mei"))
    theirs = slot_post(ctx, slots[0])  # the other daemon's insert
    mine = slot_post(ctx, slots[0])  # ours: the unique key refuses it
    assert mine.id == theirs.id
    with ctx.session() as session:
        assert len(session.exec(select(Post).where(col(Post.slot_at) == slots[0].slot_at,
                                                   col(Post.platform) == slots[0].platform)).all()) == 1
