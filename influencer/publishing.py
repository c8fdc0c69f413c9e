"""Publishing a stored draft: label it again, claim it, send it, record the outcome.

- A dry run publishes through the outbox (mode ``dry``) and records a dry publication of its
  own; the post's live status is untouched, and repeating it changes nothing.
- An account that is not ``live: true`` publishes to the outbox too, but for real (mode
  ``live``): the slot is used, so switching the account live later does not re-send the past.
- Rights are checked again at publish time; a revoked or expired grant stops the post here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from influencer.config import BUILTIN_SPECS, Workspace
from influencer.disclosure import Draft, LabeledImage, LabeledPost, label
from influencer.drafting import day_refusal
from influencer.errors import DisclosureError, InfluencerError
from influencer.pipeline import Context, is_stale, local_day
from influencer.platforms import Published, platform_class
from influencer.platforms.base import AccountContext, Platform
from influencer.platforms.outbox import outbox_for
from influencer.store import AuditEvent, Post, PostStatus, Publication, transition


def labelled(ctx: Context, post: Post) -> LabeledPost:
    """The stored draft through the disclosure step again; it must match what was previewed."""
    if not post.text or post.body is None:
        raise InfluencerError(f"post {post.id} has no draft yet")
    if is_stale(ctx, post):
        raise InfluencerError(f"post {post.id} is stale: its persona or schedule changed since it "
                              "was drafted; redraft it (influencer redraft)")
    persona = ctx.ws.personas[post.persona]
    schedule = ctx.ws.schedules[post.schedule]
    source_type = persona.imagery.digital_source_type
    images = [LabeledImage(Path(i["path"]), i["sha256"], i["alt"], source_type, bool(i.get("signed")))
              for i in post.images]
    draft = Draft(post.id, post.persona, post.schedule, post.platform, post.slot_at,
                  post.publish_at, post.body, post.hashtags, images, post.writer or "unknown",
                  paid=schedule.campaign.paid, language=persona.voice.language)
    result = label(draft, persona, BUILTIN_SPECS[post.platform])
    if result.text != post.text or result.alt_texts != post.alt_texts:
        raise DisclosureError(f"post {post.id}: labelling it now gives a different text than was "
                              "previewed; redraft it")
    return result


def account_context(ws: Workspace, persona: str, platform: str) -> AccountContext:
    account = ws.personas[persona].accounts[platform]
    return AccountContext(
        persona=persona, platform=platform, handle=account.handle,
        credentials=account.credentials, root=ws.root, state_dir=ws.state_dir,
        base_url=str(account.base_url).rstrip("/") if account.base_url else None,
        user_id=account.user_id)


def adapter_for(ctx: Context, post: Post, dry_run: bool) -> Platform:
    target = platform_class(post.platform)
    account = ctx.ws.personas[post.persona].accounts[post.platform]
    if dry_run:
        return outbox_for(target, ctx.ws.outbox_dir, "dry")
    if not account.live:
        return outbox_for(target, ctx.ws.outbox_dir, "live")
    return target(account_context(ctx.ws, post.persona, post.platform))


@dataclass(frozen=True)
class AccountCheck:
    persona: str
    platform: str
    handle: str
    live: bool
    ok: bool
    detail: str  # the account the platform says it is, or why it failed


def verify_accounts(ws: Workspace, persona: str | None = None) -> list[AccountCheck]:
    """Resolve each account's credentials and ask its platform who they belong to."""
    if persona is not None and persona not in ws.personas:
        raise InfluencerError(f"no persona {persona!r}")
    checks = []
    for pid, item in sorted(ws.personas.items()):
        if persona is not None and pid != persona:
            continue
        for platform, account in sorted(item.accounts.items()):
            try:
                who = platform_class(platform)(account_context(ws, pid, platform)).verify()
                checks.append(AccountCheck(pid, platform, account.handle, account.live, True, who))
            except InfluencerError as exc:
                checks.append(AccountCheck(pid, platform, account.handle, account.live, False,
                                           str(exc)))
    return checks


def publish_dry(ctx: Context, post: Post) -> Published:
    """Publish to the outbox as a dry run: the post's own status does not change."""
    published = adapter_for(ctx, post, dry_run=True).publish(labelled(ctx, post))
    with ctx.session() as session:
        row = session.exec(select(Publication).where(col(Publication.post_id) == post.id,
                                                     col(Publication.mode) == "dry")).first()
        row = row or Publication(post_id=post.id, mode="dry", platform=post.platform)
        row.platform_id, row.url, row.published_at = published.platform_id, published.url, ctx.now()
        row.detail = published.detail
        session.add(row)
        session.add(AuditEvent(at=ctx.now(), post_id=post.id, actor=ctx.actor, action="dry-publish",
                               detail={"folder": published.detail.get("folder")}))
        session.commit()
    return published


def rights_refusal(ctx: Context, post: Post) -> str | None:
    """Why the persona's rights stop ``post`` now (revoked, expired, platform), or None."""
    persona = ctx.ws.personas[post.persona]
    refusal = day_refusal(persona, local_day(ctx, post))
    if refusal is None and post.platform not in persona.rights.platforms:
        refusal = f"rights for {persona.id} do not cover {post.platform}"
    return refusal


def record_published(ctx: Context, session: Session, post: Post, published: Published,
                     reason: str | None = None) -> Post:
    """The live publication and the move to ``published``, committed together."""
    session.add(Publication(post_id=post.id, mode="live", platform=post.platform,
                            platform_id=published.platform_id, url=published.url,
                            published_at=ctx.now(), detail=published.detail))
    return transition(session, post.id, PostStatus.published, actor=ctx.actor, now=ctx.now(),
                      reason=reason, changes={"lease_until": None, "last_error": None})
