"""What a person does to posts from the command line: queue, redraft, edit, post now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from influencer.captions import Caption, CaptionRequest
from influencer.captions.fitting import fits, length_of
from influencer.captions.safety import rule_violations
from influencer.config import BUILTIN_SPECS
from influencer.daemon.sending import Outcome, publish_approved
from influencer.drafting import Progress, draft_posts
from influencer.errors import InfluencerError
from influencer.imagery import release_uses
from influencer.pipeline import Context, posts_by_id, posts_for, settle_unapproved, slot_post
from influencer.planning import Slot
from influencer.preview.build import preview_item
from influencer.preview.model import PreviewItem
from influencer.publishing import labelled, publish_dry
from influencer.store import Post, PostStatus, transition

QUEUE_STATUSES = (PostStatus.planned, PostStatus.drafted, PostStatus.held, PostStatus.approved,
                  PostStatus.failed, PostStatus.unconfirmed)
REDRAFTABLE = (PostStatus.planned, PostStatus.drafted, PostStatus.approved, PostStatus.held,
               PostStatus.skipped, PostStatus.failed)


def queue(ctx: Context, unconfirmed_only: bool = False) -> list[PreviewItem]:
    """Posts waiting for something: approval, a person's decision, or their slot."""
    settle_unapproved(ctx)
    statuses = (PostStatus.unconfirmed,) if unconfirmed_only else QUEUE_STATUSES
    with ctx.session() as session:
        posts = session.exec(select(Post).where(col(Post.mode) == "live",
                                                col(Post.status).in_(statuses))
                             .order_by(col(Post.publish_at))).all()
    return [preview_item(ctx, post) for post in posts]


def select_posts(ctx: Context, ids: Sequence[str], persona: str | None, day: date | None,
                 statuses: Sequence[PostStatus]) -> list[Post]:
    if ids and persona:
        raise InfluencerError("give post ids or --persona, not both")
    if ids:
        return posts_by_id(ctx, ids)
    if persona:
        return posts_for(ctx, persona, day, statuses)
    raise InfluencerError("give post ids, or --persona (and --day)")


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


def reject_and_redraft(ctx: Context, post: Post, reason: str) -> int:
    with ctx.session() as session:
        transition(session, post.id, PostStatus.skipped, actor=ctx.actor, now=ctx.now(),
                   reason=f"rejected: {reason}")
    return redraft(ctx, posts_by_id(ctx, [post.id]))


def edit_caption(ctx: Context, post: Post, body: str) -> Post:
    """A person's new caption body: fitted, checked and labelled like any other, never unlabelled."""
    if post.status not in (PostStatus.drafted, PostStatus.approved, PostStatus.held):
        raise InfluencerError(f"post {post.id} is {post.status}; only drafted, approved or held "
                              "posts can be edited")
    persona = ctx.ws.personas[post.persona]
    label = persona.disclosure.label_for(persona.voice.language)
    body = body.strip().removeprefix(label).strip()  # the label is added back, never doubled
    if not body:
        raise InfluencerError("the new caption is empty")
    request = CaptionRequest(persona=persona, platform=BUILTIN_SPECS[post.platform],
                             slot_key=post.id, campaign=ctx.ws.schedules[post.schedule].campaign)
    caption = Caption(body, tuple(post.hashtags), post.images[0]["alt"] if post.images else "",
                      "person", ctx.actor, "")
    problems = rule_violations(caption, request)
    if problems:
        raise InfluencerError(f"post {post.id}: the new caption breaks the persona's rules: "
                              + "; ".join(problems))
    if not fits(caption, request):
        raise InfluencerError(f"post {post.id}: the new caption is {length_of(caption, request)} "
                              f"long with its label and hashtags; {post.platform} allows "
                              f"{request.limit}")
    edited = replace_body(ctx, post, body)
    with ctx.session() as session:
        return transition(session, post.id, PostStatus.drafted, actor=ctx.actor, now=ctx.now(),
                          reason="caption edited", changes=edited)


def replace_body(ctx: Context, post: Post, body: str) -> dict[str, object]:
    """The stored fields after changing the body: labelled again by the disclosure step."""
    trial = post.model_copy(update={"body": body, "writer": "person"})
    ready = labelled(ctx, trial.model_copy(update={"text": _composed(ctx, trial)}))
    return {"body": body, "text": ready.text, "writer": "person", "model": ctx.actor,
            "alt_texts": ready.alt_texts}


def _composed(ctx: Context, post: Post) -> str:
    from influencer.captions.fitting import compose

    persona = ctx.ws.personas[post.persona]
    schedule = ctx.ws.schedules[post.schedule]
    return compose(post.body or "", post.hashtags, persona.disclosure.label_for(persona.voice.language),
                   persona.disclosure.position, schedule.campaign.paid)


def post_now(ctx: Context, schedule_id: str, dry_run: bool) -> list[Outcome]:
    """One post per platform of the schedule, now, through the one publish path.

    Each is a ``manual`` post whose slot is this second: it never takes a planned slot's
    identity, and repeating the command within the same second finds the same posts instead of
    making more. A dry run makes posts of mode ``dry`` that the daemon never publishes live.
    """
    schedule = ctx.ws.schedules.get(schedule_id)
    if schedule is None:
        raise InfluencerError(f"no schedule {schedule_id!r}; see: influencer schedules")
    moment = ctx.now().replace(microsecond=0)
    day = moment.astimezone(ZoneInfo(schedule.timezone)).date()
    mode = "dry" if dry_run else "live"
    made = [slot_post(ctx, Slot(moment, moment, schedule.id, platform, schedule.persona, day),
                      mode=mode, kind="manual") for platform in schedule.platforms]
    draft_posts(ctx, [p for p in made if p.status == PostStatus.planned])
    return [_publish_now(ctx, post, dry_run) for post in posts_by_id(ctx, [p.id for p in made])]


def _publish_now(ctx: Context, post: Post, dry_run: bool) -> Outcome:
    if post.status == PostStatus.drafted:  # the person asking to post now approves it
        with ctx.session() as session:
            post = transition(session, post.id, PostStatus.approved, actor=ctx.actor,
                              now=ctx.now(), reason="posted now by a person",
                              changes={"approved_by": ctx.actor, "approved_at": ctx.now()})
    if post.status != PostStatus.approved:
        return Outcome(post)  # not drafted, held, skipped, or already sent by an identical run
    if dry_run:
        publish_dry(ctx, post)
        return Outcome(post)
    return publish_approved(ctx, post)


def publish_window_dry(ctx: Context, posts: Sequence[Post]) -> int:
    """Dry-publish every drafted post of a window to the outbox; return how many went."""
    count = 0
    for post in posts:
        if post.text and post.status in (PostStatus.drafted, PostStatus.approved):
            publish_dry(ctx, post)
            count += 1
    return count

