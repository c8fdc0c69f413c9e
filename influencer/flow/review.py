"""Review: the posts of a window, drafted where they were not yet (stored), and what a person
needs to judge each before it goes: its ``post.json`` document exactly as it would be sent, the
warnings, its caption's length against the platform's limit.

These return posts and plain data; ``preview/`` and the CLI turn them into rows and pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from influencer.captions import measure
from influencer.config import platform_spec
from influencer.errors import InfluencerError
from influencer.flow.context import (
    Context,
    Window,
    grant_for,
    grant_state,
    posts_by_id,
    rights_refusal,
    short_id,
)
from influencer.flow.draft import draft_posts, labelled
from influencer.flow.plan import Excluded, materialise
from influencer.platforms import platform_class
from influencer.platforms.outbox import post_document, post_json
from influencer.store import Post, PostKind, PostStatus
from influencer.store.models import PublishRetry

ProgressFactory = Callable[[int], Callable[[int], None]]  # total -> advance(n)


@dataclass
class Reviewed:
    post_ids: list[str]  # the window's posts in slot order: read them with ``window_posts``
    excluded: list[Excluded] = field(default_factory=list)
    not_drafted: int = 0  # posts that could not be drafted (writer or image failure)


def preview_window(ctx: Context, window: Window, progress: ProgressFactory | None = None) -> Reviewed:
    """Plan the window, draft every slot that has no draft yet (stored), return the posts' ids.
    Nothing already decided changes: drafts past their time without approval are held by the
    daemon, not by a preview (a preview with any clock is a rehearsal)."""
    planned = materialise(ctx, window)
    todo = [p.id for p in planned.posts if p.status == PostStatus.planned]
    advance = progress(len(todo)) if progress and todo else None
    draft_posts(ctx, todo, advance)
    ids = [p.id for p in planned.posts]
    not_drafted = 0
    if todo:  # the rest were drafted before: only these may still be planned
        with ctx.session() as session:
            for start in range(0, len(todo), WINDOW_CHUNK):
                part = todo[start:start + WINDOW_CHUNK]
                not_drafted += len(list(session.exec(select(Post.id).where(
                    col(Post.id).in_(part), col(Post.status) == PostStatus.planned))))
    return Reviewed(ids, planned.excluded, not_drafted)


WINDOW_CHUNK = 200  # posts read at a time: a window of any length shows in bounded memory


def window_posts(ctx: Context, post_ids: Sequence[str]) -> Iterator[Post]:
    """The posts of ``post_ids``, in order, read ``WINDOW_CHUNK`` at a time (each chunk's rows
    let go once the caller has moved past them)."""
    for start in range(0, len(post_ids), WINDOW_CHUNK):
        yield from posts_by_id(ctx, post_ids[start:start + WINDOW_CHUNK])


def document(ctx: Context, post: Post) -> dict[str, Any]:
    """The post's ``post.json`` document, built by the same function as the outbox's: from the
    post labelled again, with the exact request its platform would be sent; a post that cannot
    be labelled as it is (not drafted, stale) is shown from its stored fields, without one."""
    try:
        ready = labelled(ctx, post)
    except InfluencerError:
        return post_document(
            post_id=post.id, mode=post.mode, persona=post.persona, schedule=post.schedule,
            platform=post.platform, slot_at=post.slot_at, publish_at=post.publish_at,
            text=post.text, alt_texts=post.alt_texts, flags=post.flags,
            images=[(i.file, i.sha256) for i in post.images], writer=post.writer, request=None)
    return post_json(ready, post.mode, platform_class(post.platform).build_request(ready))


def caption_length(post: Post) -> tuple[int, int]:
    """The caption's length in the platform's own unit, and the platform's limit."""
    spec = platform_spec(post.platform)
    return (measure(post.text, spec.caption_counting) if post.text else 0), spec.caption_limit


@dataclass(frozen=True)
class Standing:
    """Where a post stands, as a person reads it: the status column's words, and the notes
    (the last error, what to do) the warnings column shows."""

    label: str
    notes: tuple[str, ...] = ()


def retry_times(ctx: Context, posts: Sequence[Post]) -> dict[str, datetime]:
    """When each of ``posts`` that waits to be sent again may go (``publish_retry``)."""
    waiting = [p.id for p in posts if p.status == PostStatus.approved and p.attempts]
    if not waiting:
        return {}
    with ctx.session() as session:
        rows = session.exec(select(PublishRetry).where(col(PublishRetry.post_id).in_(waiting)))
        return {row.post_id: row.not_before for row in rows}


def standing(ctx: Context, post: Post, retry_at: datetime | None = None) -> Standing:
    """Failed, retrying (attempt n, next at …), unconfirmed or being sent, with the last error
    and the command that acts on it; otherwise the stored status."""
    error = post.last_error or post.reason or "no error recorded"
    if post.status == PostStatus.failed:
        said = error if "attempt" in error else f"failed after {post.attempts} attempt(s): {error}"
        return Standing("failed", (said,
                                   f"send it again: influencer retry {short_id(post.id)} --as NAME"))
    if post.status == PostStatus.approved and post.attempts and retry_at is not None:
        when = ("due now" if retry_at <= ctx.now()
                else f"next at {retry_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
        return Standing(f"retrying (attempt {post.attempts} of {ctx.limits.attempts} failed, {when})",
                        (f"last error: {post.last_error or 'none recorded'}",))
    if post.status == PostStatus.unconfirmed:
        looked = f"; last lookup: {post.last_error}" if post.last_error != post.reason else ""
        return Standing("unconfirmed", (
            f"unconfirmed: {post.reason or 'the platform did not say'}{looked}",
            f"the daemon looks it up; or settle it: influencer resolve {short_id(post.id)} "
            "--published URL | --not-published"))
    if post.status == PostStatus.publishing:
        lease = f" (lease until {post.lease_until:%H:%M:%S} UTC)" if post.lease_until else ""
        return Standing("publishing", (f"being sent by {post.claimed_by}{lease}",))
    if post.status in BLOCKABLE and post.persona in ctx.ws.personas:
        refusal = rights_refusal(ctx, post)
        if refusal:
            return Standing("blocked by rights", (f"blocked by rights: {refusal}; it will not "
                                                  "go out",))
    return Standing(str(post.status))


BLOCKABLE = (PostStatus.planned, PostStatus.drafted, PostStatus.held, PostStatus.approved)


def warnings(ctx: Context, post: Post, stale: bool, retry_at: datetime | None = None,
             where: Standing | None = None) -> list[str]:
    """What a person should know about ``post``; ``where`` is its ``standing`` when the caller
    has it already (the rights check is not made twice)."""
    where = where or standing(ctx, post, retry_at)
    notes = list(where.notes)
    blocked = where.label == "blocked by rights"
    if post.status in (PostStatus.held, PostStatus.skipped) and post.reason:
        notes.append(f"{post.status}: {post.reason}")
    if post.status == PostStatus.planned and post.last_error:
        notes.append(f"could not be drafted: {post.last_error}")
    if stale:
        notes.append("stale: what it was drafted from changed (the persona's voice, imagery, "
                     "writer or disclosure, or the schedule's campaign or images); redraft it")
    schedule = ctx.ws.schedules.get(post.schedule)
    if blocked:
        pass  # never ask a person to approve what cannot go out
    elif post.status == PostStatus.drafted and post.publish_at <= ctx.now():
        notes.append("its time passed without approval: the daemon holds it, and skips it once "
                     "the schedule's grace is over")
    elif post.status == PostStatus.drafted and schedule and (
            schedule.approval == "required" or post.kind == PostKind.manual):
        notes.append(f"needs approval: influencer approve {short_id(post.id)} --as NAME")
    if post.persona in ctx.ws.personas:
        grant = grant_state(ctx, post.persona)
        if grant.name == "expiring":
            notes.append(f"rights for {post.persona} expire in {grant.days_left} days "
                         f"({grant_for(ctx, post.persona).expires})")
    if post.writer == "offline":
        notes.append("written by the offline writer")
    return notes
