"""Turning the flow's posts into preview items: the ``post.json`` document plus what the table,
the page and the JSON show about each post."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from influencer.flow import Context, Post
from influencer.flow.context import is_stale
from influencer.flow.review import caption_length, document, retry_times, standing, warnings
from influencer.preview.model import PreviewItem


def preview_item(ctx: Context, post: Post, retry_at: datetime | None = None) -> PreviewItem:
    schedule = ctx.ws.schedules.get(post.schedule)
    persona = ctx.ws.personas.get(post.persona)
    local = post.publish_at.astimezone(ZoneInfo(schedule.timezone if schedule else "UTC"))
    stale = is_stale(ctx, post)
    account = persona.accounts.get(post.platform) if persona else None
    length, limit = caption_length(post)
    where = standing(ctx, post, retry_at)
    return PreviewItem(
        post=document(ctx, post), status=str(post.status), stale=stale,
        state=where.label, warnings=warnings(ctx, post, stale, retry_at, where),
        local_time=local.strftime("%a %d %b %H:%M %Z"), local_day=local.date().isoformat(),
        persona_name=persona.name if persona else post.persona,
        handle=account.handle if account else "", limit=limit, length=length,
        image_paths=[ctx.ws.resolve(i.path) for i in post.images],
        sources=[i.source or i.file for i in post.images])


def preview_items(ctx: Context, posts: Iterable[Post]) -> list[PreviewItem]:
    return list(iter_items(ctx, posts))


def iter_items(ctx: Context, posts: Iterable[Post], chunk: int = 200) -> Iterator[PreviewItem]:
    """``posts`` as preview items, one at a time (their retry times read a chunk at a time):
    the JSON and the plain lines of a long window are written as they come."""
    batch: list[Post] = []
    for post in posts:
        batch.append(post)
        if len(batch) == chunk:
            yield from _items(ctx, batch)
            batch = []
    yield from _items(ctx, batch)


def _items(ctx: Context, posts: list[Post]) -> Iterator[PreviewItem]:
    retries = retry_times(ctx, posts)
    for post in posts:
        yield preview_item(ctx, post, retries.get(post.id))
