"""The audit export (``influencer audit export``) and the usage report (``influencer rights
usage``): what a model's agent and a regulator ask for, read from the database.

For each post that used the twin's likeness and went out — when, where (platform and URL), the
caption, the image hashes, every disclosure layer applied (the caption label, labelled alt text,
the native flags, the IPTC digital source type and C2PA manifest read back from the rendered file
when it still exists), the grant version that authorised it, who approved it, and every status
change with its time and actor — and every rights event of the twin (grant versions,
revocations, erasures). Times are UTC.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from influencer.errors import InfluencerError
from influencer.flow import grants
from influencer.flow.context import Context
from influencer.imagery import verify_image
from influencer.store import AuditEvent, Post, PostMode, PostStatus, Publication

LATEST = datetime.max.replace(tzinfo=UTC)
WENT_OUT = (PostStatus.published, PostStatus.deleted, PostStatus.unconfirmed)
RIGHTS_ACTIONS = ("rights-file", "rights-grant", "rights-revoke", "erase")


@dataclass(frozen=True)
class Change:
    at: datetime
    actor: str
    from_status: str | None
    to_status: str | None
    reason: str | None


@dataclass(frozen=True)
class ImageRecord:
    file: str
    sha256: str  # of the rendered file sent
    source_sha256: str | None
    xmp_source_type: str | None  # read back from the file; None when it is gone (erased)
    c2pa: str  # "signed", "none", or "file gone"


@dataclass(frozen=True)
class UsedPost:
    post_id: str
    platform: str
    status: str
    published_at: datetime | None
    url: str | None
    deleted_at: datetime | None
    caption: str
    label: str
    label_in_caption: bool
    alt_labelled: bool
    flags: dict[str, Any]
    images: list[ImageRecord]
    grant_version: int | None
    approved_by: str | None
    changes: list[Change] = field(default_factory=list)

    @property
    def month(self) -> str:
        return f"{self.published_at:%Y-%m}" if self.published_at else "unknown"


@dataclass(frozen=True)
class RightsEvent:
    at: datetime
    action: str
    actor: str
    version: int | None
    reason: str | None
    detail: dict[str, Any]


@dataclass
class AuditExport:
    persona: str
    start: datetime | None
    end: datetime | None
    posts: list[UsedPost]
    rights: list[RightsEvent]

    def totals(self) -> dict[str, dict[str, int]]:
        """Posts per month per platform."""
        found: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for post in self.posts:
            found[post.month][post.platform] += 1
        return {month: dict(sorted(counts.items())) for month, counts in sorted(found.items())}


def audit_export(ctx: Context, persona_id: str, start: datetime | None = None,
                 end: datetime | None = None) -> AuditExport:
    persona = ctx.ws.personas.get(persona_id)
    if persona is None:
        raise InfluencerError(f"no persona {persona_id!r}; see: influencer personas")
    with ctx.session() as session:
        rows = session.exec(select(Post, Publication).join(
            Publication, (col(Publication.post_id) == col(Post.id))
            & (col(Publication.mode) == PostMode.live), isouter=True)
            .where(col(Post.persona) == persona_id, col(Post.mode) == PostMode.live,
                   col(Post.status).in_(WENT_OUT))).all()
        events = session.exec(select(AuditEvent).where(col(AuditEvent.twin) == persona_id)
                              .order_by(col(AuditEvent.seq))).all()
        history = grants.history(session, persona_id)
    by_post: dict[str, list[AuditEvent]] = defaultdict(list)
    for event in events:
        if event.post_id:
            by_post[event.post_id].append(event)
    label = persona.disclosure.label_for(persona.voice.language)
    posts = []
    for post, publication in rows:
        when = publication.published_at if publication else None
        if (start and (when is None or when < start)) or (end and when and when >= end):
            continue
        posts.append(_used(post, publication, by_post[post.id], label, history, ctx))
    posts.sort(key=lambda p: (p.published_at is None, p.published_at or LATEST, p.post_id))
    rights = [RightsEvent(e.at, e.action, e.actor, e.detail.get("version"),
                          e.detail.get("reason"), dict(e.detail))
              for e in events if e.action in RIGHTS_ACTIONS
              and (not start or e.at >= start) and (not end or e.at < end)]
    return AuditExport(persona_id, start, end, posts, rights)


def _used(post: Post, publication: Publication | None, events: list[AuditEvent], label: str,
          history: list[grants.Grant], ctx: Context) -> UsedPost:
    changes = [Change(e.at, e.actor, e.from_status, e.to_status, e.detail.get("reason"))
               for e in events if e.action == "transition"]
    claims = [e for e in events if e.to_status == PostStatus.publishing]
    version = claims[0].detail.get("grant_version") if claims else None
    if version is None and claims:  # claimed before versions were recorded with the claim
        earlier = [g.version for g in history if g.recorded_at <= claims[0].at]
        version = earlier[-1] if earlier else None
    approved = next((e.actor for e in events if e.to_status == PostStatus.approved), None)
    return UsedPost(
        post.id, post.platform, str(post.status), publication.published_at if publication else None,
        publication.url if publication else None,
        publication.deleted_at if publication else None, post.text or "", label,
        label in (post.text or ""), bool(post.alt_texts) and all(
            a.startswith(label) for a in post.alt_texts), dict(post.flags),
        [_image(ctx, i.file, i.path, i.sha256, i.source_sha256) for i in post.images],
        version, post.approved_by or approved, changes)


def _image(ctx: Context, name: str, path: str, sha256: str, source: str | None) -> ImageRecord:
    file = ctx.ws.resolve(path)
    if not file.is_file():
        return ImageRecord(name, sha256, source, None, "file gone")
    report = verify_image(file)
    return ImageRecord(name, sha256, source, report.xmp.digital_source_type if report.xmp else None,
                       "signed" if report.c2pa.present else "none")


def usage(ctx: Context, start: datetime | None = None,
          end: datetime | None = None) -> list[dict[str, Any]]:
    """Posts that went out, per twin, platform and month (for the contract's accounting)."""
    with ctx.session() as session:
        rows = session.exec(select(Post.persona, Post.platform, Publication.published_at).join(
            Publication, (col(Publication.post_id) == col(Post.id))
            & (col(Publication.mode) == PostMode.live))
            .where(col(Post.mode) == PostMode.live, col(Post.status).in_(WENT_OUT))).all()
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for persona, platform, when in rows:
        if (start and when < start) or (end and when >= end):
            continue
        counts[(persona, platform, f"{when:%Y-%m}")] += 1
    return [{"persona": p, "platform": pl, "month": m, "posts": n}
            for (p, pl, m), n in sorted(counts.items())]
