"""Drafting: planned posts become stored drafts (images chosen and rendered, captions written),
and a stored draft is labelled again, identically, whenever it is shown or sent.

Posts are drafted in chunks of ``CHUNK``, as a pipeline: while one chunk's captions are being
written (concurrently, bounded by the caption drafter's limits), the next chunk's images are
chosen and rendered on a worker thread, and the chunk before is stored. At most two chunks'
images are in memory, whatever the window, and storing overlaps the writer's latency.

Images are chosen one post at a time, each choice recorded (in the chunk's transaction) before
the next, so two twins never get the same image on the same day. A chunk's drafts, their status
changes and their audit events are stored in one transaction, one UPDATE per status change
(``store.apply_moves``). Each draft is labelled once here, and the labelled text is stored:
publishing labels the same draft again and refuses if the result differs.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, update
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
    library_of,
    record_uses,
    release_uses,
    render_post_images,
    scan_library,
    select_images,
)
from influencer.store import (
    AuditEvent,
    Move,
    Post,
    PostMode,
    PostStatus,
    StoredImage,
    apply_moves,
)
from influencer.store.models import ImageAsset, ImageUse
from influencer.store.status import allowed

Progress = Callable[[int], None]  # called with how many posts were just finished
CHUNK = 200  # posts per chunk: a transaction each, and the bound on images held in memory


@dataclass
class Prepared:
    """A post whose images are chosen and rendered, waiting for its caption."""

    post: Post
    persona: Persona
    schedule: Schedule
    assets: list[ImageAsset]
    rendered: list[RenderedImage]
    request: CaptionRequest


@dataclass
class Chunk:
    """What became of one chunk of posts: those waiting for captions, and those that failed."""

    prepared: list[Prepared]
    failures: dict[str, str]  # post id -> why it could not be drafted (it stays as it was)


def recent_captions(ctx: Context, persona: str, limit: int = 20) -> tuple[str, ...]:
    """The persona's latest live captions, for the writer to vary from (never a rehearsal's)."""
    with ctx.session() as session:
        query = (select(Post.body).where(col(Post.persona) == persona, col(Post.body).is_not(None),
                                         col(Post.mode) == PostMode.live)
                 .order_by(col(Post.updated_at).desc()).limit(limit))
        return tuple(str(body) for body in session.exec(query) if body)


@dataclass
class Choice:
    """A chunk's images, chosen one post after another and recorded in one transaction."""

    images: dict[str, list[ImageAsset]]  # post id -> its images
    rejected: dict[str, Rejections]  # post id -> what people rejected for its slot
    skips: list[tuple[Post, str]]  # posts that cannot go out (rights, no image qualifies), why
    failures: dict[str, str]  # post id -> why it could not be drafted


def _choose(ctx: Context, posts: Sequence[Post]) -> Choice:
    chosen: dict[str, list[ImageAsset]] = {}
    skips: list[tuple[Post, str]] = []
    failures: dict[str, str] = {}
    libraries: dict[str, list[ImageAsset]] = {}
    with ctx.session() as session:
        rejected = rejections_of(session, [p.id for p in posts])
        _release(session, [p.id for p in posts])  # a post never competes with its old images
        for post in posts:
            persona = ctx.ws.personas[post.persona]
            schedule = ctx.ws.schedules[post.schedule]
            try:
                refusal = rights_refusal(ctx, post)
                if refusal:
                    skips.append((post, str(refusal)))
                    continue
                if persona.id not in libraries:  # unchanged during a pass (scanned before it)
                    libraries[persona.id] = library_of(session, persona.id)
                selection = select_images(session, persona, schedule, post.platform,
                                          post.slot_at, rehearsal=post.mode == PostMode.dry,
                                          avoid=rejected[post.id].images,
                                          library=libraries[persona.id])
            except InfluencerError as exc:  # a bad config for this post only
                failures[post.id] = str(exc)
                continue
            if not selection.ok:
                skips.append((post, str(selection.reason)))
                continue
            chosen[post.id] = list(selection.images)
            record_uses(session, post.id, persona.id, post.platform, chosen[post.id],
                        post.slot_at, schedule.timezone, released=True)
        session.commit()
    return Choice(chosen, rejected, skips, failures)


def _prepare(ctx: Context, post_ids: Sequence[str], recent: dict[str, tuple[str, ...]],
             tick: Progress) -> Chunk:
    """Choose and render the chunk's images and make its caption requests; skip the posts
    that cannot go out, with why. Runs on a worker thread, its own sessions."""
    posts = [p for p in posts_by_id(ctx, post_ids) if p.status in REDRAFTABLE]
    tick(len(post_ids) - len(posts))  # moved meanwhile to where no draft is made
    choice = _choose(ctx, posts)
    failures = choice.failures
    _skip_all(ctx, choice.skips, failures)
    tick(len(choice.skips))
    prepared: list[Prepared] = []
    for post in posts:
        if post.id not in choice.images:
            continue
        if post.persona not in recent:
            recent[post.persona] = recent_captions(ctx, post.persona)
        persona = ctx.ws.personas[post.persona]
        schedule = ctx.ws.schedules[post.schedule]
        spec = platform_spec(post.platform)
        assets = choice.images[post.id]
        try:  # a bad image for this post only
            rendered = render_post_images(ctx.ws, persona, assets, spec)
            images = tuple(ImageInput(r.path, r.media_type, tuple(a.tags),
                                      a.alt_text, r.path.name)
                           for r, a in zip(rendered, assets, strict=True))
        except InfluencerError as exc:
            failures[post.id] = str(exc)
            continue
        request = CaptionRequest(persona=persona, platform=spec, slot_key=_slot_key(post),
                                 images=images, campaign=schedule.campaign,
                                 recent=recent[post.persona],
                                 revision=choice.rejected[post.id].revision)
        prepared.append(Prepared(post, persona, schedule, assets, rendered, request))
    _note_failures(ctx, failures)
    tick(len(failures))
    return Chunk(prepared, failures)


REJECTED = "rejected: "  # how a person's rejection reason begins


@dataclass(frozen=True)
class Rejections:
    images: frozenset[str]  # source sha256 of every image a person rejected for the slot
    revision: Revision | None  # the latest rejection, when nothing happened to the post since


def rejections_of(session: Session, post_ids: Sequence[str]) -> dict[str, Rejections]:
    """What people rejected for each post's slot, from its audit events (a query per 500)."""
    events: dict[str, list[AuditEvent]] = defaultdict(list)
    for start in range(0, len(post_ids), 500):
        query = (select(AuditEvent)
                 .where(col(AuditEvent.post_id).in_(list(post_ids[start:start + 500])))
                 .order_by(col(AuditEvent.id)))
        for event in session.exec(query):
            events[str(event.post_id)].append(event)
    return {post_id: _rejections(events[post_id]) for post_id in post_ids}


def _rejections(events: list[AuditEvent]) -> Rejections:
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


def _changes(ctx: Context, prepared: Prepared, result: CaptionResult) -> dict[str, Any]:
    """The fields a written caption gives the post: the draft, labelled (raises when the
    disclosure step refuses it)."""
    post, persona, schedule = prepared.post, prepared.persona, prepared.schedule
    caption = result.caption
    assert caption is not None
    drafted = post.model_copy(update={
        "body": caption.text, "hashtags": list(caption.hashtags), "writer": caption.writer,
        "images": [image_entry(r, a, caption.alt_text)
                   for r, a in zip(prepared.rendered, prepared.assets, strict=True)]})
    labelled = label(Draft.from_post(drafted, persona, paid=schedule.campaign.paid), persona,
                     platform_spec(post.platform))
    persona_hash, schedule_hash = draft_hashes(ctx, persona.id, schedule.id)
    return {
        "body": drafted.body, "text": labelled.text, "hashtags": drafted.hashtags,
        "alt_texts": labelled.alt_texts, "flags": labelled.flag_map,
        "images": [i.model_dump(mode="json") for i in drafted.images],
        "writer": caption.writer, "model": caption.model, "prompt_hash": caption.prompt_sha256,
        "persona_hash": persona_hash, "schedule_hash": schedule_hash, "last_error": None,
    }


def _store(ctx: Context, chunk: Chunk, results: Sequence[CaptionResult], tick: Progress) -> int:
    """Store a chunk's drafts in one transaction: one UPDATE per status change, one audit
    event per change; a failed caption releases its images and keeps the reason. Returns how
    many failed."""
    moves: list[Move] = []
    approvals: list[Move] = []
    failures: dict[str, str] = {}
    for item, result in zip(chunk.prepared, results, strict=True):
        post = item.post
        if result.status == "failed" or result.caption is None:
            failures[post.id] = result.reason
            continue
        try:
            changes = _changes(ctx, item, result)
        except InfluencerError as exc:
            failures[post.id] = str(exc)
            continue
        target = PostStatus.held if result.status == "held" else PostStatus.drafted
        if not allowed(post.status, target):
            failures[post.id] = f"post {post.id} is {post.status}: it cannot become {target}"
            continue
        if target == PostStatus.held:
            moves.append(Move(post.id, post.status, target, result.reason, changes))
            continue
        moves.append(Move(post.id, post.status, target, None, changes))
        if item.schedule.approval == "auto":
            approvals.append(Move(post.id, PostStatus.drafted, PostStatus.approved,
                                  "approval: auto"))
    held = {m.post_id for m in moves if m.target == PostStatus.held}
    with ctx.session() as session:
        _release(session, [*failures, *held])  # a held draft keeps no image from others
        apply_moves(session, moves, actor=ctx.actor, now=ctx.now())
        apply_moves(session, approvals, actor=ctx.actor, now=ctx.now())
        _set_errors(session, failures, ctx)
        session.commit()
    tick(len(chunk.prepared))
    return len(failures)


def _release(session: Session, post_ids: Sequence[str]) -> None:
    for start in range(0, len(post_ids), 500):
        session.execute(delete(ImageUse)
                        .where(col(ImageUse.post_id).in_(list(post_ids[start:start + 500]))))


def image_entry(rendered: RenderedImage, asset: ImageAsset, caption_alt: str) -> StoredImage:
    return StoredImage(file=rendered.path.name, sha256=rendered.sha256, path=str(rendered.path),
                       source=asset.path, source_sha256=rendered.source_sha256,
                       media_type=rendered.media_type, width=rendered.width, height=rendered.height,
                       alt=asset.alt_text or caption_alt, signed=rendered.signed)


def _set_errors(session: Session, errors: dict[str, str], ctx: Context) -> None:
    """Keep why each of these posts could not be drafted; its slot stays as it was."""
    if errors:
        session.execute(update(Post), [{"id": post_id, "last_error": reason,
                                        "updated_at": ctx.now()}
                                       for post_id, reason in errors.items()])


def _note_failures(ctx: Context, errors: dict[str, str]) -> None:
    if errors:
        with ctx.session() as session:
            _set_errors(session, errors, ctx)
            session.commit()


def _skip_all(ctx: Context, skips: Sequence[tuple[Post, str]], failures: dict[str, str]) -> None:
    """Skip the posts that cannot go out, with why, in one transaction. A post skipped already
    (a redraft of a skipped slot) keeps its status and gets the new reason; one that cannot be
    skipped from where it is (a failed post) keeps its status and counts in ``failures``."""
    again = {post.id: reason for post, reason in skips if post.status == PostStatus.skipped}
    failures.update({post.id: reason for post, reason in skips
                     if post.id not in again and not allowed(post.status, PostStatus.skipped)})
    moves = [Move(post.id, post.status, PostStatus.skipped, reason)
             for post, reason in skips if post.id not in again and post.id not in failures]
    if not moves and not again:
        return
    with ctx.session() as session:
        apply_moves(session, moves, actor=ctx.actor, now=ctx.now())
        _set_errors(session, again, ctx)
        session.commit()


def draft_posts(ctx: Context, post_ids: Sequence[str], progress: Progress | None = None) -> int:
    """Draft the posts of ``post_ids`` (planned, or drafted ones being redrafted), each chunk
    read afresh when its turn comes (one moved meanwhile to where no draft is made, such as
    cancelled, is left alone); return how many failed."""
    if not post_ids:
        return 0
    scan_library(ctx.ws, ctx.engine, show_progress=False)  # incremental: new or changed files
    return asyncio.run(_pipeline(ctx, post_ids, progress or (lambda n: None)))


async def _pipeline(ctx: Context, post_ids: Sequence[str], tick: Progress) -> int:
    """Prepare chunk k+1 (worker thread) and store chunk k-1 while chunk k's captions are
    being written."""
    recent: dict[str, tuple[str, ...]] = {}
    failures = 0
    async with CaptionDrafter(ctx.ws.root, ctx.ws.settings) as drafter:
        writing: tuple[Chunk, asyncio.Task[list[CaptionResult]]] | None = None
        try:
            for part in _chunks(post_ids):
                chunk = await asyncio.to_thread(_prepare, ctx, part, recent, tick)
                failures += len(chunk.failures)
                task = asyncio.create_task(drafter.write_many([p.request for p in chunk.prepared]))
                if writing is not None:
                    failures += await _stored(ctx, writing, tick)
                writing = (chunk, task)
            if writing is not None:
                failures += await _stored(ctx, writing, tick)
                writing = None
        finally:
            if writing is not None:  # an error stopped the pipeline: no caption left running
                writing[1].cancel()
    return failures


async def _stored(ctx: Context, writing: tuple[Chunk, asyncio.Task[list[CaptionResult]]],
                  tick: Progress) -> int:
    chunk, task = writing
    return await asyncio.to_thread(_store, ctx, chunk, await task, tick)


def _chunks(post_ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(post_ids), CHUNK):
        yield post_ids[start:start + CHUNK]


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
    return draft_posts(ctx, [p.id for p in posts], progress)


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
