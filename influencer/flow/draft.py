"""Drafting: planned posts become stored drafts (images chosen and rendered, captions written),
and a stored draft is labelled again, identically, whenever it is shown or sent.

Images are chosen one post at a time, each choice recorded before the next, so two twins never
get the same image on the same day; captions are then written concurrently (the caption
drafter bounds concurrency and rate). Each draft is labelled once here, and the labelled text
is stored: publishing labels the same draft again and refuses if the result differs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from influencer.captions import CaptionDrafter, CaptionRequest, CaptionResult, ImageInput
from influencer.captions.model import Revision
from influencer.config import Persona, Schedule, platform_spec
from influencer.disclosure import Draft, LabeledPost, label
from influencer.errors import DisclosureError, InfluencerError
from influencer.flow.context import (
    Context,
    draft_hashes,
    is_stale,
    posts_by_id,
    rights_refusal,
    short_id,
)
from influencer.imagery import (
    RenderedImage,
    record_uses,
    release_uses,
    render_post_images,
    scan_library,
    select_images,
)
from influencer.store import AuditEvent, Post, PostMode, PostStatus, StoredImage, transition
from influencer.store.models import ImageAsset

Progress = Callable[[int], None]  # called with how many posts were just finished


@dataclass
class Prepared:
    """A post whose images are chosen and rendered, waiting for its caption."""

    post: Post
    persona: Persona
    schedule: Schedule
    assets: list[ImageAsset]
    rendered: list[RenderedImage]
    request: CaptionRequest


def recent_captions(ctx: Context, persona: str, limit: int = 20) -> tuple[str, ...]:
    """The persona's latest live captions, for the writer to vary from (never a rehearsal's)."""
    with ctx.session() as session:
        query = (select(Post.body).where(col(Post.persona) == persona, col(Post.body).is_not(None),
                                         col(Post.mode) == PostMode.live)
                 .order_by(col(Post.updated_at).desc()).limit(limit))
        return tuple(str(body) for body in session.exec(query) if body)


def _prepare(ctx: Context, post: Post, recent: tuple[str, ...]) -> Prepared | str:
    """Choose and render the post's images; or say why the slot must be skipped."""
    persona = ctx.ws.personas[post.persona]
    schedule = ctx.ws.schedules[post.schedule]
    refusal = rights_refusal(ctx, post)
    if refusal:
        return str(refusal)
    spec = platform_spec(post.platform)
    with ctx.session() as session:
        rejected = rejections(session, post.id)
        selection = select_images(session, persona, schedule, post.platform, post.slot_at,
                                  rehearsal=post.mode == PostMode.dry, avoid=rejected.images)
        if not selection.ok:
            return str(selection.reason)
        assets = list(selection.images)
        record_uses(session, post.id, persona.id, post.platform, assets, post.slot_at,
                    schedule.timezone)
        session.commit()
    rendered = render_post_images(ctx.ws, persona, assets, spec)
    images = tuple(ImageInput(r.path.read_bytes(), r.media_type, tuple(a.tags), a.alt_text,
                              r.path.name) for r, a in zip(rendered, assets, strict=True))
    request = CaptionRequest(persona=persona, platform=spec, slot_key=_slot_key(post),
                             images=images, campaign=schedule.campaign, recent=recent,
                             revision=rejected.revision)
    return Prepared(post, persona, schedule, assets, rendered, request)


REJECTED = "rejected: "  # how a person's rejection reason begins


@dataclass(frozen=True)
class Rejections:
    images: frozenset[str]  # source sha256 of every image a person rejected for the slot
    revision: Revision | None  # the latest rejection, when nothing happened to the post since


def rejections(session: Session, post_id: str) -> Rejections:
    """What people rejected for this post's slot, from its audit events."""
    events = list(session.exec(select(AuditEvent).where(col(AuditEvent.post_id) == post_id)
                               .order_by(col(AuditEvent.id))))
    images: set[str] = set()
    for event in events:
        images.update(str(sha) for sha in event.detail.get("rejected_images") or ())
    revision = None
    if events and str(events[-1].detail.get("reason", "")).startswith(REJECTED):
        last = events[-1].detail
        revision = Revision("rewrite", "a person rejected it: "
                            + str(last["reason"]).removeprefix(REJECTED),
                            str(last.get("rejected_text") or ""))
    return Rejections(frozenset(images), revision)


def _slot_key(post: Post) -> str:
    return f"{post.schedule}/{post.platform}/{post.slot_at.strftime('%Y%m%dT%H%M%SZ')}"


def _store(ctx: Context, prepared: Prepared, result: CaptionResult) -> None:
    post, persona, schedule = prepared.post, prepared.persona, prepared.schedule
    caption = result.caption
    with ctx.session() as session:
        if result.status == "failed" or caption is None:
            release_uses(session, post.id)
            session.commit()
            _note_failure(ctx, post, result.reason)
            return
        drafted = post.model_copy(update={
            "body": caption.text, "hashtags": list(caption.hashtags), "writer": caption.writer,
            "images": [image_entry(r, a, caption.alt_text)
                       for r, a in zip(prepared.rendered, prepared.assets, strict=True)]})
        labelled = label(Draft.from_post(drafted, persona, paid=schedule.campaign.paid), persona,
                         platform_spec(post.platform))
        persona_hash, schedule_hash = draft_hashes(ctx, persona.id, schedule.id)
        changes: dict[str, Any] = {
            "body": drafted.body, "text": labelled.text, "hashtags": drafted.hashtags,
            "alt_texts": labelled.alt_texts, "flags": labelled.flag_map, "images": drafted.images,
            "writer": caption.writer, "model": caption.model, "prompt_hash": caption.prompt_sha256,
            "persona_hash": persona_hash, "schedule_hash": schedule_hash, "last_error": None,
        }
        if result.status == "held":
            release_uses(session, post.id)
            session.commit()
            transition(session, post.id, PostStatus.held, actor=ctx.actor, now=ctx.now(),
                       reason=result.reason, changes=changes)
            return
        transition(session, post.id, PostStatus.drafted, actor=ctx.actor, now=ctx.now(),
                   changes=changes)
        if schedule.approval == "auto":
            transition(session, post.id, PostStatus.approved, actor=ctx.actor, now=ctx.now(),
                       reason="approval: auto")


def image_entry(rendered: RenderedImage, asset: ImageAsset, caption_alt: str) -> StoredImage:
    return StoredImage(file=rendered.path.name, sha256=rendered.sha256, path=str(rendered.path),
                       source=asset.path, source_sha256=rendered.source_sha256,
                       media_type=rendered.media_type, width=rendered.width, height=rendered.height,
                       alt=asset.alt_text or caption_alt, signed=rendered.signed)


def _note_failure(ctx: Context, post: Post, reason: str) -> None:
    """A caption that could not be written: the slot stays planned, the reason is kept."""
    with ctx.session() as session:
        row = session.get(Post, post.id)
        if row is not None:
            row.last_error = reason
            row.updated_at = ctx.now()
            session.add(row)
            session.commit()


def _skip(ctx: Context, post: Post, reason: str) -> None:
    if post.status == PostStatus.skipped:
        _note_failure(ctx, post, reason)
        return
    with ctx.session() as session:
        transition(session, post.id, PostStatus.skipped, actor=ctx.actor, now=ctx.now(),
                   reason=reason)


def draft_posts(ctx: Context, posts: Sequence[Post], progress: Progress | None = None) -> int:
    """Draft ``posts`` (planned, or drafted ones being redrafted); return how many failed."""
    tick = progress or (lambda n: None)
    if posts:  # incremental: only new or changed files are read
        scan_library(ctx.ws, ctx.engine, show_progress=False)
    prepared: list[Prepared] = []
    failures = 0
    recent: dict[str, tuple[str, ...]] = {}
    for post in posts:
        if post.persona not in recent:
            recent[post.persona] = recent_captions(ctx, post.persona)
        try:
            outcome = _prepare(ctx, post, recent[post.persona])
        except InfluencerError as exc:  # a bad image or config for this post only
            _note_failure(ctx, post, str(exc))
            failures += 1
            tick(1)
            continue
        if isinstance(outcome, str):
            _skip(ctx, post, outcome)
            tick(1)
        else:
            prepared.append(outcome)
    results = asyncio.run(_write(ctx, [p.request for p in prepared]))
    for item, result in zip(prepared, results, strict=True):
        try:
            _store(ctx, item, result)
        except InfluencerError as exc:
            _note_failure(ctx, item.post, str(exc))
            result = CaptionResult.failed(result.slot_key, exc)
        failures += result.status == "failed"
        tick(1)
    return failures


async def _write(ctx: Context, requests: list[CaptionRequest]) -> list[CaptionResult]:
    if not requests:
        return []
    async with CaptionDrafter(ctx.ws.root, ctx.ws.settings) as drafter:
        return await drafter.write_many(requests)


def redraft(ctx: Context, posts: Sequence[Post], progress: Progress | None = None) -> int:
    """Replace the drafts of ``posts`` (images chosen again, captions written again)."""
    for post in posts:
        if post.status not in REDRAFTABLE:
            raise InfluencerError(f"post {post.id} is {post.status}; only posts not yet published "
                                  "can be redrafted")
    with ctx.session() as session:
        for post in posts:
            release_uses(session, post.id)
        session.commit()
    return draft_posts(ctx, posts_by_id(ctx, [p.id for p in posts]), progress)


REDRAFTABLE = (PostStatus.planned, PostStatus.drafted, PostStatus.approved, PostStatus.held,
               PostStatus.skipped, PostStatus.failed)


def label_again(ctx: Context, post: Post) -> LabeledPost:
    """A post's fields through the disclosure step (an edit's, before they are stored)."""
    persona = ctx.ws.personas[post.persona]
    schedule = ctx.ws.schedules[post.schedule]
    return label(Draft.from_post(post, persona, paid=schedule.campaign.paid), persona,
                 platform_spec(post.platform))


def labelled(ctx: Context, post: Post) -> LabeledPost:
    """The stored draft through the disclosure step again; it must match what was previewed."""
    if not post.text or post.body is None:
        raise InfluencerError(f"post {post.id} has no draft yet")
    if is_stale(ctx, post):
        raise InfluencerError(f"post {post.id} is stale: what it was drafted from changed; "
                              f"redraft it (influencer redraft {short_id(post.id)})")
    result = label_again(ctx, post)
    if result.text != post.text or result.alt_texts != post.alt_texts:
        raise DisclosureError(f"post {post.id}: labelling it now gives a different text than was "
                              "previewed; redraft it")
    return result
