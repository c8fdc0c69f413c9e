"""Building the preview: plan the window, draft what is missing (stored), show stored drafts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from influencer.captions import measure
from influencer.config import BUILTIN_SPECS
from influencer.drafting import draft_posts
from influencer.errors import InfluencerError
from influencer.pipeline import Context, Window, is_stale, materialise, posts_by_id, settle_unapproved
from influencer.planning import Excluded
from influencer.platforms import platform_class
from influencer.preview.model import PreviewItem
from influencer.publishing import labelled
from influencer.store import Post, PostStatus

ProgressFactory = Callable[[int], Callable[[int], None]]  # total -> advance(n)
EXPIRY_WARNING_DAYS = 14


@dataclass
class PreviewResult:
    items: list[PreviewItem]
    excluded: list[Excluded] = field(default_factory=list)
    not_drafted: int = 0  # posts that could not be drafted (writer or image failure)


def build_preview(ctx: Context, window: Window, progress: ProgressFactory | None = None) -> PreviewResult:
    settle_unapproved(ctx)
    planned = materialise(ctx, window)
    todo = [p for p in planned.posts if p.status == PostStatus.planned]
    advance = progress(len(todo)) if progress and todo else None
    draft_posts(ctx, todo, advance)
    posts = posts_by_id(ctx, [p.id for p in planned.posts])
    items = [preview_item(ctx, post) for post in posts]
    not_drafted = sum(1 for p in posts if p.status == PostStatus.planned)
    return PreviewResult(items, planned.excluded, not_drafted)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def preview_item(ctx: Context, post: Post) -> PreviewItem:
    schedule = ctx.ws.schedules.get(post.schedule)
    persona = ctx.ws.personas.get(post.persona)
    zone = ZoneInfo(schedule.timezone if schedule else "UTC")
    local = post.publish_at.astimezone(zone)
    spec = BUILTIN_SPECS[post.platform]
    stale = is_stale(ctx, post)
    document = {
        "post_id": post.id, "mode": post.mode, "persona": post.persona, "schedule": post.schedule,
        "platform": post.platform, "slot_at": _iso(post.slot_at), "publish_at": _iso(post.publish_at),
        "text": post.text, "alt_texts": list(post.alt_texts), "flags": dict(post.flags),
        "images": [{"file": i["file"], "sha256": i["sha256"]} for i in post.images],
        "writer": post.writer, "request": _request(ctx, post) if post.text and not stale else None,
    }
    account = persona.accounts.get(post.platform) if persona else None
    return PreviewItem(
        post=document, status=str(post.status), stale=stale, warnings=warnings(ctx, post, stale),
        local_time=local.strftime("%a %d %b %H:%M %Z"), local_day=local.date().isoformat(),
        persona_name=persona.name if persona else post.persona,
        handle=account.handle if account else "", limit=spec.caption_limit,
        length=measure(post.text, spec.caption_counting) if post.text else 0,
        image_paths=[ctx.ws.resolve(i["path"]) for i in post.images if "path" in i],
        sources=[i.get("source", i["file"]) for i in post.images])


def _request(ctx: Context, post: Post) -> dict[str, object] | None:
    try:
        return platform_class(post.platform).build_request(labelled(ctx, post))
    except InfluencerError:
        return None


def warnings(ctx: Context, post: Post, stale: bool) -> list[str]:
    notes = []
    if post.status in (PostStatus.held, PostStatus.skipped, PostStatus.failed) and post.reason:
        notes.append(f"{post.status}: {post.reason}")
    if post.status == PostStatus.planned and post.last_error:
        notes.append(f"could not be drafted: {post.last_error}")
    if stale:
        notes.append("stale: the persona or schedule file changed since this draft; redraft it")
    schedule = ctx.ws.schedules.get(post.schedule)
    if post.status == PostStatus.drafted and schedule and schedule.approval == "required":
        notes.append("needs approval (influencer approve)")
    persona = ctx.ws.personas.get(post.persona)
    if persona and not persona.rights.revoked:
        left = (persona.rights.expires - ctx.now().date()).days
        if 0 <= left <= EXPIRY_WARNING_DAYS:
            notes.append(f"rights for {persona.id} expire in {left} days ({persona.rights.expires})")
    if post.writer == "offline":
        notes.append("written by the offline writer")
    return notes
