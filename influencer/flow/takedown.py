"""Taking a published post down from its platform (or the outbox) through its adapter."""

from __future__ import annotations

from sqlmodel import col, select

from influencer.errors import InfluencerError
from influencer.flow.accounts import adapter_for
from influencer.flow.context import Context, posts_by_id
from influencer.platforms import Published
from influencer.store import Post, PostMode, PostStatus, Publication, transition


def delete(ctx: Context, post_id: str) -> Post:
    """Remove a published post from its platform (or the outbox) through its adapter."""
    [post] = posts_by_id(ctx, [post_id])
    if post.status != PostStatus.published:
        raise InfluencerError(f"post {post_id} is {post.status}; only published posts can be deleted")
    with ctx.session() as session:
        row = session.exec(select(Publication).where(col(Publication.post_id) == post.id,
                                                     col(Publication.mode) == PostMode.live)).first()
        if row is None or row.platform_id is None:
            raise InfluencerError(f"post {post_id} has no record of where it was published")
        published = Published(post.platform, post.id, row.platform_id, row.url, PostMode.live,
                              row.published_at, row.detail)
        adapter = adapter_for(ctx, post, dry_run=False)
        if not adapter.deletes:
            raise InfluencerError(f"{post.platform}: its API cannot delete posts; delete "
                                  f"{row.url or row.platform_id} in its app")
        adapter.delete(published)
        row.deleted_at = ctx.now()
        session.add(row)
        return transition(session, post.id, PostStatus.deleted, actor=ctx.actor, now=ctx.now(),
                          reason=f"deleted by {ctx.actor}")
