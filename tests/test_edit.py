"""A person's edit is what goes out: hashtags written are kept and nothing is appended, repeats
are refused, the label and #ad stay, an image can be swapped for another of the twin's library;
a rejection's reason reaches the writer and its image never comes back for that slot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from influencer.errors import InfluencerError
from influencer.flow.approve import reject_and_redraft
from influencer.flow.context import Context, posts_by_id, posts_for
from influencer.flow.edit import Edit, edit_post, editable_text, parse_hashtags, split_caption
from influencer.store import AuditEvent, Post, PostStatus
from influencer.store.models import ImageAsset, ImageUse
from tests.captions.standin import ModelStandIn
from tests.helpers import FixedClock, flow_context
from tests.helpers import run_cli as run
from tests.test_flow import MONDAY, build_preview, window


@pytest.fixture
def ctx(workspace: Path) -> Iterator[Context]:
    context = flow_context(workspace, FixedClock(MONDAY))
    build_preview(context, window(days=2))
    yield context
    context.engine.dispose()


def prompts(llm: ModelStandIn) -> list[str]:
    return [json.dumps(body) for body in llm.bodies("chat")]


def drafted(ctx: Context, persona: str, platform: str) -> Post:
    return next(p for p in posts_for(ctx, persona, None, [PostStatus.drafted, PostStatus.approved])
                if p.platform == platform)


def tags_in(text: str) -> list[str]:
    return [w for w in text.split() if w.startswith("#")]


@pytest.mark.parametrize("written", [
    "Wool that outlives the winter. #NorthlightTwin #knitwear",
    "Wool that outlives the winter.\n\n#NorthlightTwin #knitwear",
    "AI-generated\n\nWool that outlives the winter. #NorthlightTwin #knitwear",  # label typed
    "Wool that outlives the winter. #NorthlightTwin #knitwear AI-generated",
])
def test_the_hashtags_a_person_writes_are_the_post_s_and_nothing_is_appended(
        ctx: Context, written: str) -> None:
    post = drafted(ctx, "ava", "instagram")
    assert len(post.hashtags) == 3  # the writer's: #NorthlightTwin and two from the pool
    edited = edit_post(ctx, post, Edit(caption=written))
    assert edited.hashtags == ["#NorthlightTwin", "#knitwear"]
    assert edited.text == "AI-generated\n\nWool that outlives the winter. #NorthlightTwin #knitwear"
    assert edited.body == "Wool that outlives the winter."


def test_a_caption_without_hashtags_keeps_the_post_s_own(ctx: Context) -> None:
    post = drafted(ctx, "ava", "x")
    edited = edit_post(ctx, post, Edit(caption="Texture first."))
    assert edited.hashtags == post.hashtags
    assert tags_in(edited.text or "") == post.hashtags  # each once, in order


@pytest.mark.parametrize(("written", "error"), [
    ("Wool. #NorthlightTwin #knitwear #knitwear", "#knitwear appears twice"),
    ("Wool. #NorthlightTwin #Knitwear #knitwear", "appears twice"),  # case does not make it new
    ("Wool. #NorthlightTwin #ad #ad", "#ad appears twice"),
    ("My #knitwear day. #NorthlightTwin #knitwear", "#knitwear appears twice"),  # body and tail
    ("Wool. #NorthlightTwin #knitwear #layering #slowfashion", "4 hashtags; ava allows 3"),
    ("Wool. #knitwear", "ava puts #NorthlightTwin on every post"),
    ("#NorthlightTwin #knitwear", "the new caption is empty"),
])
def test_repeats_too_many_and_a_dropped_always_tag_are_refused_and_change_nothing(
        ctx: Context, written: str, error: str) -> None:
    post = drafted(ctx, "ava", "instagram")
    with pytest.raises(InfluencerError, match=error):
        edit_post(ctx, post, Edit(caption=written))
    assert posts_by_id(ctx, [post.id])[0] == post


def test_a_paid_partnership_keeps_one_ad_tag_which_a_person_cannot_add_or_remove(
        workspace: Path) -> None:
    ctx = flow_context(workspace, FixedClock(MONDAY))  # noor's weekend schedule is paid
    try:
        build_preview(ctx, window(days=7, persona="noor"))
        post = drafted(ctx, "noor", "instagram")
        with pytest.raises(InfluencerError, match="#ad is added by the paid-partnership"):
            edit_post(ctx, post, Edit(caption="Du lin, enfin. #NoorTwin #ad"))
        edited = edit_post(ctx, post, Edit(caption="Du lin, enfin. #NoorTwin"))
        assert edited.text == "Du lin, enfin. #NoorTwin\n\nGénéré par IA #ad"
    finally:
        ctx.engine.dispose()


def test_hashtags_can_be_set_on_their_own_and_not_twice(ctx: Context) -> None:
    post = drafted(ctx, "ava", "instagram")
    edited = edit_post(ctx, post, Edit(hashtags=parse_hashtags("NorthlightTwin, #layering")))
    assert edited.hashtags == ["#NorthlightTwin", "#layering"] and edited.body == post.body
    with pytest.raises(InfluencerError, match="hashtags are given twice"):
        edit_post(ctx, edited, Edit(caption="New. #NorthlightTwin", hashtags=["#NorthlightTwin"]))
    with pytest.raises(InfluencerError, match="is not a hashtag"):
        parse_hashtags("#2026")


def test_the_editor_sees_the_caption_with_its_hashtags_and_gives_them_back_unchanged(
        ctx: Context) -> None:
    post = drafted(ctx, "ava", "instagram")
    assert split_caption(editable_text(post), "AI-generated") == (post.body, post.hashtags)


def test_an_image_is_swapped_for_another_of_the_twin_s_library_rendered_and_labelled(
        ctx: Context, workspace: Path) -> None:
    post = drafted(ctx, "ava", "instagram")
    with ctx.session() as session:
        library = sorted(Path(a.path).name for a in session.exec(
            select(ImageAsset).where(col(ImageAsset.persona) == "ava")) if not a.do_not_use)
    other = next(name for name in library if name not in str(post.images[0].source))
    edited = edit_post(ctx, post, Edit(images=[other]))
    [image] = edited.images
    assert str(image.source).endswith(other) and image.sha256 != post.images[0].sha256
    assert Path(image.path).is_file() and image.alt
    assert edited.text == post.text and edited.status == PostStatus.drafted
    with ctx.session() as session:
        uses = session.exec(select(ImageUse).where(col(ImageUse.post_id) == post.id)).all()
        assert [u.sha256 for u in uses] == [image.source_sha256]
        event = session.exec(select(AuditEvent).where(col(AuditEvent.post_id) == post.id)
                             .order_by(col(AuditEvent.id).desc())).first()
    assert event is not None and event.detail["new_images"] == [image.source]
    assert event.detail["reason"] == "images edited"
    with pytest.raises(InfluencerError, match="not in ava's image library"):
        edit_post(ctx, edited, Edit(images=["mei-neon-jacket.jpg"]))  # another twin's
    with pytest.raises(InfluencerError, match="not in ava's image library"):
        edit_post(ctx, edited, Edit(images=["../../mei/images/x.jpg"]))


def test_a_rejection_s_reason_reaches_the_writer_and_its_image_never_returns(
        workspace: Path, standin: ModelStandIn) -> None:
    persona = workspace / "personas" / "ava.yaml"
    persona.write_text(persona.read_text(encoding="utf-8").replace(
        "writer: {name: offline}",
        f'writer: {{name: openai, model: test-model, base_url: "{standin.url}/v1"}}'), encoding="utf-8")
    ctx = flow_context(workspace, FixedClock(MONDAY))
    try:
        build_preview(ctx, window(days=1, persona="ava"))
        post = drafted(ctx, "ava", "instagram")
        rejected = {post.images[0].source_sha256}
        for attempt in range(3):
            asked = len(prompts(standin))
            reject_and_redraft(ctx, posts_by_id(ctx, [post.id])[0], f"too dark, take {attempt}")
            [post] = posts_by_id(ctx, [post.id])
            assert post.status == PostStatus.drafted
            assert any(f"a person rejected it: too dark, take {attempt}" in p
                       for p in prompts(standin)[asked:])
            assert post.images[0].source_sha256 not in rejected
            rejected.add(post.images[0].source_sha256)
    finally:
        ctx.engine.dispose()


def test_edit_from_the_command_line(workspace: Path) -> None:
    ctx = flow_context(workspace, FixedClock(MONDAY))
    build_preview(ctx, window(days=2, persona="ava"))
    post = drafted(ctx, "ava", "instagram")
    ctx.engine.dispose()
    env = {"INFLUENCER_NOW": MONDAY.isoformat(), "INFLUENCER_ACTOR": "ines"}
    done = run("edit", post.id[:8], "--caption", "Wool first. #NorthlightTwin #knitwear",
               cwd=workspace, env=env)
    assert done.returncode == 0, done.stderr
    assert "Wool first. #NorthlightTwin #knitwear" in done.stdout
    refused = run("edit", post.id[:8], "--hashtags", "#NorthlightTwin #a #a", cwd=workspace,
                  env=env)
    assert refused.returncode == 2 and "error: #a appears twice" in refused.stderr
    assert "Traceback" not in refused.stderr
