"""Drafting a long window in chunks (issue 13): the same drafts whatever the chunk size, one
transaction per chunk however many posts it holds, never more than two chunks' images in memory,
and a post that cannot be skipped from where it is keeps its status."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from influencer.flow import draft
from influencer.flow.context import Context, Window
from influencer.flow.draft import redraft
from influencer.flow.review import preview_window
from influencer.store import Post, PostStatus, transition
from tests.helpers import FixedClock, flow_context

MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def ctx(workspace: Path) -> Iterator[Context]:
    context = flow_context(workspace, FixedClock(MONDAY))
    yield context
    context.engine.dispose()


def week(days: int = 7) -> Window:
    return Window(MONDAY, MONDAY + timedelta(days=days))


def drafts(ctx: Context) -> dict[tuple[str, str, datetime], tuple[Any, ...]]:
    """Every post by its slot identity: what was drafted for it (not its random id)."""
    with ctx.session() as session:
        posts = session.exec(select(Post)).all()
    return {(p.schedule, p.platform, p.slot_at): (
        p.status, p.reason, p.body, p.text, p.alt_texts, p.hashtags,
        [(i.source_sha256, i.sha256) for i in p.images]) for p in posts}


def test_small_chunks_draft_exactly_what_one_chunk_drafts(workspace: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    shutil.copytree(workspace, other)
    results = []
    for root, size in ((workspace, 1000), (other, 5)):
        monkeypatch.setattr(draft, "CHUNK", size)
        context = flow_context(root, FixedClock(MONDAY))
        reviewed = preview_window(context, week())
        assert reviewed.not_drafted == 0 and len(reviewed.post_ids) == 42
        results.append(drafts(context))
        context.engine.dispose()
    assert results[0] == results[1]
    statuses = {row[0] for row in results[0].values()}
    assert statuses == {PostStatus.drafted, PostStatus.approved}  # drafted, and auto-approved


def count(ctx: Context, monkeypatch: pytest.MonkeyPatch, days: int) -> tuple[int, int]:
    """Commits, and UPDATEs of posts' status, while a window of ``days`` is drafted."""
    seen = {"commits": 0, "updates": 0}

    def commit(_conn: Any) -> None:
        seen["commits"] += 1

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen["updates"] += sql.startswith("UPDATE post SET status")

    event.listen(ctx.engine, "commit", commit)
    event.listen(ctx.engine, "before_cursor_execute", statement)
    try:
        preview_window(ctx, week(days))
    finally:
        event.remove(ctx.engine, "commit", commit)
        event.remove(ctx.engine, "before_cursor_execute", statement)
    return seen["commits"], seen["updates"]


def test_a_chunk_is_stored_in_one_transaction_however_many_posts_it_holds(
        workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(draft, "CHUNK", 1000)
    other = tmp_path / "other"
    shutil.copytree(workspace, other)
    small, large = flow_context(workspace, FixedClock(MONDAY)), flow_context(other, FixedClock(MONDAY))
    two_days, a_week = count(small, monkeypatch, 2), count(large, monkeypatch, 7)
    assert len(drafts(small)) == 12 and len(drafts(large)) == 42
    assert two_days == a_week  # 12 posts or 42: the same commits and status UPDATEs
    assert a_week[1] <= 3  # planned -> drafted, drafted -> approved; no UPDATE per post


def test_at_most_two_chunks_are_held_in_memory(ctx: Context,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk's images are held from its preparing to its storing; the pipeline prepares the
    next chunk while one is being written, and never more."""
    monkeypatch.setattr(draft, "CHUNK", 5)
    held: list[int] = []
    live = {"chunks": 0}
    prepare, store = draft._prepare, draft._store

    def preparing(*args: Any) -> draft.Chunk:
        chunk = prepare(*args)
        live["chunks"] += 1
        held.append(live["chunks"])
        return chunk

    def storing(*args: Any) -> int:
        failed = store(*args)
        live["chunks"] -= 1
        return failed

    monkeypatch.setattr(draft, "_prepare", preparing)
    monkeypatch.setattr(draft, "_store", storing)
    assert preview_window(ctx, week()).not_drafted == 0
    assert len(held) == 9 and max(held) == 2 and live["chunks"] == 0  # 42 posts in 9 chunks


def test_a_failed_post_with_no_image_left_stays_failed_with_the_reason(ctx: Context) -> None:
    """A redraft that finds no usable image skips the slot; a failed post cannot be skipped
    (the status machine says so), so it keeps its status, with why, and the others go on."""
    preview_window(ctx, week(2))
    with ctx.session() as session:
        ava = session.exec(select(Post).where(col(Post.persona) == "ava")
                           .order_by(col(Post.publish_at))).all()
        first = ava[0]
        for target in (PostStatus.approved, PostStatus.publishing, PostStatus.failed):
            if first.status != target:
                first = transition(session, first.id, target, actor="tester", now=MONDAY)
    for sidecar in (ctx.ws.root / "personas" / "ava" / "images").glob("*.yaml"):
        sidecar.write_text(sidecar.read_text(encoding="utf-8").replace(
            "do_not_use: false", "do_not_use: true"), encoding="utf-8")
    failures = redraft(ctx, [first, ava[1]])
    with ctx.session() as session:
        failed, other = session.get(Post, first.id), session.get(Post, ava[1].id)
    assert failures == 1 and failed is not None and other is not None
    assert failed.status == PostStatus.failed
    assert failed.last_error is not None and "do_not_use" in failed.last_error
    assert (other.status, other.reason) == (PostStatus.skipped, failed.last_error)
