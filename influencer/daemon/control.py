"""What a person does to the daemon's work: pause and resume, retry a failed post, settle an
unconfirmed one, delete a published one. Each is one transaction and one audit event."""

from __future__ import annotations

from sqlmodel import col, select

from influencer.daemon.retries import release_now
from influencer.errors import InfluencerError
from influencer.pipeline import Context, posts_by_id
from influencer.platforms import Published
from influencer.publishing import adapter_for, record_published
from influencer.store import AuditEvent, Post, PostStatus, Publication, transition
from influencer.store.models import Pause

EVERYTHING = "*"


def _scope(ctx: Context, persona: str | None) -> str:
    if persona is not None and persona not in ctx.ws.personas:
        raise InfluencerError(f"no persona {persona!r}; known: {', '.join(sorted(ctx.ws.personas))}")
    return persona or EVERYTHING


def pause(ctx: Context, persona: str | None) -> bool:
    """No new claims for the persona (or all); False when it was already paused."""
    scope = _scope(ctx, persona)
    with ctx.session() as session:
        if session.get(Pause, scope) is not None:
            return False
        session.add(Pause(scope=scope, paused_by=ctx.actor, paused_at=ctx.now()))
        session.add(AuditEvent(at=ctx.now(), actor=ctx.actor, action="pause", detail={"scope": scope}))
        session.commit()
    return True


def resume(ctx: Context, persona: str | None) -> bool:
    """Lift a pause; False when there was none for that scope."""
    scope = _scope(ctx, persona)
    with ctx.session() as session:
        row = session.get(Pause, scope)
        if row is None:
            return False
        session.delete(row)
        session.add(AuditEvent(at=ctx.now(), actor=ctx.actor, action="resume", detail={"scope": scope}))
        session.commit()
    return True


def retry(ctx: Context, post_id: str) -> Post:
    """A failed post goes back to approved with its attempts renewed, and may go at once."""
    [post] = posts_by_id(ctx, [post_id])
    if post.status != PostStatus.failed:
        raise InfluencerError(f"post {post_id} is {post.status}; only failed posts can be retried")
    with ctx.session() as session:
        release_now(session, post.id, ctx.now(), f"retry asked by {ctx.actor}")
        return transition(session, post.id, PostStatus.approved, actor=ctx.actor, now=ctx.now(),
                          reason=f"retry asked by {ctx.actor}", changes={"attempts": 0})


def resolve(ctx: Context, post_id: str, url: str | None) -> Post:
    """A person settles an unconfirmed post: published at ``url``, or (None) not published."""
    [post] = posts_by_id(ctx, [post_id])
    if post.status != PostStatus.unconfirmed:
        raise InfluencerError(f"post {post_id} is {post.status}; only unconfirmed posts are resolved")
    with ctx.session() as session:
        if url is not None:
            found = Published(post.platform, post.id, url, url, "live", ctx.now(),
                              {"resolved_by": ctx.actor})
            return record_published(ctx, session, post, found, reason=f"resolved by {ctx.actor}")
        release_now(session, post.id, ctx.now(), f"not published, said {ctx.actor}")
        return transition(session, post.id, PostStatus.approved, actor=ctx.actor, now=ctx.now(),
                          reason=f"not published, said {ctx.actor}: it will be sent again")


def delete(ctx: Context, post_id: str) -> Post:
    """Remove a published post from its platform (or the outbox) through its adapter."""
    [post] = posts_by_id(ctx, [post_id])
    if post.status != PostStatus.published:
        raise InfluencerError(f"post {post_id} is {post.status}; only published posts can be deleted")
    with ctx.session() as session:
        row = session.exec(select(Publication).where(col(Publication.post_id) == post.id,
                                                     col(Publication.mode) == "live")).first()
        if row is None or row.platform_id is None:
            raise InfluencerError(f"post {post_id} has no record of where it was published")
        published = Published(post.platform, post.id, row.platform_id, row.url, "live",
                              row.published_at, row.detail)
        adapter_for(ctx, post, dry_run=False).delete(published)
        row.deleted_at = ctx.now()
        session.add(row)
        return transition(session, post.id, PostStatus.deleted, actor=ctx.actor, now=ctx.now(),
                          reason=f"deleted by {ctx.actor}")
